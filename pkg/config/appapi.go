package config

import (
	"fmt"
	"net/url"
	"strings"
)

// checkAppAPIs reports an app's api: entries that cannot work: on an app
// without auth: spa, paths that are not under the app or collide, and
// upstreams that are not http(s) URLs.
func checkAppAPIs(add func(field, format string, args ...any), f string, a App) {
	if len(a.API) > 0 && a.Auth != "spa" {
		add(f+".api", "app %q lists api: but has auth: %q; APIs with the session's token need auth: spa (the backend-for-frontend for single-page apps)", a.Name, a.Auth)
	}
	seen := map[string]bool{}
	for j, api := range a.API {
		af := fmt.Sprintf("%s.api[%d]", f, j)
		p := strings.TrimSuffix(api.Path, "/")
		switch {
		case !strings.HasPrefix(api.Path, "/") || p == "":
			add(af+".path", "%q must be a path under the app such as /api", api.Path)
		case p == "/_ssokit" || strings.HasPrefix(p, "/_ssokit/"):
			add(af+".path", "%q is inside /_ssokit, which the auth gate reserves", api.Path)
		case seen[p]:
			add(af+".path", "%q is listed twice", api.Path)
		}
		seen[p] = true
		if u, err := url.Parse(api.Upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(af+".upstream", "%q is not an http(s) URL like http://localhost:5204", api.Upstream)
		}
	}
}
