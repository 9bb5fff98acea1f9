package provider

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// Profile is the vendor surface a Provider presents: endpoint paths,
// discovery contents, token and response shapes and logout, so that the
// vendor's own unmodified SDK works with only its authority pointed at
// ssokit. The issuer is always exactly Options.Issuer; a profile decides
// where the endpoints hang from it.
type Profile string

// The profiles. Generic is today's surface and the default.
const (
	// ProfileGeneric: OpenID Connect with Auth0-compatible paths
	// (/authorize, /oauth/token, /.well-known/jwks.json, /v2/logout …).
	ProfileGeneric Profile = "generic"
	// ProfileAuth0: the generic layout; Auth0's claims and parameters.
	ProfileAuth0 Profile = "auth0"
	// ProfileKeycloak: issuer {base}/realms/{realm}, endpoints under
	// {issuer}/protocol/openid-connect/…, as keycloak-js requests them.
	ProfileKeycloak Profile = "keycloak"
	// ProfileEntra: issuer {base}/{tenant}/v2.0, endpoints under
	// {base}/{tenant}/oauth2/v2.0/… and keys at
	// {base}/{tenant}/discovery/v2.0/keys, as MSAL requests them.
	ProfileEntra Profile = "entra"
)

// Profiles lists every profile, the default first.
var Profiles = []Profile{ProfileGeneric, ProfileAuth0, ProfileKeycloak, ProfileEntra}

// ParseProfile reads a profile name; empty means generic.
func ParseProfile(s string) (Profile, error) {
	if s == "" {
		return ProfileGeneric, nil
	}
	for _, p := range Profiles {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	names := make([]string, len(Profiles))
	for i, p := range Profiles {
		names[i] = string(p)
	}
	return "", fmt.Errorf("profile %q is not known; use one of %s (generic is the default)", s, strings.Join(names, ", "))
}

// Layout is where a profile serves each endpoint: paths relative to the
// provider's root (Provider.Root), each starting with "/". An empty path
// means the profile has no such endpoint.
type Layout struct {
	Discovery    string
	JWKS         string
	Authorize    string
	Login        string // ssokit's own sign-in form
	Token        string
	Userinfo     string
	Revoke       string
	Introspect   string
	Logout       string // RP-Initiated Logout (end_session_endpoint)
	CheckSession string // the Session Management OP iframe
	// Aliases are more paths for an endpoint, by endpoint name
	// ("token", "revoke", "auth0_logout" …).
	Aliases map[string][]string
}

// GenericLayout is today's layout, shared by the generic and auth0
// profiles: Auth0's paths are primary so the unmodified @auth0/auth0-spa-js
// works (its worker accepts only /oauth/token).
var GenericLayout = Layout{
	Discovery:    PathDiscovery,
	JWKS:         PathJWKS,
	Authorize:    PathAuthorize,
	Login:        PathLogin,
	Token:        PathToken,
	Userinfo:     PathUserinfo,
	Revoke:       PathRevoke,
	Introspect:   PathIntrospect,
	Logout:       PathLogout,
	CheckSession: PathCheckSession,
	Aliases: map[string][]string{
		"token":        {"/token"},
		"revoke":       {"/revoke"},
		"auth0_logout": {PathAuth0Logout},
	},
}

// tokenKind names the token a claims hook is adding to.
type tokenKind int

const (
	kindAccess tokenKind = iota
	kindID
	kindRefresh
	kindUserinfo // the userinfo response (g has Reg, Client, Sub, SID, Scope)
)

// routeAdder registers a profile's own endpoint (a path relative to the
// root) under a name, wrapped like the others: api endpoints get CORS,
// pages do not.
type routeAdder struct {
	API  func(path, name string, h http.HandlerFunc)
	Page func(path, name string, h http.HandlerFunc)
}

// logoutParams is an RP-initiated logout request, read by the profile.
type logoutParams struct {
	ClientID, IDTokenHint, PostLogoutRedirectURI, State, Confirm string
}

// profileSpec is one profile's behaviour. Every hook may be nil: nil means
// the generic behaviour. Hooks run on hot paths (token issue): keep them
// cheap and free of I/O.
type profileSpec struct {
	name   Profile
	layout Layout
	// root returns the path under the issuer's origin that the endpoints
	// hang from, given the issuer's path without a trailing slash, or an
	// error saying how the issuer must look. Nil: the issuer's path.
	root func(issuerPath string) (string, error)
	// routes registers endpoints only this profile has.
	routes func(p *Provider, add routeAdder)
	// discovery returns fields to add to (or, by name, replace in) the
	// discovery document.
	discovery func(p *Provider, d *oidc.Discovery) map[string]any
	// claims adds claims to a token being minted for g. dst holds the
	// standard claims already; a hook must not replace iss, sub, aud, exp,
	// iat, nbf, jti (the issue code restores them).
	claims func(p *Provider, kind tokenKind, g *grant, dst map[string]any)
	// tokenResponse returns fields to add to a token response for g.
	tokenResponse func(p *Provider, g *grant) map[string]any
	// refreshAlways issues a refresh token on every grant with a user,
	// offline_access or not (Keycloak does); it still ends with the session.
	refreshAlways bool
	// refreshJWT hands out refresh tokens as signed JWTs (keycloak-js
	// decodes them). The store still holds and rotates each one by its
	// exact value: a signature alone never makes one valid.
	refreshJWT bool
	// logoutParams reads an end_session request; nil reads RP-Initiated
	// Logout's parameters (client_id, id_token_hint,
	// post_logout_redirect_uri, state).
	logoutParams func(p *Provider, r *http.Request) logoutParams
	// authorize checks and completes a validated authorization request
	// with the profile's own parameters (entra: the claims parameter; the
	// audience its scopes name). An error goes back to the redirect URI.
	authorize func(p *Provider, q url.Values, req *authRequest) *oidc.Error
	// refreshScope decides the scope and audience of a refresh request
	// that names scopes; nil allows only scopes granted originally (entra:
	// any one resource's, as Entra's multi-resource refresh tokens do).
	refreshScope func(granted []string, audience string, requested []string) ([]string, string, *oidc.Error)
	// writeError answers an error of the token endpoint in the profile's
	// shape; nil writes RFC 6749's {error, error_description}.
	writeError func(p *Provider, w http.ResponseWriter, r *http.Request, e *oidc.Error)
	// sessionStateIsSID answers authorization requests with session_state
	// = the session's sid (Keycloak does, and its login-status iframe
	// compares that) instead of Session Management's salted hash.
	sessionStateIsSID bool
	// checkSession serves the profile's session-status iframe instead of
	// Session Management's check_session page.
	checkSession func(p *Provider, w http.ResponseWriter, r *http.Request)
	// sessionCookies returns cookies of the profile's own to set beside
	// ssokit's session cookies (with ss nil: to clear them).
	sessionCookies func(p *Provider, reg *registry, ss *session) []*http.Cookie
}

// profileSpecs holds each profile's spec; profile_<name>.go fills in its own.
var profileSpecs = map[Profile]*profileSpec{
	ProfileGeneric: {name: ProfileGeneric, layout: GenericLayout},
	ProfileAuth0:   {name: ProfileAuth0, layout: GenericLayout},
}

func specOf(pr Profile) (*profileSpec, error) {
	if _, err := ParseProfile(string(pr)); err != nil {
		return nil, err
	}
	if pr == "" {
		pr = ProfileGeneric
	}
	s, ok := profileSpecs[Profile(strings.ToLower(string(pr)))]
	if !ok {
		return nil, fmt.Errorf("profile %s is not built into this ssokit", pr)
	}
	return s, nil
}

// Profile returns the provider's profile.
func (p *Provider) Profile() Profile { return p.spec.name }

// Root returns the absolute URL the provider's endpoints hang from,
// without a trailing slash: the issuer (without its trailing slash) for
// every profile but entra, where it is the issuer without "/v2.0". A
// server that mounts the provider under a path strips Root's path.
func (p *Provider) Root() string { return p.root.String() }

// Layout returns where the provider serves each endpoint, relative to Root.
func (p *Provider) Layout() Layout { return p.spec.layout }
