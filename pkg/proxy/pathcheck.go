package proxy

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Upstreams disagree about what a path means. Express and Windows ignore
// case, Tomcat and Jetty drop ;path-parameters (and resolve "..;" as ".."),
// Windows drops a segment's trailing dots and spaces and reads \ as /,
// some servers decode %2F into a separator and others keep it inside the
// segment, and C code stops at a NUL. When a gated prefix shares an
// upstream with an ungated route, a path the proxy routes one way and the
// upstream reads another walks past the gate: /CHECKOUT/x, /checkout;x=1,
// /checkout./x and /checkout%00/x all reach the ungated "/" route here and
// the gated page there.
//
// So the proxy refuses (400) a NUL anywhere in the decoded path, and refuses a path that would be routed differently
// as upstreams read it (parameters dropped, trailing dots and spaces
// trimmed, \ a separator, dot segments resolved, gated prefixes compared
// ignoring case; or %2F kept inside its segment) when either route is
// gated. Paths that mean the same route every way (/account/x;v=1 inside
// /account, /files/a%2Fb) pass untouched.

// ambiguous returns the 400 page for a path upstreams may read differently
// from the proxy, or nil.
func (t *table) ambiguous(u *url.URL, rt *route) *errorPage {
	if strings.IndexByte(u.Path, 0) >= 0 {
		return &errorPage{
			Status: http.StatusBadRequest,
			Error:  "bad_path",
			Title:  "This path holds a NUL",
			Detail: "the decoded path holds a NUL byte (sent as %00)",
			Hint:   "Servers written in C stop reading a path at a NUL, so it could reach another app than the one the proxy routes it to. Send the path without it.",
		}
	}
	gated := false
	for _, r := range t.routes {
		gated = gated || r.gate != nil
	}
	if !gated {
		return nil // no gate to walk past
	}
	alt := t.matchNormalized(normalizedPath(strings.ReplaceAll(u.Path, `\`, "/")))
	if alt == rt {
		if raw, ok := slashKept(u); ok {
			alt = t.matchNormalized(normalizedPath(raw))
		}
	}
	if alt == rt || (alt == nil || alt.gate == nil) && (rt == nil || rt.gate == nil) {
		return nil
	}
	page := &errorPage{
		Status: http.StatusBadRequest,
		Error:  "bad_path",
		Title:  "This path is ambiguous",
		Hint:   "Dev servers differ in how they read case, ;parameters, trailing dots, \\ and %2F, so this path could reach a gated app without its sign-in. Use the path exactly as the route spells it.",
	}
	if alt != nil {
		page.Route, page.Prefix, page.Upstream = alt.Name, alt.Prefix, alt.Upstream
	}
	here, there := "no route", "no route"
	if rt != nil {
		here = fmt.Sprintf("route %q (%s)", rt.Name, rt.Prefix)
	}
	if alt != nil {
		there = fmt.Sprintf("route %q (%s)", alt.Name, alt.Prefix)
	}
	page.Detail = fmt.Sprintf("%s goes to %s as written, but to %s as some upstreams read it", u.EscapedPath(), here, there)
	return page
}

// slashKept returns the path as a server that does not decode %2F reads
// it (the escape stays inside its segment), when the path holds one.
func slashKept(u *url.URL) (string, bool) {
	esc := u.EscapedPath()
	if !strings.Contains(esc, "%2f") && !strings.Contains(esc, "%2F") {
		return "", false
	}
	parts := strings.Split(strings.ReplaceAll(esc, "%2f", "%2F"), "%2F")
	for i, part := range parts {
		if d, err := url.PathUnescape(part); err == nil {
			parts[i] = d
		}
	}
	return strings.Join(parts, "%2F"), true
}

// normalizedPath is p as the most lenient upstream reads it: ;parameters
// dropped from each segment, trailing dots and spaces trimmed, then dot
// segments resolved. It returns p itself (no allocation) when nothing
// would change, which is nearly always.
func normalizedPath(p string) string {
	if strings.IndexByte(p, ';') < 0 && !strings.Contains(p, "./") && !strings.Contains(p, " /") &&
		!strings.HasSuffix(p, ".") && !strings.HasSuffix(p, " ") {
		return p
	}
	segs := strings.Split(p, "/")
	changed := false
	for i, s := range segs {
		n, _, _ := strings.Cut(s, ";")
		if n != "." && n != ".." {
			n = strings.TrimRight(n, ". ")
		}
		if n != s {
			segs[i], changed = n, true
		}
	}
	if !changed {
		return p
	}
	n := path.Clean("/" + strings.Join(segs, "/"))
	if strings.HasSuffix(p, "/") && n != "/" {
		n += "/"
	}
	return n
}

// matchNormalized is match with gated prefixes compared ignoring case as
// Unicode lower-casing does (JavaScript's toLowerCase, which Express uses,
// turns the Kelvin sign into "k" too).
func (t *table) matchNormalized(p string) *route {
	lower := ""
	for _, rt := range t.routes {
		if underPrefix(p, rt.Prefix) {
			return rt
		}
		if rt.gate != nil {
			if lower == "" {
				lower = strings.ToLower(p) // no allocation when p is lower case ASCII
			}
			if underPrefix(lower, strings.ToLower(rt.Prefix)) {
				return rt
			}
		}
	}
	return nil
}
