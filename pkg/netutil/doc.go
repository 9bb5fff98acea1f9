// Package netutil holds what every ssokit server needs from the network
// layer, written once: the loopback predicate, the Host check that stops DNS
// rebinding, a connection cap, and a hardened http.Server.
//
// It is a leaf: it imports only the standard library.
package netutil
