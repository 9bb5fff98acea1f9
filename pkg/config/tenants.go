package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
)

// Tenant is one more issuer under the provider's listener, with its own
// keys, users, clients and sessions (an Auth0 tenant, a Keycloak realm, an
// Entra tenant). Its issuer follows from its name and profile:
//
//	generic, auth0  <root issuer>/{name}/
//	keycloak        <root issuer>/realms/{name}
//	entra           <root issuer>/{name}/v2.0
//
// With no users it has the default users; with no clients it accepts any
// client_id for loopback redirect URIs, as the root issuer does with no
// config file.
type Tenant struct {
	Name    string   `yaml:"name"`
	Profile string   `yaml:"profile,omitempty"` // generic (default), auth0, keycloak or entra
	Users   []User   `yaml:"users,omitempty"`
	Clients []Client `yaml:"clients,omitempty"`
	// Organizations are the tenant's own Auth0 Organizations.
	Organizations []Organization `yaml:"organizations,omitempty"`
}

// Profiles a tenant can have. generic is today's provider; auth0 the same
// (its paths are served by every issuer).
const (
	ProfileGeneric  = "generic"
	ProfileAuth0    = "auth0"
	ProfileKeycloak = "keycloak"
	ProfileEntra    = "entra"
)

// Profiles lists the known profiles.
var Profiles = []string{ProfileGeneric, ProfileAuth0, ProfileKeycloak, ProfileEntra}

// ProfileOrDefault is the tenant's profile, generic when unset.
func (t Tenant) ProfileOrDefault() string {
	if t.Profile == "" {
		return ProfileGeneric
	}
	return t.Profile
}

// MaxTenantName bounds a tenant name (it is a path segment of every URL
// the tenant serves).
const MaxTenantName = 64

// ReservedTenantNames are the first path segments of the root issuer's own
// endpoints (and the Keycloak realms prefix): a tenant of that name would
// shadow them. pkg/provider tests that this list covers its routes.
var ReservedTenantNames = []string{
	".well-known", "authorize", "login", "oauth", "token", "userinfo", "revoke",
	"introspect", "logout", "v2", "check_session", "_ssokit", "realms",
}

// CheckTenantName says what is wrong with name as a tenant name, or "".
// A name is one URL path segment that needs no escaping: letters, digits,
// '-', '_' and '.', starting with a letter or digit, at most
// MaxTenantName characters, and not one of ReservedTenantNames.
func CheckTenantName(name string) string {
	const fix = "use letters, digits, '-', '_' and '.', starting with a letter or digit (e.g. acme, team-2)"
	switch {
	case name == "":
		return "a tenant needs a name; " + fix
	case len(name) > MaxTenantName:
		return fmt.Sprintf("tenant name %.20q… is %d characters; the limit is %d", name, len(name), MaxTenantName)
	case slices.Contains(ReservedTenantNames, name):
		return fmt.Sprintf("tenant name %q is reserved: /%s is one of the root issuer's own paths; choose another name", name, name)
	}
	for i, r := range name {
		ok := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || (i > 0 && strings.ContainsRune("-_.", r))
		if !ok {
			return fmt.Sprintf("tenant name %q is not a URL path segment: character %q at offset %d is not allowed; %s", name, r, i, fix)
		}
	}
	return ""
}

// validateTenants reports bad names, unknown profiles, duplicates, and
// every problem of each tenant's users and clients under tenants[i].
func (c *Config) validateTenants(add func(field, format string, args ...any)) {
	seen := map[string]int{}
	for i, t := range c.Tenants {
		f := fmt.Sprintf("tenants[%d]", i)
		if msg := CheckTenantName(t.Name); msg != "" {
			add(f+".name", "%s", msg)
		} else if j, dup := seen[t.Name]; dup {
			add(f+".name", "tenant %q is defined twice (also tenants[%d]); names must be unique", t.Name, j)
		} else {
			seen[t.Name] = i
		}
		if t.Profile != "" && !slices.Contains(Profiles, t.Profile) {
			add(f+".profile", "%q is not a known profile; use one of %s%s", t.Profile, strings.Join(Profiles, ", "), yamlfile.DidYouMean(t.Profile, Profiles))
		}
		// the same rules as the root's users and clients, at the tenant's path
		sub := &Config{Users: t.Users, Clients: t.Clients, Organizations: t.Organizations}
		for _, e := range sub.Validate() {
			add(f+"."+e.Field, "%s", e.Msg)
		}
	}
}
