package config

import (
	"strings"
	"testing"
)

// TestAPIsConfigErrors: every mistake in apis: and access_token_claims is
// reported at its file:line with the fix.
func TestAPIsConfigErrors(t *testing.T) {
	const users = "users:\n  - username: alice\n    attributes: {roles: [admin], org_id: acme}\n"
	for _, tt := range []struct {
		name, src, want string
	}{
		{"reserved claim in an API", users + "apis:\n  - audience: https://api.example.com\n    access_token_claims:\n      sub: roles\n",
			`ssokit.yaml:7:12: apis[0].access_token_claims.sub: "sub" is set by the provider in every access token and cannot be mapped`},
		{"reserved claim in a client", users + "clients:\n  - client_id: shell\n    redirect_uris: [http://localhost:1/cb]\n    access_token_claims: {client_id: org_id}\n",
			`ssokit.yaml:7:38: clients[0].access_token_claims.client_id: "client_id" is set by the provider`},
		{"every reserved name", users + "apis:\n  - audience: a\n    access_token_claims: {scope: roles}\n",
			"reserved: iss sub aud exp iat nbf jti azp client_id scope sid auth_time"},
		{"misspelt attribute", users + "apis:\n  - audience: https://api.example.com\n    access_token_claims:\n      https://example.com/roles: role\n",
			`ssokit.yaml:7:34: apis[0].access_token_claims.'https://example.com/roles': no user has attribute "role" (users have: org_id, roles); did you mean "roles"?`},
		{"attribute nobody has", users + "apis:\n  - audience: https://api.example.com\n    access_token_claims: {permissions: permissions}\n",
			`ssokit.yaml:6:40: apis[0].access_token_claims.permissions: no user has attribute "permissions" (users have: org_id, roles); give a user the attribute, e.g. attributes: {permissions: [...]}`},
		{"empty attribute", users + "apis:\n  - audience: https://api.example.com\n    access_token_claims: {roles: \"\"}\n",
			`apis[0].access_token_claims.roles: claim "roles" needs the name of the user attribute it comes from`},
		{"no audience", "apis:\n  - scopes: [read]\n",
			"ssokit.yaml:2:5: apis[0].audience: an API needs an audience"},
		{"audience twice", "apis:\n  - audience: https://a\n  - audience: https://a\n",
			`ssokit.yaml:3:15: apis[1].audience: API "https://a" is defined twice`},
		{"bad scope", "apis:\n  - audience: https://a\n    scopes: [\"read orders\"]\n",
			`ssokit.yaml:3:14: apis[0].scopes[0]: "read orders" is not a scope`},
		{"unknown key", "apis:\n  - audience: https://a\n    access_token_claim: {a: b}\n",
			`unknown key "access_token_claim"`},
		{"mapping not a map", "apis:\n  - audience: https://a\n    access_token_claims: [roles]\n",
			"apis[0].access_token_claims"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("ssokit.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

// TestAPIsConfigValid: without users, mappings may name any attribute
// (testers give claims per sign-in); a full example loads.
func TestAPIsConfigValid(t *testing.T) {
	for name, src := range map[string]string{
		"no users": "apis:\n  - audience: https://api.example.com\n    access_token_claims: {permissions: permissions}\n",
		"full": `users:
  - username: alice
    claims: {name: Alice}
    attributes:
      roles: [admin]
      permissions: [read:orders]
      org_id: acme
apis:
  - audience: https://api.example.com
    scopes: [read:orders, write:orders]
    access_token_claims:
      https://example.com/roles: roles
      permissions: permissions
clients:
  - client_id: shell
    redirect_uris: [http://localhost:9000/shell/cb]
    access_token_claims: {org_id: org_id}
`,
	} {
		c, err := Parse("ssokit.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a, ok := c.API("https://api.example.com"); !ok || a.AccessTokenClaims["permissions"] != "permissions" {
			t.Errorf("%s: API not decoded: %+v", name, c.APIs)
		}
	}
}
