package provider

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestParseProfile(t *testing.T) {
	for in, want := range map[string]Profile{"": ProfileGeneric, "generic": ProfileGeneric, "Keycloak": ProfileKeycloak, "entra": ProfileEntra, "auth0": ProfileAuth0} {
		got, err := ParseProfile(in)
		if err != nil || got != want {
			t.Errorf("ParseProfile(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseProfile("okta")
	if err == nil || !strings.Contains(err.Error(), `"okta"`) || !strings.Contains(err.Error(), "generic, auth0, keycloak, entra") {
		t.Fatalf("unknown profile: %v; want the name and the choices", err)
	}
}

func TestNewRefusesIssuerNotFittingProfile(t *testing.T) {
	for _, tc := range []struct {
		profile Profile
		issuer  string
		want    string
	}{
		{"okta", "http://localhost:9400/", `profile "okta" is not known`},
		{ProfileKeycloak, "http://localhost:9400/", "{base}/realms/{realm}"},
		{ProfileKeycloak, "http://localhost:9400/realms/", "{base}/realms/{realm}"},
		{ProfileKeycloak, "http://localhost:9400/realms/a/b", "{base}/realms/{realm}"},
		{ProfileEntra, "http://localhost:9400/tenant", "{base}/{tenant}/v2.0"},
		{ProfileEntra, "http://localhost:9400/v2.0", "{base}/{tenant}/v2.0"},
	} {
		_, err := New(Options{Issuer: tc.issuer, Profile: tc.profile, Keys: testKeys()})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: err %v; want it to say %q", tc.profile, tc.issuer, err, tc.want)
		}
	}
}

// TestProfileLayouts serves each profile at its vendor's URLs, directly
// (the root's path still on the request) and discovers them.
func TestProfileLayouts(t *testing.T) {
	for _, tc := range []struct {
		profile             Profile
		path                string // the issuer's path
		discovery, authz    string
		token, jwks, logout string
	}{
		{ProfileGeneric, "/", "/.well-known/openid-configuration", "/authorize", "/oauth/token", "/.well-known/jwks.json", "/logout"},
		{ProfileAuth0, "/", "/.well-known/openid-configuration", "/authorize", "/oauth/token", "/.well-known/jwks.json", "/logout"},
		{ProfileKeycloak, "/realms/demo", "/realms/demo/.well-known/openid-configuration", "/realms/demo/protocol/openid-connect/auth",
			"/realms/demo/protocol/openid-connect/token", "/realms/demo/protocol/openid-connect/certs", "/realms/demo/protocol/openid-connect/logout"},
		{ProfileEntra, "/contoso/v2.0", "/contoso/v2.0/.well-known/openid-configuration", "/contoso/oauth2/v2.0/authorize",
			"/contoso/oauth2/v2.0/token", "/contoso/discovery/v2.0/keys", "/contoso/oauth2/v2.0/logout"},
	} {
		t.Run(string(tc.profile), func(t *testing.T) {
			var origin string
			op := newTestOP(t, nil, func(o *Options) {
				origin = strings.TrimSuffix(o.Issuer, "/")
				o.Issuer = origin + tc.path
				o.Profile = tc.profile
			})
			if op.Profile() != tc.profile {
				t.Fatalf("Profile() = %s", op.Profile())
			}
			res, err := http.Get(origin + tc.discovery)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("GET %s: %s %s", tc.discovery, res.Status, body)
			}
			var d map[string]any
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]string{"issuer": origin + tc.path, "authorization_endpoint": origin + tc.authz,
				"token_endpoint": origin + tc.token, "jwks_uri": origin + tc.jwks, "end_session_endpoint": origin + tc.logout} {
				if d[k] != want {
					t.Errorf("%s = %v; want %s", k, d[k], want)
				}
			}
			res, err = http.Get(origin + tc.jwks)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("GET %s: %s", tc.jwks, res.Status)
			}
		})
	}
}
