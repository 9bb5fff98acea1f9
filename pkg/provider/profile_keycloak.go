package provider

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// keycloakOIDC is where Keycloak serves a realm's OpenID Connect endpoints,
// relative to the realm's issuer {base}/realms/{realm}.
const keycloakOIDC = "/protocol/openid-connect"

// Keycloak-only paths, relative to the realm (keycloak-js loads them).
const (
	keycloakLoginStatus     = keycloakOIDC + "/login-status-iframe.html"
	keycloakLoginStatusInit = keycloakLoginStatus + "/init"
	keycloak3pStep1         = keycloakOIDC + "/3p-cookies/step1.html"
	keycloak3pStep2         = keycloakOIDC + "/3p-cookies/step2.html"
)

// Cookies of the keycloak profile, on the realm's path.
const (
	// KeycloakSessionCookie holds base64url(SHA-256(sid)) of the SSO
	// session, readable by the login-status iframe's script (as Keycloak's
	// KEYCLOAK_SESSION is), which compares it with the sid keycloak-js sends.
	KeycloakSessionCookie = "ssokit_kc_session"
	// keycloak3pCookie is the third-party cookie probe's cookie.
	keycloak3pCookie = "ssokit_kc_3p"
)

func init() {
	profileSpecs[ProfileKeycloak] = &profileSpec{
		name: ProfileKeycloak,
		root: keycloakRoot,
		layout: Layout{
			Discovery:    PathDiscovery,
			JWKS:         keycloakOIDC + "/certs",
			Authorize:    keycloakOIDC + "/auth",
			Login:        "/login-actions/authenticate",
			Token:        keycloakOIDC + "/token",
			Userinfo:     keycloakOIDC + "/userinfo",
			Revoke:       keycloakOIDC + "/revoke",
			Introspect:   keycloakOIDC + "/token/introspect",
			Logout:       keycloakOIDC + "/logout",
			CheckSession: keycloakLoginStatus,
		},
		routes: func(p *Provider, add routeAdder) {
			add.Page(keycloakLoginStatusInit, "login_status_init", p.handleKeycloakLoginStatusInit)
			add.Page(keycloak3pStep1, "3p_cookies", p.handleKeycloak3pStep1)
			add.Page(keycloak3pStep2, "3p_cookies", p.handleKeycloak3pStep2)
		},
		discovery: func(p *Provider, d *oidc.Discovery) map[string]any {
			d.ClaimsSupported = append(d.ClaimsSupported, "typ", "session_state", "realm_access", "resource_access")
			return nil
		},
		claims:        keycloakClaims,
		tokenResponse: keycloakTokenResponse,
		refreshAlways: true,
		refreshJWT:    true,
		// keycloak-js and oidc-client-ts's monitorSession send it back to
		// the login-status iframe, which compares it with the session's sid
		sessionStateIsSID: true,
		sessionCookies:    keycloakSessionCookies,
		checkSession: func(p *Provider, w http.ResponseWriter, r *http.Request) {
			// any page may frame it: it answers only to the window that
			// asked, and only once init confirmed that window's origin
			p.render(w, http.StatusOK, "keycloak_login_status.html", "*", "'none'", map[string]any{
				"Title": "login status", "InitURL": p.url(keycloakLoginStatusInit)})
		},
	}
}

// keycloakRoot checks that the issuer ends in /realms/{realm}; the
// endpoints hang from the issuer itself.
func keycloakRoot(issuerPath string) (string, error) {
	i := strings.LastIndex(issuerPath, "/realms/")
	if i < 0 || !validSegment(issuerPath[i+len("/realms/"):]) {
		return "", fmt.Errorf("a keycloak issuer is {base}/realms/{realm}, e.g. http://localhost:9400/realms/demo (got path %q)", issuerPath)
	}
	return issuerPath, nil
}

// validSegment reports whether s is one non-empty URL path segment of
// unreserved characters (RFC 3986 §2.3).
func validSegment(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// keycloakDefaultScopes are Keycloak's default client scopes: their claims
// are in every token whether or not the client asked for them.
var keycloakDefaultScopes = []string{oidc.ScopeProfile, oidc.ScopeEmail}

// keycloakClaims shapes tokens as Keycloak does: typ, session_state,
// preferred_username, the profile and email claims, and in access tokens
// realm_access.roles and resource_access.{client}.roles.
func keycloakClaims(p *Provider, kind tokenKind, g *grant, dst map[string]any) {
	if kind == kindUserinfo {
		// userinfo: the default scopes' claims and preferred_username
		if u, ok := g.Reg.user(g.Sub); ok {
			addUserClaims(g.Reg, dst, g.Sub, append(slices.Clip(g.Scope), keycloakDefaultScopes...))
			if _, set := dst["preferred_username"]; !set {
				dst["preferred_username"] = u.Username
			}
		}
		return
	}
	if g.SID != "" {
		dst["session_state"] = g.SID
		dst["sid"] = g.SID
	}
	switch kind {
	case kindRefresh:
		dst["typ"] = "Refresh"
		return
	case kindID:
		dst["typ"] = "ID"
	case kindAccess:
		dst["typ"] = "Bearer"
		dst["azp"] = g.Client.ClientID
	}
	u, ok := g.Reg.user(g.Sub)
	if !ok {
		return // client_credentials: the subject is the client
	}
	addUserClaims(g.Reg, dst, g.Sub, append(slices.Clip(g.Scope), keycloakDefaultScopes...))
	if _, set := dst["preferred_username"]; !set {
		dst["preferred_username"] = u.Username
	}
	if kind != kindAccess {
		return
	}
	realm, clients := keycloakRoles(u)
	dst["realm_access"] = map[string]any{"roles": realm}
	if len(clients) > 0 {
		ra := make(map[string]any, len(clients))
		for c, roles := range clients {
			ra[c] = map[string]any{"roles": roles}
		}
		dst["resource_access"] = ra
	}
}

// keycloakRoles reads a user's realm roles (attribute roles: a list of
// strings) and client roles (attribute client_roles: {client: [roles]}).
// Entries that are not strings are skipped; realm is never nil, so tokens
// carry "roles": [] for a user without any.
func keycloakRoles(u *config.User) (realm []string, clients map[string][]string) {
	realm = stringList(u.Attributes["roles"])
	if realm == nil {
		realm = []string{}
	}
	if m, ok := u.Attributes["client_roles"].(map[string]any); ok {
		clients = make(map[string][]string, len(m))
		for c, v := range m {
			if roles := stringList(v); roles != nil {
				clients[c] = roles
			}
		}
	}
	return realm, clients
}

// stringList returns v's strings when v is a list ([]any from YAML, or []string).
func stringList(v any) []string {
	switch t := v.(type) {
	case []string:
		return slices.Clone(t)
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{t}
	}
	return nil
}

// keycloakTokenResponse adds the fields Keycloak's token endpoint answers
// with beside the standard ones.
func keycloakTokenResponse(p *Provider, g *grant) map[string]any {
	out := map[string]any{"not-before-policy": 0, "refresh_expires_in": 0}
	if g.SID != "" {
		out["session_state"] = g.SID
		out["refresh_expires_in"] = int64(lifetimes(g.Reg, g.Client).RefreshToken / time.Second)
	}
	return out
}

// sidHash is what KeycloakSessionCookie holds for a session id.
func sidHash(sid string) string {
	sum := sha256.Sum256([]byte(sid))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// keycloakSessionCookies sets (ss non-nil) or clears the login-status
// iframe's cookie, beside the session cookie and with its attributes but
// readable by script.
func keycloakSessionCookies(p *Provider, w http.ResponseWriter, reg *registry, ss *session) {
	c := &http.Cookie{Name: KeycloakSessionCookie, Path: p.cookiePath, SameSite: reg.sameSite, Secure: reg.secure, MaxAge: -1}
	if ss != nil {
		c.Value, c.MaxAge = sidHash(ss.SID), int(reg.life.Session/time.Second)
	}
	http.SetCookie(w, c)
}

// handleKeycloakLoginStatusInit answers the login-status iframe's check of
// a client and the origin framing it: 204 when the client is registered
// and the origin is one of its web origins, 403 otherwise (as Keycloak).
func (p *Provider) handleKeycloakLoginStatusInit(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	reg := p.regOf(r)
	info(r).clientID = q.Get("client_id")
	c, ok := reg.lookup(q.Get("client_id"))
	w.Header().Set("Cache-Control", "no-store")
	if !ok || !reg.originAllowed(c, strings.TrimSuffix(q.Get("origin"), "/")) {
		info(r).outcome = "origin not allowed"
		http.Error(w, "client_id and origin do not match a registered client and one of its web_origins", http.StatusForbidden)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleKeycloak3pStep1 starts keycloak-js's third-party cookie probe in
// its hidden iframe: it sets a cookie with the session cookie's own
// attributes, then moves on to step 2, which tells whether the browser
// sent it back. So "supported" means exactly: the SSO session cookie
// reaches the provider from this app's iframes.
func (p *Provider) handleKeycloak3pStep1(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) {
		return
	}
	reg := p.regOf(r)
	http.SetCookie(w, &http.Cookie{Name: keycloak3pCookie, Value: "supported", Path: p.cookiePath, HttpOnly: true,
		SameSite: reg.sameSite, Secure: reg.secure, MaxAge: 60})
	p.render(w, http.StatusOK, "keycloak_3p.html", "*", "'none'", map[string]any{"Title": "3p cookies", "Step": 1})
}

// handleKeycloak3pStep2 answers the probe to the page that framed it:
// "supported" when step 1's cookie came back, "unsupported" otherwise.
func (p *Provider) handleKeycloak3pStep2(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) {
		return
	}
	reg := p.regOf(r)
	answer := "unsupported"
	if ck, err := r.Cookie(keycloak3pCookie); err == nil && ck.Value == "supported" {
		answer = "supported"
		http.SetCookie(w, &http.Cookie{Name: keycloak3pCookie, Path: p.cookiePath, HttpOnly: true,
			SameSite: reg.sameSite, Secure: reg.secure, MaxAge: -1})
	}
	info(r).outcome = answer
	p.render(w, http.StatusOK, "keycloak_3p.html", "*", "'none'", map[string]any{"Title": "3p cookies", "Step": 2, "Answer": answer})
}
