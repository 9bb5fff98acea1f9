package config

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
)

// API is a resource server that access tokens are issued for. A client
// picks it with the `audience` (Auth0) or `resource` (RFC 8707) parameter;
// the access token's aud is then Audience, and its claims include
// AccessTokenClaims.
type API struct {
	// Audience identifies the API, usually its URL
	// (https://api.example.com); it becomes the access token's aud.
	Audience string `yaml:"audience"`
	// Scopes are the scopes the API defines. A request for this API asking
	// for any other scope (besides openid, profile, email, phone, address
	// and offline_access) is refused with invalid_scope.
	Scopes []string `yaml:"scopes,omitempty"`
	// AccessTokenClaims maps a claim name in the access token to the user
	// attribute (users[].attributes) its value comes from, e.g.
	// {"https://example.com/roles": roles, permissions: permissions}.
	AccessTokenClaims map[string]string `yaml:"access_token_claims,omitempty"`
}

// OIDCScopes are the scopes every request may carry whatever its API.
var OIDCScopes = []string{"openid", "profile", "email", "phone", "address", "offline_access"}

// ReservedAccessTokenClaims are set by the provider in every access token;
// a mapping or a sign-in's extra claims cannot replace them.
var ReservedAccessTokenClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "azp", "client_id", "scope", "sid", "auth_time"}

// API returns the API whose audience is aud.
func (c *Config) API(aud string) (*API, bool) {
	for i := range c.APIs {
		if c.APIs[i].Audience == aud {
			return &c.APIs[i], true
		}
	}
	return nil, false
}

// Audiences lists the configured APIs' audiences, for messages.
func (c *Config) Audiences() []string {
	out := make([]string, len(c.APIs))
	for i, a := range c.APIs {
		out[i] = a.Audience
	}
	return out
}

// ClaimField is the field path of one mapping, quoted when the claim name
// is not a plain YAML path segment (a namespaced URL claim).
func ClaimField(prefix, claim string) string {
	if claim != "" && strings.Trim(claim, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == "" {
		return prefix + "." + claim
	}
	return prefix + ".'" + claim + "'"
}

// validateAPIs checks apis: and every access_token_claims mapping.
func (c *Config) validateAPIs(add func(field, format string, args ...any)) {
	seen := map[string]bool{}
	for i, a := range c.APIs {
		f := fmt.Sprintf("apis[%d]", i)
		switch {
		case a.Audience == "":
			add(f+".audience", "an API needs an audience, usually its URL such as https://api.example.com")
		case seen[a.Audience]:
			add(f+".audience", "API %q is defined twice", a.Audience)
		case strings.ContainsAny(a.Audience, " \t\n"):
			add(f+".audience", "%q must not contain spaces", a.Audience)
		default:
			if u, err := url.Parse(a.Audience); err == nil && u.Fragment != "" {
				add(f+".audience", "%q must not contain a fragment (RFC 8707 §2)", a.Audience)
			}
		}
		seen[a.Audience] = true
		for j, s := range a.Scopes {
			if s == "" || strings.ContainsAny(s, " \t\n\"\\") {
				add(fmt.Sprintf("%s.scopes[%d]", f, j), "%q is not a scope: no spaces, quotes or backslashes (RFC 6749 §3.3)", s)
			}
		}
		c.validateClaimMap(f+".access_token_claims", a.AccessTokenClaims, add)
	}
	for i, cl := range c.Clients {
		c.validateClaimMap(fmt.Sprintf("clients[%d].access_token_claims", i), cl.AccessTokenClaims, add)
	}
}

// validateClaimMap refuses reserved claim names and attributes no
// configured user has (when users are configured: without users, testers
// give claims per sign-in).
func (c *Config) validateClaimMap(field string, m map[string]string, add func(field, format string, args ...any)) {
	have := map[string]bool{}
	for _, u := range c.Users {
		for k := range u.Attributes {
			have[k] = true
		}
	}
	known := make([]string, 0, len(have))
	for k := range have {
		known = append(known, k)
	}
	sort.Strings(known)
	claims := make([]string, 0, len(m))
	for k := range m {
		claims = append(claims, k)
	}
	sort.Strings(claims)
	for _, claim := range claims {
		attr := m[claim]
		cf := ClaimField(field, claim)
		switch {
		case claim == "":
			add(field, "a claim name is empty")
		case slices.Contains(ReservedAccessTokenClaims, claim):
			add(cf, "%q is set by the provider in every access token and cannot be mapped; reserved: %s", claim, strings.Join(ReservedAccessTokenClaims, " "))
		case attr == "":
			add(cf, "claim %q needs the name of the user attribute it comes from, e.g. %s: roles", claim, claim)
		case len(c.Users) > 0 && !have[attr]:
			users := " (users have none)"
			if len(known) > 0 {
				users = " (users have: " + strings.Join(known, ", ") + ")"
			}
			fix := yamlfile.DidYouMean(attr, known)
			if fix == "" {
				fix = "; give a user the attribute, e.g. attributes: {" + attr + ": [...]}"
			}
			add(cf, "no user has attribute %q%s%s", attr, users, fix)
		}
	}
}
