package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssokit/ssokit/pkg/config"
)

const (
	acmeOrgID   = "org_8yzNTEoVbY7DVkYq"
	globexOrgID = "org_gl0bex"
)

// orgConfig: apiConfig's users, API (roles under https://example.com/roles)
// and clients, plus two organizations: acme (alice, carol) and globex
// (alice, bob).
func orgConfig() *config.Config {
	cfg := apiConfig()
	cfg.Users = append(cfg.Users, config.User{Username: "carol", Attributes: map[string]any{"roles": []any{"admin"}}})
	cfg.Organizations = []config.Organization{
		{ID: acmeOrgID, Name: "acme", Members: []string{"alice", "carol"}},
		{ID: globexOrgID, Name: "globex", Members: []string{"alice", "bob"}},
	}
	return cfg
}

// acmeOrdersServer is an API of the acme organization as an Auth0 team
// writes it: it verifies the bearer token through pkg/token against the
// provider's published keys and lets in only admins (the namespaced roles
// claim) signed in to acme (org_id).
func acmeOrdersServer(t *testing.T, issuer string) *httptest.Server {
	return resourceServer(t, issuer, func(claims map[string]any) string {
		if roles, _ := claims[rolesClaim].([]any); claims["org_id"] != acmeOrgID || !slices.Contains(roles, any("admin")) {
			return "acme admins only"
		}
		return ""
	})
}

// TestAuth0OrganizationsResourceServer: go-oidc and x/oauth2 sign in with
// organization= (id, then name) and audience=; ID and access tokens carry
// org_id and org_name; a resource server authorizing on the namespaced
// roles claim and org_id lets alice (acme admin) in, not alice signed in to
// globex, not bob; a refreshed token keeps the organization; a non-member
// is refused on the form and from a session; an unknown organization is an
// invalid_request.
func TestAuth0OrganizationsResourceServer(t *testing.T) {
	op := newTestOP(t, orgConfig())
	op.clock.t = time.Now() // go-oidc checks exp against the real clock
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatal(err)
	}
	api := acmeOrdersServer(t, op.issuer)
	conf := oauth2.Config{ClientID: "shell", Endpoint: rp.Endpoint(), RedirectURL: "http://localhost:5101/callback",
		Scopes: []string{gooidc.ScopeOpenID, "profile", gooidc.ScopeOfflineAccess, "read:orders"}}
	authURL := func(verifier, org string, more ...oauth2.AuthCodeOption) string {
		opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n"),
			oauth2.SetAuthURLParam("audience", ordersAPI), oauth2.SetAuthURLParam("organization", org)}, more...)
		return conf.AuthCodeURL("st", opts...)
	}
	signIn := func(b *browser, user, org string) *oauth2.Token {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		q := callbackParams(t, b.signIn(b.get(authURL(verifier, org)), user, ""), conf.RedirectURL)
		if q.Get("error") != "" {
			t.Fatalf("%s in %s: %s: %s", user, org, q.Get("error"), q.Get("error_description"))
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	idClaims := func(tok *oauth2.Token) map[string]any {
		t.Helper()
		idt, err := rp.Verifier(&gooidc.Config{ClientID: "shell"}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		_ = idt.Claims(&c)
		return c
	}

	for _, org := range []string{acmeOrgID, "acme", "ACME"} {
		alice := signIn(newBrowser(t), "alice", org)
		if c := idClaims(alice); c["org_id"] != acmeOrgID || c["org_name"] != "acme" {
			t.Errorf("organization=%s: ID token org claims: %v", org, c)
		}
		at := accessClaimsOf(t, alice.AccessToken)
		if at["org_id"] != acmeOrgID || at["org_name"] != "acme" || !slices.Equal(toStrings(at[rolesClaim]), []string{"admin"}) {
			t.Errorf("organization=%s: access token claims: %v", org, at)
		}
		if code := callAPI(t, api, alice.AccessToken); code != http.StatusOK {
			t.Errorf("alice (acme admin, organization=%s) at the API: %d, want 200", org, code)
		}
	}
	// a refreshed token is still the organization's (the client's
	// org_id attribute mapping does not replace it)
	alice := signIn(newBrowser(t), "alice", acmeOrgID)
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: alice.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if c := idClaims(fresh); c["org_id"] != acmeOrgID {
		t.Errorf("refreshed ID token: %v", c)
	}
	if code := callAPI(t, api, fresh.AccessToken); code != http.StatusOK {
		t.Errorf("alice's refreshed token at the API: %d, want 200", code)
	}
	// alice signed in to globex is an admin, but not acme's
	if code := callAPI(t, api, signIn(newBrowser(t), "alice", "globex").AccessToken); code != http.StatusForbidden {
		t.Errorf("alice in globex at acme's API: %d, want 403", code)
	}
	// without an organization: no org claims (the client maps the org_id
	// attribute, "acme", which is no organization id)
	plain := signIn(newBrowser(t), "alice", "")
	if at := accessClaimsOf(t, plain.AccessToken); at["org_name"] != nil || at["org_id"] != "acme" {
		t.Errorf("without organization: %v", at)
	}
	if code := callAPI(t, api, plain.AccessToken); code != http.StatusForbidden {
		t.Errorf("alice without organization at acme's API: %d, want 403", code)
	}

	// bob is no member of acme: the form says so and issues no code; carol
	// (a member) then signs in through the same form
	b := newBrowser(t)
	verifier := oauth2.GenerateVerifier()
	form := b.get(authURL(verifier, "acme"))
	if strings.Contains(form.body, "not a member") {
		t.Errorf("a fresh sign-in form shows a refusal:\n%s", form.body)
	}
	refused := b.signIn(form, "bob", "")
	if refused.status != http.StatusForbidden || !strings.Contains(refused.body, "bob is not a member of organization acme ("+acmeOrgID+")") {
		t.Fatalf("bob in acme: %d %q\n%s", refused.status, refused.location, refused.body)
	}
	q := callbackParams(t, b.signIn(refused, "carol", ""), conf.RedirectURL)
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || accessClaimsOf(t, tok.AccessToken)["org_id"] != acmeOrgID {
		t.Fatalf("carol after bob was refused: %v %v", err, tok)
	}
	// bob's session (globex) does not reach acme silently …
	bb := newBrowser(t)
	signIn(bb, "bob", "globex")
	silent := bb.get(authURL(oauth2.GenerateVerifier(), "acme", oauth2.SetAuthURLParam("prompt", "none")))
	if q := callbackParams(t, silent, conf.RedirectURL); q.Get("error") != "login_required" || !strings.Contains(q.Get("error_description"), "bob is not a member of organization acme") {
		t.Errorf("bob's session, prompt=none in acme: %v", q)
	}
	// … and interactively he gets the form with the reason
	if pg := bb.get(authURL(oauth2.GenerateVerifier(), "acme")); pg.status != http.StatusOK || !strings.Contains(pg.body, "bob is not a member of organization acme") {
		t.Errorf("bob's session in acme: %d %s", pg.status, pg.body)
	}
	// an organization nobody configured goes back to the app as invalid_request
	bad := newBrowser(t).get(authURL(oauth2.GenerateVerifier(), "initech"))
	if q := callbackParams(t, bad, conf.RedirectURL); q.Get("error") != "invalid_request" ||
		!strings.Contains(q.Get("error_description"), `no organization "initech"; configured: `+acmeOrgID+` (acme), `+globexOrgID+` (globex)`) {
		t.Errorf("unknown organization: %v", q)
	}
}

// TestAuth0OrganizationAutoLogin: --auto-login of a non-member answers
// access_denied to the app instead of signing it in.
func TestAuth0OrganizationAutoLogin(t *testing.T) {
	op := newTestOP(t, orgConfig(), func(o *Options) { o.AutoLogin = "bob" })
	cb := "http://localhost:5101/callback"
	for org, want := range map[string]string{"acme": "access_denied", "globex": ""} {
		q := callbackParams(t, newBrowser(t).get(op.authURL("shell", cb, newPKCE(), url.Values{"organization": {org}})), cb)
		if q.Get("error") != want || (want == "" && q.Get("code") == "") {
			t.Errorf("auto-login bob in %s: %v; want error %q", org, q, want)
		}
	}
}

// TestAuth0OrganizationsPerTenant: a tenant's organizations are its own:
// the tenant signs its member in with org_id in the tokens; the root
// issuer does not know the organization.
func TestAuth0OrganizationsPerTenant(t *testing.T) {
	const cb = "http://localhost:5101/callback"
	spa := config.Client{ClientID: "spa", RedirectURIs: []string{cb}}
	ts := newTestTenants(t, &config.Config{Clients: []config.Client{spa}, Tenants: []config.Tenant{{
		Name: "eu", Profile: config.ProfileAuth0, Clients: []config.Client{spa},
		Users:         []config.User{{Username: "dora"}, {Username: "erin"}},
		Organizations: []config.Organization{{ID: "org_eu1", Name: "acme-eu", Members: []string{"dora"}}},
	}}})
	eu := ts.op(ts.issuer + "eu/")
	b := newBrowser(t)
	pk := newPKCE()
	q := callbackParams(t, b.signIn(b.get(eu.authURL("spa", cb, pk, url.Values{"organization": {"acme-eu"}})), "dora", ""), cb)
	status, tok := eu.exchange(t, "spa", cb, q.Get("code"), pk.verifier)
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, tok)
	}
	if c := accessClaimsOf(t, tok["access_token"].(string)); c["org_id"] != "org_eu1" || c["org_name"] != "acme-eu" || c["iss"] != ts.issuer+"eu/" {
		t.Errorf("tenant access token: %v", c)
	}
	eb := newBrowser(t)
	if pg := eb.signIn(eb.get(eu.authURL("spa", cb, newPKCE(), url.Values{"organization": {"org_eu1"}})), "erin", ""); pg.status != http.StatusForbidden ||
		!strings.Contains(pg.body, "erin is not a member of organization acme-eu (org_eu1)") {
		t.Errorf("erin (no member) in the tenant's organization: %d %s", pg.status, pg.body)
	}
	root := ts.op(ts.issuer)
	if q := callbackParams(t, newBrowser(t).get(root.authURL("spa", cb, newPKCE(), url.Values{"organization": {"acme-eu"}})), cb); q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "none are configured") {
		t.Errorf("the root issuer and the tenant's organization: %v", q)
	}
}
