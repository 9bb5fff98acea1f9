package provider

import (
	"net/http"
)

// Endpoint paths of the generic and auth0 profiles (GenericLayout),
// relative to the issuer. Auth0's paths are primary so the unmodified
// @auth0/auth0-spa-js works (its worker accepts only /oauth/token). Other
// profiles have their own Layout.
const (
	PathDiscovery    = "/.well-known/openid-configuration"
	PathJWKS         = "/.well-known/jwks.json"
	PathAuthorize    = "/authorize"
	PathLogin        = "/login"
	PathToken        = "/oauth/token"
	PathUserinfo     = "/userinfo"
	PathRevoke       = "/oauth/revoke"
	PathIntrospect   = "/introspect"
	PathLogout       = "/logout"
	PathAuth0Logout  = "/v2/logout"
	PathCheckSession = "/check_session"
	PathAdmin        = "/_ssokit/"
)

func (p *Provider) routes() {
	m := http.NewServeMux()
	api := func(name string, h http.HandlerFunc) http.Handler {
		return p.cors(p.endpoint(name, p.withFaults(name, h)))
	}
	page := func(name string, h http.HandlerFunc) http.Handler { return p.endpoint(name, p.withFaults(name, h)) }
	l := p.spec.layout
	handle := func(path string, h http.Handler) {
		if path != "" {
			m.Handle(path, h)
		}
	}
	eps := []struct {
		name, path string
		h          http.Handler
	}{
		{"discovery", l.Discovery, api("discovery", p.handleDiscovery)},
		{"jwks", l.JWKS, api("jwks", p.handleJWKS)},
		{"authorize", l.Authorize, page("authorize", p.handleAuthorize)},
		{"login", l.Login, page("login", p.handleLogin)},
		{"token", l.Token, api("token", p.handleToken)},
		{"userinfo", l.Userinfo, api("userinfo", p.handleUserinfo)},
		{"revoke", l.Revoke, api("revoke", p.handleRevoke)},
		{"introspect", l.Introspect, api("introspect", p.handleIntrospect)},
		{"logout", l.Logout, page("logout", p.handleLogout)},
		{"auth0_logout", "", page("logout", p.handleAuth0Logout)},
		{"check_session", l.CheckSession, p.endpoint("check_session", p.handleCheckSession)},
	}
	for _, e := range eps {
		handle(e.path, e.h)
		for _, a := range l.Aliases[e.name] {
			handle(a, e.h)
		}
	}
	if p.spec.routes != nil {
		p.spec.routes(p, routeAdder{
			API:  func(path, name string, h http.HandlerFunc) { m.Handle(path, api(name, h)) },
			Page: func(path, name string, h http.HandlerFunc) { m.Handle(path, page(name, h)) },
		})
	}
	m.Handle(PathAdmin, p.endpoint("admin", p.handleAdmin))
	p.fedcmRoutes(m)
	m.Handle("/{$}", p.endpoint("home", p.handleHome))
	p.mux = m
}
