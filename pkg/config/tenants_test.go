package config

import (
	"strings"
	"testing"
)

// Each bad tenant entry is reported at its file:line with the fix.
func TestTenantConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       []string // substrings of the error, the first one with file:line
	}{
		{"bad name", "tenants:\n  - name: acme corp\n", []string{
			`t.yaml:2:11`, `tenants[0].name: tenant name "acme corp" is not a URL path segment: character ' ' at offset 4 is not allowed; use letters, digits`}},
		{"slash in name", "tenants:\n  - name: a/b\n", []string{`t.yaml:2:11`, `character '/' at offset 1`}},
		{"leading dot", "tenants:\n  - name: .hidden\n", []string{`t.yaml:2:11`, `character '.' at offset 0`}},
		{"reserved", "tenants:\n  - name: oauth\n", []string{`t.yaml:2:11`, `tenant name "oauth" is reserved: /oauth is one of the root issuer's own paths`}},
		{"missing name", "tenants:\n  - profile: auth0\n", []string{`t.yaml:2`, `a tenant needs a name`}},
		{"too long", "tenants:\n  - name: " + strings.Repeat("a", 65) + "\n", []string{`t.yaml:2:11`, `is 65 characters; the limit is 64`}},
		{"unknown profile", "tenants:\n  - name: acme\n    profile: keycloack\n", []string{
			`t.yaml:3:14`, `tenants[0].profile: "keycloack" is not a known profile; use one of generic, auth0, keycloak, entra; did you mean "keycloak"?`}},
		{"duplicate", "tenants:\n  - name: acme\n  - name: beta\n  - name: acme\n", []string{
			`t.yaml:4:11`, `tenants[2].name: tenant "acme" is defined twice (also tenants[0]); names must be unique`}},
		{"client rules apply", "tenants:\n  - name: acme\n    clients:\n      - client_id: spa\n        redirect_uris: [\"/cb\"]\n", []string{
			`t.yaml:5`, `tenants[0].clients[0].redirect_uris[0]: "/cb" is not an absolute URL`}},
		{"user twice", "tenants:\n  - name: acme\n    users:\n      - username: carol\n      - username: carol\n", []string{
			`t.yaml:5`, `tenants[0].users[1].username: user "carol" is defined twice`}},
		{"unknown key", "tenants:\n  - name: acme\n    client:\n      - client_id: x\n", []string{`t.yaml:3`, `client`, `did you mean "clients"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error for:\n%s", tt.yaml)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestTenantConfigValid(t *testing.T) {
	c, err := Parse("t.yaml", []byte(`tenants:
  - name: acme
    profile: auth0
    users: [{username: carol, claims: {email: carol@acme.test}}]
    clients:
      - client_id: spa
        redirect_uris: [http://localhost:5173/callback]
  - name: team-2.eu_west
  - name: 6f1c0a52-3b1e-4a49-9d0e-2f2b4c9b1a11
    profile: entra
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Tenants) != 3 || c.Tenants[0].Profile != ProfileAuth0 || c.Tenants[1].ProfileOrDefault() != ProfileGeneric ||
		c.Tenants[0].Users[0].Username != "carol" || c.Tenants[0].Clients[0].ClientID != "spa" {
		t.Errorf("tenants = %+v", c.Tenants)
	}
}

func TestCheckTenantName(t *testing.T) {
	for _, name := range []string{"a", "acme", "A-1", "x.y_z", strings.Repeat("n", 64)} {
		if msg := CheckTenantName(name); msg != "" {
			t.Errorf("%q: %s", name, msg)
		}
	}
	for _, name := range []string{"", "-a", "_a", ".", "..", "a b", "a%20b", "é", "a?b", "a#b", "_ssokit", "realms", ".well-known", strings.Repeat("n", 65)} {
		if msg := CheckTenantName(name); msg == "" {
			t.Errorf("%q accepted", name)
		}
	}
}
