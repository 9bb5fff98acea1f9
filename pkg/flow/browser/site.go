package browser

import (
	"net"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/netutil"
)

// Site returns the schemeful site of u: scheme "://" registrable domain, or
// scheme "://" host when the host has no registrable domain (an IP address,
// "localhost", a host under a suffix the list does not know). Ports never
// make a site: http://localhost:5101 and http://localhost:9400 are one site.
// This mirrors Chromium's SchemefulSite, which leaves unknown registries out,
// so app.localhost and auth.localhost are two sites.
func Site(u *url.URL) string {
	if u == nil {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if d := RegistrableDomain(host); d != "" {
		host = d
	}
	return strings.ToLower(u.Scheme) + "://" + host
}

// SameSite reports whether a and b are schemeful same-site.
func SameSite(a, b *url.URL) bool { return Site(a) == Site(b) }

// Origin returns scheme://host[:port] of u, the serialisation used in Origin
// headers and postMessage targets.
func Origin(u *url.URL) string {
	if u == nil {
		return "null"
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

// SameOrigin reports whether a and b have the same origin.
func SameOrigin(a, b *url.URL) bool { return Origin(a) == Origin(b) }

// RegistrableDomain returns the eTLD+1 of host, or "" when host is an IP
// address, is itself a public suffix, or sits under a suffix the list does
// not know (as "localhost" does).
func RegistrableDomain(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || net.ParseIP(host) != nil || strings.HasPrefix(host, "[") {
		return ""
	}
	labels := strings.Split(host, ".")
	// Longest matching rule wins; exceptions (!) beat wildcards (*).
	suffixLen := 0
	for i := range labels {
		cand := strings.Join(labels[i:], ".")
		if exceptionSuffixes[cand] {
			suffixLen = len(labels) - i - 1
			break
		}
		if publicSuffixes[cand] {
			suffixLen = len(labels) - i
			break
		}
		if i+1 < len(labels) && wildcardSuffixes[strings.Join(labels[i+1:], ".")] {
			suffixLen = len(labels) - i
			break
		}
	}
	if suffixLen == 0 || suffixLen >= len(labels) {
		return ""
	}
	return strings.Join(labels[len(labels)-suffixLen-1:], ".")
}

// IsPublicSuffix reports whether domain is a public suffix on the list.
func IsPublicSuffix(domain string) bool {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if exceptionSuffixes[domain] {
		return false
	}
	if publicSuffixes[domain] {
		return true
	}
	// A single-label rule base such as "ck" in "*.ck" is itself a suffix
	// (the list's implicit "*" rule); without this, Domain=ck would scope a
	// cookie to every site under the TLD.
	if wildcardSuffixes[domain] && !strings.Contains(domain, ".") {
		return true
	}
	if i := strings.IndexByte(domain, '.'); i > 0 && wildcardSuffixes[domain[i+1:]] {
		return true
	}
	return false
}

// PotentiallyTrustworthy reports whether u is a secure context for cookies:
// https and wss, and the loopback hosts browsers treat as secure over plain
// http (localhost, *.localhost, 127.0.0.0/8, ::1). Chromium accepts Secure
// cookies from http://localhost (measured, see browser-observations.md).
func PotentiallyTrustworthy(u *url.URL) bool {
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		return true
	case "http", "ws":
	default:
		return false
	}
	return netutil.IsLoopbackHost(u.Hostname())
}
