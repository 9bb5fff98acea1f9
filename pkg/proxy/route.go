package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
)

// Route sends every request whose path starts with Prefix (on a path-segment
// boundary) to Upstream.
type Route struct {
	// Name identifies the route in logs, error pages and the session
	// cookie's name. Defaults to the prefix's segments joined by "-" ("root"
	// for "/"). Letters, digits, '-' and '_' only.
	Name string
	// Prefix is the path the route serves, such as "/account"; "/" catches
	// every path no other route claims. A trailing slash is dropped.
	Prefix string
	// Upstream is the absolute http or https URL of the dev server. A path
	// in it is prepended to the forwarded path.
	Upstream string
	// Handler, when set, serves the route in process instead of an
	// Upstream: `ssokit up` mounts the provider under the proxy (/auth) this
	// way. StripPrefix applies; PreserveHost and Headers do not (the request
	// is not forwarded). Upstream may then be empty or a label for pages.
	Handler http.Handler
	// StripPrefix removes Prefix from the path before forwarding:
	// /account/settings reaches the upstream as /settings. Leave it off for
	// dev servers configured with the prefix as their base path (Vite's
	// base, webpack's publicPath), which is the usual micro-frontend setup.
	StripPrefix bool
	// PreserveHost forwards the client's Host header unchanged instead of
	// the upstream's host. The original host is in X-Forwarded-Host either
	// way. Dev servers that check Host (Vite's allowedHosts, webpack's
	// allowedHosts) accept localhost, so both work on a laptop.
	PreserveHost bool
	// Headers are set on every request forwarded to the upstream, replacing
	// any value the client sent.
	Headers map[string]string
	// Auth, when non-nil, puts the route behind the auth gate: requests
	// without a session are sent to sign in first.
	Auth *Auth
}

// Auth configures a route's auth gate: the proxy acts as an OpenID Connect
// client (authorization code flow with PKCE) for the route.
type Auth struct {
	// Issuer is the OpenID provider's issuer URL; its endpoints are
	// discovered from Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID is the client registered at the provider for this route.
	ClientID string
	// ClientSecret makes the gate a confidential client (client_secret_basic
	// on the token endpoint). Empty: a public client, protected by PKCE alone.
	ClientSecret string
	// Scopes requested; default openid, profile, email, offline_access.
	Scopes []string
	// RedirectURL is the callback URL registered at the provider. Default:
	// the request's origin + Prefix + "/_ssokit/callback".
	RedirectURL string
	// PostLogoutRedirectURL is where the provider sends the browser after
	// /_ssokit/logout. Default: the request's origin + Prefix + "/".
	PostLogoutRedirectURL string
	// SPA makes the gate a backend-for-frontend for a single-page app: the
	// app's pages load without a session, the app asks
	// Prefix/_ssokit/session who is signed in (claims and expiry, never a
	// token), and requests under an API's path reach that API with the
	// session's access token, refreshed as needed. Tokens stay in the proxy.
	SPA bool
	// APIs are the upstreams an SPA gate calls with the session's token.
	APIs []API
}

// API is an upstream an SPA gate forwards to with the bearer token:
// requests under the route's Prefix + Path go to Upstream with that prefix
// removed (/shop/api/orders → Upstream + /orders). Without a session they
// get 401; unsafe methods need the X-CSRF header or Sec-Fetch-Site:
// same-origin.
type API struct {
	Path     string // e.g. /api
	Upstream string // e.g. http://localhost:5204
}

// ErrInvalidRoutes wraps every route validation error, so callers can tell
// bad input from other failures with errors.Is.
var ErrInvalidRoutes = errors.New("invalid routes")

// routeError names the offending route in a validation message.
type routeError struct {
	route string
	msg   string
}

func (e *routeError) Error() string { return fmt.Sprintf("route %s: %s", e.route, e.msg) }
func (e *routeError) Is(target error) bool {
	return target == ErrInvalidRoutes
}

// ValidateRoutes checks routes and reports every problem at once: malformed
// prefixes and URLs, duplicate names, duplicate or overlapping prefixes, bad
// header names, incomplete auth settings. New and SetRoutes call it.
func ValidateRoutes(routes []Route) error {
	_, err := normalize(routes)
	return err
}

// normalize validates routes and returns copies with defaults filled in.
func normalize(routes []Route) ([]Route, error) {
	var errs []error
	fail := func(r Route, format string, args ...any) {
		label := r.Prefix
		if r.Name != "" {
			label = fmt.Sprintf("%q (%s)", r.Name, r.Prefix)
		} else if label == "" {
			label = fmt.Sprintf("%q", r.Upstream)
		}
		errs = append(errs, &routeError{route: label, msg: fmt.Sprintf(format, args...)})
	}

	out := make([]Route, 0, len(routes))
	for _, r := range routes {
		r = r.clone() // the caller keeps its slice; the table keeps its own
		ok := true
		if msg := checkPrefix(r.Prefix); msg != "" {
			fail(r, "prefix %q %s", r.Prefix, msg)
			ok = false
		} else if r.Prefix != "/" {
			r.Prefix = strings.TrimSuffix(r.Prefix, "/")
		}
		if r.Name == "" && ok {
			r.Name = defaultName(r.Prefix)
		}
		if r.Name != "" && !validName(r.Name) {
			fail(r, "name %q may hold only letters, digits, '-' and '_'", r.Name)
		}
		if r.Handler != nil && r.Upstream == "" {
			r.Upstream = "(in process)"
		} else if msg := checkUpstream(r.Upstream); msg != "" && r.Handler == nil {
			fail(r, "upstream %q %s", r.Upstream, msg)
		}
		for name, value := range r.Headers {
			if msg := checkHeader(name, value); msg != "" {
				fail(r, "header %q %s", name, msg)
			}
		}
		if r.Auth != nil && r.Handler != nil {
			fail(r, "an in-process handler cannot sit behind the auth gate; gate its upstream instead")
		}
		if r.Auth != nil {
			a := *r.Auth
			if len(a.Scopes) == 0 {
				a.Scopes = []string{"openid", "profile", "email", "offline_access"}
			}
			r.Auth = &a
			if msg := checkAbsURL(a.Issuer); msg != "" {
				fail(r, "auth issuer %q %s", a.Issuer, msg)
			}
			if a.ClientID == "" {
				fail(r, "auth needs a client_id registered at the provider")
			}
			for _, u := range []string{a.RedirectURL, a.PostLogoutRedirectURL} {
				if u == "" {
					continue
				}
				if msg := checkAbsURL(u); msg != "" {
					fail(r, "auth redirect URL %q %s", u, msg)
				}
			}
			if len(a.APIs) > 0 && !a.SPA {
				fail(r, "auth APIs need the SPA gate (a backend-for-frontend for a single-page app); a page gate forwards the bearer token to its own upstream already")
			}
			seenAPI := map[string]bool{}
			for _, api := range a.APIs {
				p := strings.TrimSuffix(api.Path, "/")
				switch {
				case checkPrefix(api.Path) != "" || p == "":
					fail(r, "API path %q must be a path under the route such as /api", api.Path)
				case underPrefix(p, gatePath):
					fail(r, "API path %q is inside %s, which the auth gate reserves", api.Path, gatePath)
				case seenAPI[p]:
					fail(r, "API path %q is listed twice", api.Path)
				}
				seenAPI[p] = true
				if msg := checkAbsURL(api.Upstream); msg != "" {
					fail(r, "API upstream %q %s", api.Upstream, msg)
				}
			}
		}
		out = append(out, r)
	}

	// Pairwise checks on the routes whose prefix is well formed.
	byName := map[string]Route{}
	byPrefix := map[string]Route{}
	byFolded := map[string]Route{}
	for _, r := range out {
		if checkPrefix(r.Prefix) != "" {
			continue
		}
		if prev, dup := byPrefix[r.Prefix]; dup {
			fail(r, "prefix %s is already routed to %s (route %q); each prefix can have one upstream", r.Prefix, prev.Upstream, prev.Name)
			continue
		}
		byPrefix[r.Prefix] = r
		if prev, dup := byName[r.Name]; dup && r.Name != "" {
			fail(r, "name %q is already used by the route for %s; give each route its own name", r.Name, prev.Prefix)
		}
		byName[r.Name] = r
		folded := strings.ToLower(r.Prefix)
		if prev, dup := byFolded[folded]; dup {
			fail(r, "prefix %s overlaps %s (route %q): they differ only in case, which browsers and dev servers treat inconsistently", r.Prefix, prev.Prefix, prev.Name)
		}
		byFolded[folded] = r
	}
	// A route nested inside a gated route without a gate of its own would
	// let requests skip the sign-in; so would a route inside the gate's
	// reserved /_ssokit/ paths.
	for _, inner := range out {
		for _, outer := range out {
			if inner.Prefix == outer.Prefix || outer.Auth == nil || !underPrefix(inner.Prefix, outer.Prefix) {
				continue
			}
			if underPrefix(inner.Prefix, join(outer.Prefix, gatePath)) {
				fail(inner, "prefix %s is inside %s, which the auth gate of route %q reserves", inner.Prefix, join(outer.Prefix, gatePath), outer.Name)
			} else if inner.Auth == nil {
				fail(inner, "prefix %s is inside gated route %q (%s) but has no auth itself, so its requests would skip the sign-in; give it auth too or move it", inner.Prefix, outer.Name, outer.Prefix)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// Longest prefix first: the first match wins.
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Prefix) > len(out[j].Prefix) })
	return out, nil
}

// checkPrefix returns why p is not a usable route prefix, or "".
func checkPrefix(p string) string {
	switch {
	case p == "":
		return "is empty; use \"/\" to catch every path"
	case p[0] != '/':
		return "must start with \"/\""
	case strings.ContainsAny(p, "?#"):
		return "must be a path, without query or fragment"
	case strings.Contains(p, "%"):
		return "must not hold percent-escapes; write the path as browsers show it"
	case strings.Contains(p, ";"):
		return "must not hold ';', which servers such as Tomcat read as the start of path parameters"
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg != "." && seg != ".." && strings.HasSuffix(seg, ".") {
			return fmt.Sprintf("must not have a segment ending in '.' (%q), which some servers drop", seg)
		}
	}
	for _, c := range p {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"<>\^`+"`{|}", c) {
			return fmt.Sprintf("holds %q, which is not allowed in a URL path", c)
		}
	}
	trimmed := p
	if p != "/" {
		trimmed = strings.TrimSuffix(p, "/")
	}
	if path.Clean(trimmed) != trimmed {
		return "is not a clean path (no \"//\", \".\" or \"..\" segments)"
	}
	return ""
}

// checkUpstream returns why u is not a usable upstream URL, or "".
func checkUpstream(u string) string {
	if msg := checkAbsURL(u); msg != "" {
		return msg
	}
	parsed, _ := url.Parse(u)
	switch {
	case parsed.User != nil:
		return "must not hold credentials; use the route's headers instead"
	case parsed.RawQuery != "" || parsed.Fragment != "":
		return "must not hold a query or fragment"
	}
	return ""
}

// checkAbsURL returns why u is not an absolute http(s) URL, or "".
func checkAbsURL(u string) string {
	if u == "" {
		return "is empty; want an absolute URL such as http://localhost:5101"
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return fmt.Sprintf("is not a URL: %v", errors.Unwrap(err))
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		return "must start with http:// or https://"
	}
	if parsed.Host == "" || parsed.Hostname() == "" {
		return "has no host; want something like http://localhost:5101"
	}
	return ""
}

// checkHeader returns why name: value cannot be set on forwarded requests.
func checkHeader(name, value string) string {
	if name == "" {
		return "has an empty name"
	}
	for _, c := range name {
		if c > 0x7e || !isTokenChar(byte(c)) {
			return fmt.Sprintf("holds %q, which is not allowed in a header name", c)
		}
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return "value must not hold CR, LF or NUL"
	}
	switch http.CanonicalHeaderKey(name) {
	case "Host":
		return "cannot be set this way; use preserve_host to keep the client's Host"
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length":
		return "is a framing or hop-by-hop header the proxy manages itself"
	}
	return ""
}

func isTokenChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_|~`", c) >= 0
}

func validName(n string) bool {
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return n != ""
}

// defaultName turns a prefix into a route name: "/" → "root",
// "/shop/cart" → "shop-cart". Characters a name cannot hold become '-'.
func defaultName(prefix string) string {
	p := strings.Trim(prefix, "/")
	if p == "" {
		return "root"
	}
	b := []byte(p)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}

// underPrefix reports whether p equals prefix or lies below it on a
// path-segment boundary: /account/x is under /account, /accounts is not.
// UnderPrefix reports whether path p is prefix or lies under it
// ("/account/x" is under "/account", "/accounts" is not).
func UnderPrefix(p, prefix string) bool { return underPrefix(p, prefix) }

func underPrefix(p, prefix string) bool {
	if prefix == "/" {
		return strings.HasPrefix(p, "/")
	}
	if !strings.HasPrefix(p, prefix) {
		return false
	}
	return len(p) == len(prefix) || p[len(prefix)] == '/'
}

// join appends a path that starts with "/" to a prefix ("/" joins to itself).
func join(prefix, p string) string {
	if prefix == "/" {
		return p
	}
	return prefix + p
}
