package stack

import (
	"net/url"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/proxy"
)

// RoutesFromConfig turns the apps of an ssokit.yaml into routes: path,
// upstream, strip_prefix, keep_host and headers map one to one; an app with
// auth: required (or spa, with its APIs) gets an auth gate signing in at the config's issuer as its
// client_id, with that client's secret. When the client registers a
// redirect URI (or post-logout redirect URI) under the app's path, the gate
// uses it rather than deriving one from the request's Host, so the URL the
// provider checks is exactly the registered one.
//
// The routes are validated by proxy.New and SetRoutes, not here. It lives
// here, not in pkg/proxy: turning config into engines is the stack's job,
// and the proxy engine knows nothing of ssokit.yaml.
func RoutesFromConfig(cfg *config.Config) []proxy.Route {
	if cfg == nil {
		return nil
	}
	routes := make([]proxy.Route, 0, len(cfg.Apps))
	for _, a := range cfg.Apps {
		r := proxy.Route{
			Name:         a.Name,
			Prefix:       a.Path,
			Upstream:     a.Upstream,
			StripPrefix:  a.StripPrefix,
			PreserveHost: a.KeepHost,
			Headers:      a.Headers,
		}
		if a.Auth == "required" || a.Auth == "spa" {
			auth := &proxy.Auth{Issuer: cfg.IssuerOrDefault(), ClientID: a.ClientID, SPA: a.Auth == "spa"}
			for _, api := range a.API {
				auth.APIs = append(auth.APIs, proxy.API{Path: api.Path, Upstream: api.Upstream})
			}
			if c, ok := cfg.Client(a.ClientID); ok {
				auth.ClientSecret = c.Secret
				auth.RedirectURL = registeredUnder(c.RedirectURIs, proxy.CallbackPath(a.Path), true)
				auth.PostLogoutRedirectURL = registeredUnder(c.PostLogoutRedirectURIs, trimSlash(a.Path), false)
			}
			r.Auth = auth
		}
		routes = append(routes, r)
	}
	return routes
}

// registeredUnder returns the first URI whose path is p (exact) or lies
// under p, or "".
func registeredUnder(uris []string, p string, exact bool) string {
	for _, u := range uris {
		parsed, err := url.Parse(u)
		if err != nil {
			continue
		}
		if parsed.Path == p || !exact && proxy.UnderPrefix(parsed.Path, p) {
			return u
		}
	}
	return ""
}

func trimSlash(p string) string {
	if len(p) > 1 && p[len(p)-1] == '/' {
		return p[:len(p)-1]
	}
	return p
}
