package provider

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// Auth0 Organizations: an authorization request with organization=org_…
// (or the organization's name) signs in only the organization's members,
// and every token of that grant (ID, access, and those refreshed from it)
// carries org_id and org_name, which auth0-spa-js checks in the ID token
// against the parameter it sent (org_id when it starts with "org_",
// org_name, lowercased, otherwise).

// Claims naming the organization a token was issued in.
const (
	ClaimOrgID   = "org_id"
	ClaimOrgName = "org_name"
)

// organizations indexes a registry's organizations by id and by name.
type organizations struct {
	byID   map[string]*config.Organization
	byName map[string]*config.Organization
	// members[id] holds the organization's usernames
	members map[string]map[string]bool
	list    []string // "org_… (name)", for messages
}

func newOrganizations(orgs []config.Organization) organizations {
	o := organizations{byID: map[string]*config.Organization{}, byName: map[string]*config.Organization{}, members: map[string]map[string]bool{}}
	for i := range orgs {
		org := &orgs[i]
		o.byID[org.ID] = org
		o.byName[org.Name] = org
		m := make(map[string]bool, len(org.Members))
		for _, u := range org.Members {
			m[u] = true
		}
		o.members[org.ID] = m
		o.list = append(o.list, org.ID+" ("+org.Name+")")
	}
	slices.Sort(o.list)
	return o
}

// resolveOrganization reads the organization parameter of an authorization
// request: an id matches exactly, a name whatever its case (Auth0 keeps
// names lowercase). It returns the organization's id, "" when the request
// names none.
func (r *registry) resolveOrganization(q url.Values) (string, *oidc.Error) {
	vals := q["organization"]
	if len(vals) > 1 {
		return "", &oidc.Error{Code: oidc.ErrInvalidRequest, Description: "the organization parameter is repeated; send it once"}
	}
	if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
		// a parameter without a value is as if omitted (RFC 6749 §3.1)
		return "", nil
	}
	v := strings.TrimSpace(vals[0])
	if org, ok := r.orgs.byID[v]; ok {
		return org.ID, nil
	}
	if org, ok := r.orgs.byName[strings.ToLower(v)]; ok {
		return org.ID, nil
	}
	if len(r.orgs.list) == 0 {
		return "", &oidc.Error{Code: oidc.ErrInvalidRequest, Description: fmt.Sprintf("parameter organization is invalid: no organization %q, and none are configured; add it under organizations: in ssokit.yaml (id: org_…, name, members)", truncate(v, 64))}
	}
	return "", &oidc.Error{Code: oidc.ErrInvalidRequest, Description: fmt.Sprintf("parameter organization is invalid: no organization %q; configured: %s", truncate(v, 64), strings.Join(r.orgs.list, ", "))}
}

// orgRefusal says why user may not sign in to organization orgID, or "".
func (r *registry) orgRefusal(orgID, user string) string {
	if orgID == "" {
		return ""
	}
	org, ok := r.orgs.byID[orgID]
	if !ok {
		return fmt.Sprintf("organization %s was removed from the config; sign in again", orgID)
	}
	if r.orgs.members[orgID][user] {
		return ""
	}
	return fmt.Sprintf("%s is not a member of organization %s (%s); sign in as a member or add %s to its members in ssokit.yaml", user, org.Name, org.ID, user)
}

// withOrgClaims returns extra plus org_id and org_name (which win over
// extra claims of those names), leaving extra itself unchanged.
func (r *registry) withOrgClaims(orgID string, extra map[string]any) map[string]any {
	org, ok := r.orgs.byID[orgID]
	if !ok {
		return extra
	}
	out := make(map[string]any, len(extra)+2)
	maps.Copy(out, extra)
	out[ClaimOrgID] = org.ID
	out[ClaimOrgName] = org.Name
	return out
}

// truncate shortens untrusted s to at most n bytes for a message, never
// splitting a character, and makes it valid UTF-8.
func truncate(s string, n int) string {
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
