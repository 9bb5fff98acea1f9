package netutil

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
)

// HostPolicy is the DNS rebinding defence. A page on
// http://attacker.example:9400 whose name the attacker re-points at
// 127.0.0.1 is same-origin with a loopback server as far as the browser
// knows, so it could read every answer (the event stream carries tokens)
// even though the connection does come from loopback. The one thing the
// attacker cannot change is the Host header: it still says
// attacker.example. A HostPolicy answers only Host names it trusts: loopback
// names, IP literals (rebinding needs a DNS name, so an IP Host is what the
// browser really connected to; Vite's server.allowedHosts does the same),
// and the names it is given.
type HostPolicy struct {
	names   map[string]bool
	domains []string // ".example.com": the domain and its subdomains
	any     bool
}

// NewHostPolicy trusts the given names besides loopback names and IP
// literals. An entry is a host name ("auth.example.test"; a port or a URL is
// reduced to its host), a leading-dot domain (".example.test": the domain
// and every subdomain), or "*" (any Host: turns the protection off).
func NewHostPolicy(hosts ...string) *HostPolicy {
	p := &HostPolicy{names: map[string]bool{}}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
		case h == "*":
			p.any = true
		case strings.HasPrefix(h, "."):
			p.domains = append(p.domains, strings.ToLower(strings.TrimSuffix(h, ".")))
		default:
			if _, rest, ok := strings.Cut(h, "://"); ok { // a URL: keep its host
				h, _, _ = strings.Cut(rest, "/")
			}
			p.names[Hostname(h)] = true
		}
	}
	return p
}

// Allows reports whether a request's Host header is trusted. An empty Host
// (HTTP/1.0 without one) is allowed: browsers always send it.
func (p *HostPolicy) Allows(hostHeader string) bool {
	if p == nil || p.any || hostHeader == "" {
		return true
	}
	h := Hostname(hostHeader)
	if IsLoopbackHost(h) || net.ParseIP(h) != nil || p.names[h] {
		return true
	}
	for _, d := range p.domains {
		if h == d[1:] || strings.HasSuffix(h, d) {
			return true
		}
	}
	return false
}

// Names returns the configured names and domains, for messages.
func (p *HostPolicy) Names() []string {
	var out []string
	for n := range p.names {
		out = append(out, n)
	}
	slices.Sort(out)
	return append(out, p.domains...)
}

// Handler refuses requests whose Host is not allowed (see Refuse); what
// names the server ("ssokit provider"). Other requests go to h.
func (p *HostPolicy) Handler(what string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.Allows(r.Host) {
			p.Refuse(w, r, what)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Refuse answers 403 with a text that names the Host and says how to
// allow it.
func (p *HostPolicy) Refuse(w http.ResponseWriter, r *http.Request, what string) {
	host := Hostname(r.Host)
	msg := fmt.Sprintf("%s: Host %q is not allowed (DNS rebinding protection).\n"+
		"Allowed: loopback names (localhost, *.localhost, 127.0.0.1, [::1]), IP addresses", what, r.Host)
	if names := p.Names(); len(names) > 0 {
		msg += " and " + strings.Join(names, ", ")
	}
	msg += fmt.Sprintf(".\nIf you reach ssokit as %s on purpose, allow it: add it to allowed_hosts in ssokit.yaml\n"+
		"(allowed_hosts: [%s]) or pass --allowed-host %s.\n", host, host, host)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprint(w, msg)
}
