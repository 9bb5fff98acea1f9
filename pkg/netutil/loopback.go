package netutil

import (
	"net"
	"strings"
)

// IsLoopbackHost reports whether host names the loopback interface:
// localhost and its subdomains (RFC 6761 §6.3; browsers resolve them to
// loopback themselves), 127.0.0.0/8 and ::1. host may carry IPv6 brackets
// and a trailing dot, but no port.
func IsLoopbackHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a host:port address (a listen address or
// a request's RemoteAddr) is on the loopback interface. An empty host
// (":9400") binds every interface and is not loopback.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	return IsLoopbackHost(host)
}

// Hostname returns the host of a Host header or host:port address, without
// port, brackets or trailing dot, in lower case: "[::1]:9400" → "::1".
func Hostname(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}
