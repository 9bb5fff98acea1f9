package provider

import (
	"fmt"
	"strings"
)

// The entra profile's surface as MSAL requests it: the issuer is
// {base}/{tenant}/v2.0, but the endpoints hang from {base}/{tenant}
// (Root), so the layout's paths start above the issuer.
func init() {
	profileSpecs[ProfileEntra] = &profileSpec{
		name: ProfileEntra,
		root: entraRoot,
		layout: Layout{
			Discovery:  "/v2.0" + PathDiscovery,
			JWKS:       "/discovery/v2.0/keys",
			Authorize:  "/oauth2/v2.0/authorize",
			Login:      "/login",
			Token:      "/oauth2/v2.0/token",
			Userinfo:   "/openid/userinfo",
			Revoke:     "/oauth2/v2.0/revoke",
			Introspect: "/oauth2/v2.0/introspect",
			Logout:     "/oauth2/v2.0/logout",
		},
	}
}

// entraRoot is the issuer's path without its final /v2.0: /{tenant}.
func entraRoot(issuerPath string) (string, error) {
	root, ok := strings.CutSuffix(issuerPath, "/v2.0")
	if !ok || root == "" || strings.Count(root, "/") != 1 {
		return "", fmt.Errorf("an entra issuer is {base}/{tenant}/v2.0, e.g. https://localhost:9400/00000000-0000-0000-0000-000000000001/v2.0 (got path %q)", issuerPath)
	}
	return root, nil
}
