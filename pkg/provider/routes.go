package provider

import (
	"net/http"
)

// Endpoint paths, relative to the issuer. Auth0's paths are primary so the
// unmodified @auth0/auth0-spa-js works (its worker accepts only /oauth/token).
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

	m.Handle(PathDiscovery, api("discovery", p.handleDiscovery))
	m.Handle(PathJWKS, api("jwks", p.handleJWKS))
	m.Handle(PathAuthorize, page("authorize", p.handleAuthorize))
	m.Handle(PathLogin, page("login", p.handleLogin))
	m.Handle(PathToken, api("token", p.handleToken))
	m.Handle("/token", api("token", p.handleToken))
	m.Handle(PathUserinfo, api("userinfo", p.handleUserinfo))
	m.Handle(PathRevoke, api("revoke", p.handleRevoke))
	m.Handle("/revoke", api("revoke", p.handleRevoke))
	m.Handle(PathIntrospect, api("introspect", p.handleIntrospect))
	m.Handle(PathLogout, page("logout", p.handleLogout))
	m.Handle(PathAuth0Logout, page("logout", p.handleAuth0Logout))
	m.Handle(PathCheckSession, p.endpoint("check_session", p.handleCheckSession))
	m.Handle(PathAdmin, p.endpoint("admin", p.handleAdmin))
	p.fedcmRoutes(m)
	m.Handle("/{$}", p.endpoint("home", p.handleHome))
	p.mux = m
}
