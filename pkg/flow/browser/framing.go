package browser

import (
	"net/http"
	"net/url"
	"strings"
)

// FramingBlocked reports why a browser would refuse to render a response
// for url inside a frame whose ancestors are the given URLs (outermost
// first): the CSP frame-ancestors directive, which wins when present, or
// X-Frame-Options. "" means the response may be framed.
func FramingBlocked(h http.Header, u *url.URL, ancestors []*url.URL) string {
	if len(ancestors) == 0 {
		return ""
	}
	// Every policy is enforced; within one, the first frame-ancestors
	// directive counts.
	csp := false
	for _, policy := range h.Values("Content-Security-Policy") {
		for _, dir := range strings.Split(policy, ";") {
			fields := strings.Fields(dir)
			if len(fields) == 0 || !strings.EqualFold(fields[0], "frame-ancestors") {
				continue
			}
			csp = true
			sources := fields[1:]
			for _, a := range ancestors {
				if !matchesAnySource(sources, a, u) {
					return "its Content-Security-Policy says frame-ancestors " + strings.Join(sources, " ") + ", which does not include " + Origin(a)
				}
			}
			break
		}
	}
	if csp {
		return ""
	}
	switch xfo := strings.ToUpper(strings.TrimSpace(h.Get("X-Frame-Options"))); xfo {
	case "DENY":
		return "it sends X-Frame-Options: DENY"
	case "SAMEORIGIN":
		for _, a := range ancestors {
			if !SameOrigin(a, u) {
				return "it sends X-Frame-Options: SAMEORIGIN and " + Origin(a) + " is another origin"
			}
		}
	}
	return ""
}

// matchesAnySource implements CSP source matching for frame-ancestors:
// 'none', 'self', *, scheme-sources (https:) and host-sources with
// optional scheme, *. subdomain wildcard and port (or :*).
func matchesAnySource(sources []string, a, self *url.URL) bool {
	for _, s := range sources {
		ls := strings.ToLower(s)
		switch {
		case ls == "'none'":
			return false
		case ls == "'self'":
			if SameOrigin(a, self) {
				return true
			}
		case ls == "*":
			if a.Scheme == "http" || a.Scheme == "https" {
				return true
			}
		case strings.HasSuffix(ls, ":") && !strings.Contains(ls, "/"):
			if strings.TrimSuffix(ls, ":") == a.Scheme || ls == "http:" && a.Scheme == "https" {
				return true
			}
		default:
			if matchHostSource(ls, a) {
				return true
			}
		}
	}
	return false
}

func matchHostSource(src string, a *url.URL) bool {
	scheme := ""
	if i := strings.Index(src, "://"); i >= 0 {
		scheme, src = src[:i], src[i+3:]
	}
	if i := strings.IndexByte(src, '/'); i >= 0 {
		src = src[:i] // frame-ancestors paths are matched loosely: ignore them
	}
	host, port := src, ""
	if i := strings.LastIndexByte(src, ':'); i >= 0 && !strings.HasSuffix(src, "]") {
		host, port = src[:i], src[i+1:]
	}
	if scheme != "" && scheme != a.Scheme && !(scheme == "http" && a.Scheme == "https") {
		return false
	}
	if scheme == "" && a.Scheme != "http" && a.Scheme != "https" {
		return false
	}
	ah := strings.ToLower(a.Hostname())
	switch {
	case strings.HasPrefix(host, "*."):
		if !strings.HasSuffix(ah, host[1:]) {
			return false
		}
	case strings.Trim(host, "[]") != ah:
		return false
	}
	ap := a.Port()
	if ap == "" {
		ap = map[string]string{"http": "80", "https": "443"}[a.Scheme]
	}
	switch port {
	case "*":
		return true
	case "":
		return ap == map[string]string{"http": "80", "https": "443"}[a.Scheme]
	}
	return port == ap
}
