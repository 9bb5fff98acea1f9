package provider

import (
	"fmt"
	"strings"
)

// keycloakOIDC is where Keycloak serves a realm's OpenID Connect endpoints,
// relative to the realm's issuer {base}/realms/{realm}.
const keycloakOIDC = "/protocol/openid-connect"

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
			CheckSession: keycloakOIDC + "/login-status-iframe.html",
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
