package provider

import (
	"context"
	"encoding/json"
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
	"github.com/ssokit/ssokit/pkg/token"
)

const (
	ordersAPI  = "https://api.example.com"
	rolesClaim = "https://example.com/roles"
)

// apiConfig: users with attributes (no passwords, so any other username
// signs in too), one API mapping two attributes, a client mapping a third.
func apiConfig() *config.Config {
	return &config.Config{
		Users: []config.User{
			{Username: "alice", Claims: map[string]any{"email": "alice@example.com", "name": "Alice Doe"},
				Attributes: map[string]any{"roles": []any{"admin"}, "permissions": []any{"read:orders", "write:orders"}, "org_id": "acme"}},
			{Username: "bob", Claims: map[string]any{"email": "bob@example.com"},
				Attributes: map[string]any{"roles": []any{"viewer"}, "permissions": []any{"read:orders"}, "org_id": "acme"}},
		},
		APIs: []config.API{{Audience: ordersAPI, Scopes: []string{"read:orders", "write:orders"},
			AccessTokenClaims: map[string]string{rolesClaim: "roles", "permissions": "permissions"}}},
		Clients: []config.Client{
			{ClientID: "shell", RedirectURIs: []string{"http://localhost:5101/callback"}, AccessTokenClaims: map[string]string{"org_id": "org_id"}},
			{ClientID: "bff", Secret: "s3cret", RedirectURIs: []string{"http://localhost:5103/cb"}},
		},
	}
}

// ordersServer is a resource server as an API team writes it: it verifies
// the bearer token through pkg/token against the provider's published keys
// (signature, issuer, its own audience, expiry) and authorizes on the
// namespaced roles claim: 401 without a valid token, 403 without the admin
// role, 200 with it.
func ordersServer(t *testing.T, issuer string) *httptest.Server {
	return resourceServer(t, issuer, func(claims map[string]any) string {
		if roles, _ := claims[rolesClaim].([]any); !slices.Contains(roles, any("admin")) {
			return "admin role required"
		}
		return ""
	})
}

// resourceServer verifies bearer tokens for ordersAPI (401 when invalid)
// and answers 403 with the reason refuse gives for the verified claims,
// 200 when it gives none.
func resourceServer(t *testing.T, issuer string, refuse func(claims map[string]any) string) *httptest.Server {
	t.Helper()
	d, err := token.Discover(context.Background(), nil, issuer)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.FetchJWKS(context.Background(), nil, d.JWKSURI)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, "no bearer token", http.StatusUnauthorized)
			return
		}
		res, err := token.Verify(raw, token.VerifyOptions{Keys: keys, Issuer: issuer, Audience: ordersAPI, RequireExp: true})
		if err != nil || !res.Valid {
			http.Error(w, "invalid token: "+res.Reason, http.StatusUnauthorized)
			return
		}
		if why := refuse(res.Token.Claims); why != "" {
			http.Error(w, why, http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func callAPI(t *testing.T, srv *httptest.Server, accessToken string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/orders", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signInWith completes a login form with extra claims typed in its box.
func (b *browser) signInWith(p page, user, extra string) page {
	b.t.Helper()
	action, v := loginForm(b.t, p)
	v.Set("username", user)
	v.Set("extra_claims", extra)
	return b.postForm(action, v)
}

// accessClaimsOf decodes an access token's payload (the provider signed
// it; the resource server test verifies signatures).
func accessClaimsOf(t *testing.T, raw string) map[string]any {
	t.Helper()
	u, err := token.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Claims
}

// TestAPIClaimsEndToEnd: go-oidc and x/oauth2 sign in through the form
// asking for the API by its audience; the access token carries the API's
// and the client's mapped attributes under their claim names, aud is the
// API; the ID token and userinfo keep identity claims (the user's and the
// sign-in's extra ones); introspection shows the access token's claims; a
// resource server authorizes alice (admin) and refuses bob (viewer) until
// bob signs in with an extra claim.
func TestAPIClaimsEndToEnd(t *testing.T) {
	op := newTestOP(t, apiConfig())
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatal(err)
	}
	api := ordersServer(t, op.issuer)
	conf := oauth2.Config{ClientID: "shell", Endpoint: rp.Endpoint(), RedirectURL: "http://localhost:5101/callback",
		Scopes: []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess, "read:orders"}}
	signIn := func(user, extra string) *oauth2.Token {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		b := newBrowser(t)
		form := b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n"), oauth2.SetAuthURLParam("audience", ordersAPI)))
		q := callbackParams(t, b.signInWith(form, user, extra), conf.RedirectURL)
		if q.Get("error") != "" {
			t.Fatalf("%s: %s", q.Get("error"), q.Get("error_description"))
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	alice := signIn("alice", "")
	at := accessClaimsOf(t, alice.AccessToken)
	if at["aud"] != ordersAPI || at["org_id"] != "acme" || !slices.Equal(toStrings(at[rolesClaim]), []string{"admin"}) ||
		!slices.Equal(toStrings(at["permissions"]), []string{"read:orders", "write:orders"}) || at["client_id"] != "shell" {
		t.Fatalf("alice's access token claims: %v", at)
	}
	if code := callAPI(t, api, alice.AccessToken); code != http.StatusOK {
		t.Errorf("alice (admin) at the API: %d, want 200", code)
	}
	idt, err := rp.Verifier(&gooidc.Config{ClientID: "shell"}).Verify(ctx, alice.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var idc map[string]any
	_ = idt.Claims(&idc)
	if idc["email"] != "alice@example.com" || idc[rolesClaim] != nil || idc["permissions"] != nil {
		t.Errorf("ID token should carry identity claims only: %v", idc)
	}
	ui, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(alice))
	if err != nil {
		t.Fatal(err)
	}
	var uic map[string]any
	_ = ui.Claims(&uic)
	if uic["email"] != "alice@example.com" || uic["name"] != "Alice Doe" || uic["permissions"] != nil {
		t.Errorf("userinfo should carry identity claims only: %v", uic)
	}
	// introspection (RFC 7662 §2.2): the token's own claims, custom ones included
	status, intro := op.tokenCallAt(t, "introspect", url.Values{"token": {alice.AccessToken}}, func(r *http.Request) { r.SetBasicAuth("bff", "s3cret") })
	if status != http.StatusOK || intro["active"] != true || intro["org_id"] != "acme" || intro["aud"] != ordersAPI || !slices.Equal(toStrings(intro[rolesClaim]), []string{"admin"}) {
		t.Errorf("introspection: %d %v", status, intro)
	}
	// refresh keeps the claims (x/oauth2 refreshes an expired token)
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: alice.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if code := callAPI(t, api, fresh.AccessToken); code != http.StatusOK {
		t.Errorf("alice's refreshed token at the API: %d, want 200", code)
	}

	bob := signIn("bob", "")
	if code := callAPI(t, api, bob.AccessToken); code != http.StatusForbidden {
		t.Errorf("bob (viewer) at the API: %d, want 403", code)
	}
	// per sign-in override: bob tests the admin path
	bobAdmin := signIn("bob", `{"`+rolesClaim+`": ["admin"], "tenant": {"id": 12345678901234567890}}`)
	if code := callAPI(t, api, bobAdmin.AccessToken); code != http.StatusOK {
		t.Errorf("bob with extra claim admin: %d, want 200", code)
	}
	if !strings.Contains(decodePayload(t, bobAdmin.AccessToken), `"tenant":{"id":12345678901234567890}`) {
		t.Errorf("extra claims lost precision or shape: %s", decodePayload(t, bobAdmin.AccessToken))
	}
	// the sign-in's extra claims are the session's: ID token and userinfo too
	if !strings.Contains(decodePayload(t, bobAdmin.Extra("id_token").(string)), `"`+rolesClaim+`":["admin"]`) {
		t.Errorf("bob's ID token lacks the extra claim: %s", decodePayload(t, bobAdmin.Extra("id_token").(string)))
	}
	bui, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(bobAdmin))
	if err != nil {
		t.Fatal(err)
	}
	var buic map[string]any
	_ = bui.Claims(&buic)
	if !slices.Equal(toStrings(buic[rolesClaim]), []string{"admin"}) || buic["permissions"] != nil {
		t.Errorf("bob's userinfo: extra claims yes, mapped attributes no: %v", buic)
	}
	// and a user made on the fly: carol has no roles until she says so
	if code := callAPI(t, api, signIn("carol", "").AccessToken); code != http.StatusForbidden {
		t.Errorf("carol without roles: %d, want 403", code)
	}
	carol := signIn("carol", `{"`+rolesClaim+`":["admin"]}`)
	if code := callAPI(t, api, carol.AccessToken); code != http.StatusOK {
		t.Errorf("carol with extra claim admin: %d, want 200", code)
	}
	cid, err := rp.Verifier(&gooidc.Config{ClientID: "shell"}).Verify(ctx, carol.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var cc map[string]any
	_ = cid.Claims(&cc)
	if cid.Subject != "carol" || cc["email"] != "carol@example.com" || cc["preferred_username"] != "carol" {
		t.Errorf("carol's ID token: sub %q %v", cid.Subject, cc)
	}
	cui, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(carol))
	if err != nil {
		t.Fatal(err)
	}
	if cui.Subject != "carol" || cui.Email != "carol@example.com" {
		t.Errorf("carol's userinfo: %+v", cui)
	}
}

func decodePayload(t *testing.T, raw string) string {
	t.Helper()
	u, err := token.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(u.ClaimsJSON)
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}

// tokenCallAt posts to an endpoint beside the token endpoint.
func (op *testOP) tokenCallAt(t *testing.T, path string, v url.Values, mod func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, op.issuer+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, m
}

// TestAPIAudienceAndScopes: with APIs configured, an unknown audience or
// resource is invalid_target naming the registered ones, two at once are
// refused, and scopes the API does not define are invalid_scope naming
// the allowed ones; at /authorize and for client_credentials. The
// resource parameter (RFC 8707) picks the API as audience does.
func TestAPIAudienceAndScopes(t *testing.T) {
	op := newTestOP(t, apiConfig())
	const cb = "http://localhost:5101/callback"
	authz := func(extra url.Values) url.Values {
		return callbackParams(t, newBrowser(t).get(op.authURL("shell", cb, newPKCE(), extra)), cb)
	}
	for _, tt := range []struct {
		name       string
		extra      url.Values
		code, desc string
	}{
		{"unknown audience", url.Values{"audience": {"https://other.example.com"}}, "invalid_target",
			`audience "https://other.example.com" is not an API in the config (apis:); registered audiences: https://api.example.com`},
		{"unknown resource", url.Values{"resource": {"https://other.example.com"}}, "invalid_target", "registered audiences: https://api.example.com"},
		{"two APIs", url.Values{"resource": {ordersAPI, "https://b.example.com"}}, "invalid_target", "one API per token"},
		{"scope outside the API", url.Values{"audience": {ordersAPI}, "scope": {"openid delete:orders"}}, "invalid_scope",
			`scope "delete:orders" is not defined by API https://api.example.com; its scopes: read:orders write:orders (plus openid profile email phone address offline_access)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := authz(tt.extra)
			if q.Get("error") != tt.code || !strings.Contains(q.Get("error_description"), tt.desc) {
				t.Errorf("got %s: %s\nwant %s: …%s…", q.Get("error"), q.Get("error_description"), tt.code, tt.desc)
			}
		})
	}
	// resource (RFC 8707) picks the API as audience does
	b := newBrowser(t)
	pk := newPKCE()
	q := callbackParams(t, b.signIn(b.get(op.authURL("shell", cb, pk, url.Values{"resource": {ordersAPI}, "scope": {"openid read:orders"}})), "alice", ""), cb)
	status, tok := op.exchange(t, "shell", cb, q.Get("code"), pk.verifier)
	if status != http.StatusOK || accessClaimsOf(t, tok["access_token"].(string))["aud"] != ordersAPI {
		t.Fatalf("resource=API: %d %v", status, tok)
	}

	cc := func(v url.Values) (int, map[string]any) {
		v.Set("grant_type", "client_credentials")
		return op.tokenCall(t, v, func(r *http.Request) { r.SetBasicAuth("bff", "s3cret") })
	}
	if status, body := cc(url.Values{"audience": {"https://nope"}}); status != http.StatusBadRequest || body["error"] != "invalid_target" {
		t.Errorf("client_credentials, unknown audience: %d %v", status, body)
	}
	if status, body := cc(url.Values{"audience": {ordersAPI}, "scope": {"admin"}}); status != http.StatusBadRequest || body["error"] != "invalid_scope" {
		t.Errorf("client_credentials, undefined scope: %d %v", status, body)
	}
	status, body := cc(url.Values{"audience": {ordersAPI}, "scope": {"read:orders"}})
	if status != http.StatusOK {
		t.Fatalf("client_credentials: %d %v", status, body)
	}
	if c := accessClaimsOf(t, body["access_token"].(string)); c["aud"] != ordersAPI || c[rolesClaim] != nil {
		t.Errorf("client_credentials token (no user, no attributes): %v", c)
	}
}

// TestAudienceUnrestrictedWithoutAPIs: with no apis: configured any
// audience is accepted, as before.
func TestAudienceUnrestrictedWithoutAPIs(t *testing.T) {
	op := newTestOP(t, nil, func(o *Options) { o.AutoLogin = "alice" })
	const cb = "http://localhost:5101/cb"
	pk := newPKCE()
	q := callbackParams(t, newBrowser(t).get(op.authURL("spa", cb, pk, url.Values{"audience": {"https://anything"}, "scope": {"openid whatever"}})), cb)
	status, tok := op.exchange(t, "spa", cb, q.Get("code"), pk.verifier)
	if status != http.StatusOK || accessClaimsOf(t, tok["access_token"].(string))["aud"] != "https://anything" {
		t.Fatalf("%d %v", status, tok)
	}
}

// TestAutoLoginClaims: --auto-login with --claims signs in with them; the
// login form's box starts with them when there is no auto-login.
func TestAutoLoginClaims(t *testing.T) {
	const cb = "http://localhost:5101/cb"
	op := newTestOP(t, nil, func(o *Options) { o.AutoLogin = "carol"; o.Claims = `{"roles":["admin"]}` })
	pk := newPKCE()
	q := callbackParams(t, newBrowser(t).get(op.authURL("spa", cb, pk, nil)), cb)
	status, tok := op.exchange(t, "spa", cb, q.Get("code"), pk.verifier)
	if status != http.StatusOK {
		t.Fatal(status, tok)
	}
	if c := accessClaimsOf(t, tok["access_token"].(string)); c["sub"] != "carol" || !slices.Equal(toStrings(c["roles"]), []string{"admin"}) {
		t.Errorf("auto-login with claims: %v", c)
	}
	form := newBrowser(t).get(newTestOP(t, nil, func(o *Options) { o.Claims = `{"roles":["admin"]}` }).authURL("spa", cb, newPKCE(), nil))
	if !strings.Contains(form.body, `<details id="extra" open>`) || !strings.Contains(form.body, `{&#34;roles&#34;:[&#34;admin&#34;]}</textarea>`) {
		t.Errorf("login form does not start with the claims:\n%s", form.body)
	}
	if _, err := New(Options{Issuer: "http://localhost:9400/", Keys: testKeys(), Claims: `{"sub":"x"}`}); err == nil || !strings.Contains(err.Error(), `"sub" is set by the provider`) {
		t.Errorf("reserved claim in Options.Claims: %v", err)
	}
}

// TestLoginFormExtraClaimsErrors: what is wrong with the extra-claims box
// is said in the form, which keeps what was typed, escaped; nothing signs in.
func TestLoginFormExtraClaimsErrors(t *testing.T) {
	op := newTestOP(t, nil)
	const cb = "http://localhost:5101/cb"
	hostile := `</textarea><script>alert(1)</script>`
	for _, tt := range []struct {
		name, extra, want string
	}{
		{"not an object", `["admin"]`, "extra claims must be a JSON object such as {&#34;roles&#34;: [&#34;admin&#34;]}"},
		{"not JSON", `{roles: admin}`, "extra claims are not valid JSON"},
		{"trailing data", `{"a":1} {"b":2}`, "must be one JSON object"},
		{"reserved", `{"aud":"https://evil"}`, "&#34;aud&#34; is set by the provider and cannot be given"},
		{"too large", `{"a":"` + strings.Repeat("x", MaxExtraClaims) + `"}`, "the limit is 2048"},
		{"hostile", hostile, "extra claims must be a JSON object"},
		{"hostile key", `{"` + hostile + `":1,"iss":2}`, "&#34;iss&#34; is set by the provider"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			p := b.signInWith(b.get(op.authURL("spa", cb, newPKCE(), nil)), "alice", tt.extra)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tt.want) {
				t.Fatalf("status %d, want 400 with %q:\n%s", p.status, tt.want, p.body)
			}
			if strings.Contains(p.body, "<script>alert") {
				t.Fatalf("hostile input reached the page unescaped:\n%s", p.body)
			}
			if !strings.Contains(p.body, `<details id="extra" open>`) || !strings.Contains(p.body, `role="alert"`) {
				t.Errorf("the box is not open with the error shown:\n%s", p.body)
			}
			if len(tt.extra) < MaxExtraClaims && !strings.Contains(p.body, strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(tt.extra, `"`, "&#34;"), "<", "&lt;"), ">", "&gt;")) {
				t.Errorf("the form does not keep what was typed:\n%s", p.body)
			}
			// the form still works: fix the box and sign in
			q := callbackParams(t, b.signInWith(p, "alice", `{"ok":true}`), cb)
			if q.Get("code") == "" {
				t.Fatalf("after fixing: %v", q)
			}
		})
	}
}

// TestDynamicUsers: with no configured passwords any well-formed username
// signs in; a malformed one is refused in the form; with passwords
// configured, unknown names are refused as before.
func TestDynamicUsers(t *testing.T) {
	const cb = "http://localhost:5101/cb"
	op := newTestOP(t, nil)
	for _, name := range []string{"carol", "dave.o'brien", strings.Repeat("x", MaxDynamicUsername+1), "<b>x</b>"} {
		b := newBrowser(t)
		p := b.signIn(b.get(op.authURL("spa", cb, newPKCE(), nil)), name, "")
		switch name {
		case "carol":
			if q := callbackParams(t, p, cb); q.Get("code") == "" {
				t.Errorf("carol: %v", q)
			}
		default:
			if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "A username is 1 to 64 letters, digits or . _ - @ &#43;.") || strings.Contains(p.body, "<b>x") {
				t.Errorf("%q: %d\n%s", name, p.status, p.body)
			}
		}
	}
	reg := newTestOP(t, registeredConfig())
	b := newBrowser(t)
	if p := b.signIn(b.get(reg.authURL("shell", shellCB, newPKCE(), nil)), "carol", "x"); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Unknown user or wrong password.") {
		t.Errorf("carol with passwords configured: %d", p.status)
	}
	if u, ok := dynamicUser("dana@corp.example"); !ok || u.Claims["email"] != "dana@corp.example" || u.Claims["name"] != "Dana" {
		t.Errorf("dynamicUser with an email: %+v", u)
	}
}

// TestExtraClaimsFollowTheSession: claims given at sign-in stay with the
// SSO session: a second app's silent sign-in (prompt=none) and a refresh
// carry them; a new sign-in without them does not.
func TestExtraClaimsFollowTheSession(t *testing.T) {
	op := newTestOP(t, nil)
	const cbA, cbB = "http://localhost:5101/cb", "http://localhost:5102/cb"
	b := newBrowser(t)
	pk := newPKCE()
	q := callbackParams(t, b.signInWith(b.get(op.authURL("a", cbA, pk, nil)), "carol", `{"roles":["admin"]}`), cbA)
	if status, tok := op.exchange(t, "a", cbA, q.Get("code"), pk.verifier); status != http.StatusOK || !slices.Equal(toStrings(accessClaimsOf(t, tok["access_token"].(string))["roles"]), []string{"admin"}) {
		t.Fatalf("app A: %d %v", status, tok)
	}
	pk = newPKCE()
	q = callbackParams(t, b.get(op.authURL("b", cbB, pk, url.Values{"prompt": {"none"}})), cbB)
	status, tok := op.exchange(t, "b", cbB, q.Get("code"), pk.verifier)
	if status != http.StatusOK || !slices.Equal(toStrings(accessClaimsOf(t, tok["access_token"].(string))["roles"]), []string{"admin"}) {
		t.Fatalf("app B, silently: %d %v", status, tok)
	}
	status, ref := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"b"}, "refresh_token": {tok["refresh_token"].(string)}}, nil)
	if status != http.StatusOK || !slices.Equal(toStrings(accessClaimsOf(t, ref["access_token"].(string))["roles"]), []string{"admin"}) {
		t.Fatalf("app B, refreshed: %d %v", status, ref)
	}
	pk = newPKCE()
	q = callbackParams(t, b.signIn(b.get(op.authURL("a", cbA, pk, url.Values{"prompt": {"login"}})), "carol", ""), cbA)
	if status, tok := op.exchange(t, "a", cbA, q.Get("code"), pk.verifier); status != http.StatusOK || accessClaimsOf(t, tok["access_token"].(string))["roles"] != nil {
		t.Fatalf("a new sign-in without extra claims: %d %v", status, tok)
	}
}

// TestAutoLoginUserReloadedAway: a reload that ends the auto-login user
// (passwords configured end users made on the fly) answers an error page
// saying so, not a crash.
func TestAutoLoginUserReloadedAway(t *testing.T) {
	op := newTestOP(t, &config.Config{Users: []config.User{{Username: "alice"}}}, func(o *Options) { o.AutoLogin = "carol" })
	if err := op.Reload(registeredConfig()); err != nil {
		t.Fatal(err)
	}
	p := newBrowser(t).get(op.authURL("shell", shellCB, newPKCE(), nil))
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "--auto-login carol is no longer a user") {
		t.Fatalf("%d\n%s", p.status, p.body)
	}
}
