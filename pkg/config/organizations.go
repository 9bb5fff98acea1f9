package config

import (
	"fmt"
	"strings"

	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
)

// Organization is an Auth0 Organization: a client's authorization request
// naming it (organization=org_… or its name) signs in only its members,
// and the tokens carry org_id and org_name.
type Organization struct {
	// ID is Auth0's organization id: "org_" and letters or digits
	// (org_8yzNTEoVbY7DVkYq).
	ID string `yaml:"id"`
	// Name is the organization's name as Auth0 keeps it: lowercase letters,
	// digits, '-' and '_' (auth0-spa-js compares org_name with the
	// lowercased organization parameter).
	Name string `yaml:"name"`
	// Members are the usernames that may sign in to the organization.
	Members []string `yaml:"members,omitempty"`
}

// MaxOrganizationID and MaxOrganizationName bound ids and names (Auth0
// allows 50 characters for a name).
const (
	MaxOrganizationID   = 64
	MaxOrganizationName = 50
)

// CheckOrganizationID says what is wrong with id, or "".
func CheckOrganizationID(id string) string {
	const fix = `an organization id is "org_" followed by letters and digits, e.g. org_8yzNTEoVbY7DVkYq`
	switch {
	case id == "":
		return "an organization needs an id; " + fix
	case len(id) > MaxOrganizationID:
		return fmt.Sprintf("organization id %.20q… is %d characters; the limit is %d", id, len(id), MaxOrganizationID)
	case !strings.HasPrefix(id, "org_") || len(id) == len("org_"):
		return fmt.Sprintf("%q is not an organization id: %s", id, fix)
	}
	for i, r := range id[len("org_"):] {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return fmt.Sprintf("organization id %q: character %q at offset %d is not allowed; %s", id, r, i+len("org_"), fix)
		}
	}
	return ""
}

// CheckOrganizationName says what is wrong with name, or "".
func CheckOrganizationName(name string) string {
	const fix = "use lowercase letters, digits, '-' and '_', starting with a letter or digit (e.g. acme, team-2)"
	switch {
	case name == "":
		return "an organization needs a name; " + fix
	case len(name) > MaxOrganizationName:
		return fmt.Sprintf("organization name %.20q… is %d characters; the limit is %d", name, len(name), MaxOrganizationName)
	case strings.HasPrefix(name, "org_"):
		return fmt.Sprintf("organization name %q starts with org_, which SDKs read as an id; choose a name without that prefix", name)
	}
	for i, r := range name {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || (i > 0 && (r == '-' || r == '_'))) {
			if 'A' <= r && r <= 'Z' {
				return fmt.Sprintf("organization name %q has an uppercase %q: Auth0 keeps names lowercase (auth0-spa-js compares org_name with the lowercased parameter); write %q", name, r, strings.ToLower(name))
			}
			return fmt.Sprintf("organization name %q: character %q at offset %d is not allowed; %s", name, r, i, fix)
		}
	}
	return ""
}

// validateOrganizations checks ids and names (well formed, unique) and that
// every member is a configured user (with users configured: without, any
// username signs in).
func (c *Config) validateOrganizations(add func(field, format string, args ...any)) {
	ids, names := map[string]int{}, map[string]int{}
	users := make([]string, len(c.Users))
	for i, u := range c.Users {
		users[i] = u.Username
	}
	for i, o := range c.Organizations {
		f := fmt.Sprintf("organizations[%d]", i)
		if msg := CheckOrganizationID(o.ID); msg != "" {
			add(f+".id", "%s", msg)
		} else if j, dup := ids[o.ID]; dup {
			add(f+".id", "organization id %q is used twice (also organizations[%d])", o.ID, j)
		} else {
			ids[o.ID] = i
		}
		if msg := CheckOrganizationName(o.Name); msg != "" {
			add(f+".name", "%s", msg)
		} else if j, dup := names[o.Name]; dup {
			add(f+".name", "organization name %q is used twice (also organizations[%d])", o.Name, j)
		} else {
			names[o.Name] = i
		}
		seen := map[string]bool{}
		for j, m := range o.Members {
			mf := fmt.Sprintf("%s.members[%d]", f, j)
			switch {
			case m == "":
				add(mf, "a member is a username; this one is empty")
			case seen[m]:
				add(mf, "%q is listed twice", m)
			case len(c.Users) > 0 && !containsString(users, m):
				add(mf, "%q is not a user (users: %s)%s", m, strings.Join(users, ", "), yamlfile.DidYouMean(m, users))
			}
			seen[m] = true
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
