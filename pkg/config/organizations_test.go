package config

import (
	"strings"
	"testing"
)

func TestOrganizationConfigErrors(t *testing.T) {
	const users = "users:\n  - username: alice\n  - username: bob\n"
	for _, tt := range []struct {
		name, yaml string
		want       []string // substrings of the error, the first one with file:line
	}{
		{"id without prefix", users + "organizations:\n  - id: acme\n    name: acme\n", []string{
			`t.yaml:5:9`, `organizations[0].id: "acme" is not an organization id: an organization id is "org_" followed by letters and digits, e.g. org_8yzNTEoVbY7DVkYq`}},
		{"id with a dash", users + "organizations:\n  - id: org_ac-me\n    name: acme\n", []string{`t.yaml:5:9`, `character '-' at offset 6 is not allowed`}},
		{"missing id", users + "organizations:\n  - name: acme\n", []string{`t.yaml:5`, `an organization needs an id`}},
		{"uppercase name", users + "organizations:\n  - id: org_1\n    name: Acme\n", []string{
			`t.yaml:6:11`, `organizations[0].name: organization name "Acme" has an uppercase 'A': Auth0 keeps names lowercase`, `write "acme"`}},
		{"name like an id", users + "organizations:\n  - id: org_1\n    name: org_acme\n", []string{`t.yaml:6:11`, `starts with org_, which SDKs read as an id`}},
		{"name with space", users + "organizations:\n  - id: org_1\n    name: acme corp\n", []string{`t.yaml:6:11`, `character ' ' at offset 4`}},
		{"name too long", users + "organizations:\n  - id: org_1\n    name: " + strings.Repeat("a", 51) + "\n", []string{`t.yaml:6:11`, `is 51 characters; the limit is 50`}},
		{"duplicate id", users + "organizations:\n  - {id: org_1, name: a}\n  - {id: org_1, name: b}\n", []string{
			`t.yaml:6`, `organizations[1].id: organization id "org_1" is used twice (also organizations[0])`}},
		{"duplicate name", users + "organizations:\n  - {id: org_1, name: a}\n  - {id: org_2, name: a}\n", []string{
			`t.yaml:6`, `organizations[1].name: organization name "a" is used twice`}},
		{"unknown member", users + "organizations:\n  - id: org_1\n    name: acme\n    members: [alice, bobb]\n", []string{
			`t.yaml:7`, `organizations[0].members[1]: "bobb" is not a user (users: alice, bob); did you mean "bob"?`}},
		{"in a tenant", "tenants:\n  - name: eu\n    users: [{username: carol}]\n    organizations:\n      - id: org_1\n        name: acme\n        members: [alice]\n", []string{
			`t.yaml:7`, `tenants[0].organizations[0].members[0]: "alice" is not a user (users: carol)`}},
		{"unknown key", users + "organizations:\n  - id: org_1\n    name: acme\n    member: [alice]\n", []string{`t.yaml:7`, `did you mean "members"`}},
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

func TestOrganizationConfigValid(t *testing.T) {
	c, err := Parse("t.yaml", []byte(`organizations:
  - {id: org_8yzNTEoVbY7DVkYq, name: acme, members: [alice, carol]}   # no users: any username signs in
tenants:
  - name: eu
    profile: auth0
    users: [{username: dora}]
    organizations: [{id: org_eu1, name: acme-eu, members: [dora]}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Organizations) != 1 || c.Organizations[0].Members[1] != "carol" || c.Tenants[0].Organizations[0].ID != "org_eu1" {
		t.Errorf("organizations = %+v / %+v", c.Organizations, c.Tenants[0].Organizations)
	}
}
