package provider

import (
	"context"
	"encoding/base64"
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
)

const (
	entraTestTenant   = "contoso.onmicrosoft.com"
	entraTestRedirect = "http://localhost:5101/spa/"
	entraTestLogout   = "http://localhost:5101/spa/signed-out"
)

// newEntraOP is a provider with the entra profile for tenant
// contoso.onmicrosoft.com: alice holds the Orders.Admin app role, bob only
// Orders.Reader; client spa is public.
func newEntraOP(t *testing.T) *testOP {
	t.Helper()
	cfg := &config.Config{
		Users: []config.User{
			{Username: "alice", Claims: map[string]any{"name": "Alice Doe", "email": "alice@contoso.example"},
				Attributes: map[string]any{"roles": []any{"Orders.Admin", "Orders.Reader"}}},
			{Username: "bob", Attributes: map[string]any{"roles": []any{"Orders.Reader"}}},
		},
		Clients: []config.Client{{ClientID: "spa", RedirectURIs: []string{entraTestRedirect},
			PostLogoutRedirectURIs: []string{entraTestLogout}}},
	}
	srv := httptest.NewUnstartedServer(nil)
	root := "http://localhost:" + strings.Split(srv.Listener.Addr().String(), ":")[1] + "/" + entraTestTenant
	op := newTestOPOn(t, srv, root+"/v2.0", cfg, func(o *Options) { o.Profile = ProfileEntra })
	op.clock.t = time.Now() // go-oidc checks exp against the real clock
	return op
}

// newTestOPOn is newTestOP on a given unstarted server and issuer.
func newTestOPOn(t *testing.T, srv *httptest.Server, issuer string, cfg *config.Config, mod ...func(*Options)) *testOP {
	t.Helper()
	clock := &fakeClock{t: time.Now()}
	o := Options{Issuer: issuer, Config: cfg, Keys: testKeys(), Now: clock.Now}
	for _, m := range mod {
		m(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(func() { srv.Close(); p.Close() })
	return &testOP{Provider: p, srv: srv, issuer: issuer, clock: clock}
}

// entraSignIn runs the authorization code flow as MSAL shapes it (PKCE,
// client_info=1, a claims parameter, offline_access) with coreos/go-oidc
// and x/oauth2, and returns the token.
func entraSignIn(t *testing.T, op *testOP, rp *gooidc.Provider, user string, scopes ...string) *oauth2.Token {
	t.Helper()
	conf := oauth2.Config{ClientID: "spa", Endpoint: rp.Endpoint(), RedirectURL: entraTestRedirect,
		Scopes: append([]string{gooidc.ScopeOpenID, "profile", gooidc.ScopeOfflineAccess}, scopes...)}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-1"),
		oauth2.SetAuthURLParam("client_info", "1"), oauth2.SetAuthURLParam("response_mode", "fragment"),
		oauth2.SetAuthURLParam("claims", `{"access_token":{"xms_cc":{"values":["CP1"]}}}`),
		oauth2.SetAuthURLParam("x-client-SKU", "msal.js.browser"), oauth2.SetAuthURLParam("client-request-id", "c0ffee00-0000-4000-8000-000000000001"))
	b := newBrowser(t)
	done := b.signIn(b.get(authURL), user, "any")
	if done.status != http.StatusFound || !strings.HasPrefix(done.location, entraTestRedirect+"#") {
		t.Fatalf("want a fragment redirect to %s, got %d %q\n%s", entraTestRedirect, done.status, done.location, done.body)
	}
	frag, _ := url.ParseQuery(strings.SplitN(done.location, "#", 2)[1])
	tok, err := conf.Exchange(context.Background(), frag.Get("code"), oauth2.VerifierOption(verifier),
		oauth2.SetAuthURLParam("client_info", "1"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// TestEntraProfileResourceServer: an API written for Entra ID verifies a
// real entra-profile access token with coreos/go-oidc (issuer
// {base}/{tenant}/v2.0, keys from /{tenant}/discovery/v2.0/keys, audience
// the resource the scopes named) and authorizes on its roles claim: alice
// (Orders.Admin) may delete an order, bob (Orders.Reader) may only read.
func TestEntraProfileResourceServer(t *testing.T) {
	op := newEntraOP(t)
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatalf("discovery at %s/.well-known/openid-configuration: %v", op.issuer, err)
	}
	root := strings.TrimSuffix(op.issuer, "/v2.0")
	var d map[string]any
	if err := rp.Claims(&d); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"authorization_endpoint": root + "/oauth2/v2.0/authorize", "token_endpoint": root + "/oauth2/v2.0/token",
		"end_session_endpoint": root + "/oauth2/v2.0/logout", "jwks_uri": root + "/discovery/v2.0/keys",
	} {
		if d[k] != want {
			t.Errorf("discovery %s = %v, want %s", k, d[k], want)
		}
	}

	// the API: Entra's v2 access token for api://orders, scp and roles
	api := rp.Verifier(&gooidc.Config{ClientID: "api://orders"})
	orders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		tok, err := api.Verify(r.Context(), raw)
		if !ok || err != nil {
			http.Error(w, "invalid token: "+errString(err), http.StatusUnauthorized)
			return
		}
		var c struct {
			Scp   string   `json:"scp"`
			Roles []string `json:"roles"`
			Ver   string   `json:"ver"`
			TID   string   `json:"tid"`
			OID   string   `json:"oid"`
		}
		if err := tok.Claims(&c); err != nil || c.Ver != "2.0" || c.TID == "" || c.OID == "" {
			http.Error(w, "not an Entra v2 token", http.StatusUnauthorized)
			return
		}
		if !slices.Contains(strings.Fields(c.Scp), "Orders.Read") {
			http.Error(w, "scope Orders.Read missing", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodDelete && !slices.Contains(c.Roles, "Orders.Admin") {
			http.Error(w, "role Orders.Admin required", http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer orders.Close()
	call := func(method, token string) int {
		req, _ := http.NewRequest(method, orders.URL+"/orders/1", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	alice := entraSignIn(t, op, rp, "alice", "api://orders/Orders.Read")
	bob := entraSignIn(t, op, rp, "bob", "api://orders/Orders.Read")
	if got := call(http.MethodDelete, alice.AccessToken); got != http.StatusNoContent {
		t.Errorf("alice (Orders.Admin) DELETE: %d", got)
	}
	if got := call(http.MethodGet, bob.AccessToken); got != http.StatusNoContent {
		t.Errorf("bob (Orders.Reader) GET: %d", got)
	}
	if got := call(http.MethodDelete, bob.AccessToken); got != http.StatusForbidden {
		t.Errorf("bob DELETE: %d, want 403", got)
	}
	// a token for another resource is refused by this API
	other := entraSignIn(t, op, rp, "alice", "api://billing/Bills.Read")
	if got := call(http.MethodGet, other.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("a token for api://billing at api://orders: %d, want 401", got)
	}

	// the ID token and client_info as MSAL reads them
	idt, err := rp.Verifier(&gooidc.Config{ClientID: "spa"}).Verify(ctx, alice.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var ic map[string]any
	_ = idt.Claims(&ic)
	if ic["ver"] != "2.0" || ic["tid"] != entraTenantID(entraTestTenant) || ic["preferred_username"] != "alice@contoso.example" ||
		ic["name"] != "Alice Doe" || ic["nonce"] != "n-1" || !isGUID(ic["oid"].(string)) || ic["login_hint"] == nil {
		t.Fatalf("ID token claims: %v", ic)
	}
	ci, _ := alice.Extra("client_info").(string)
	raw, err := base64.RawURLEncoding.DecodeString(ci)
	var info struct{ UID, UTID string }
	if err != nil || json.Unmarshal(raw, &info) != nil || info.UID != ic["oid"] || info.UTID != ic["tid"] {
		t.Fatalf("client_info %q = %s, want {uid: %v, utid: %v}", ci, raw, ic["oid"], ic["tid"])
	}
	if sc, _ := alice.Extra("scope").(string); !strings.Contains(sc, "api://orders/Orders.Read") {
		t.Errorf("response scope %q lacks the full resource scope MSAL caches by", sc)
	}

	// a refresh that repeats offline_access (MSAL's) is not refused, and
	// a refused one has Entra's error shape
	tokenURL := root + "/oauth2/v2.0/token"
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"}, "client_info": {"1"},
		"refresh_token": {alice.RefreshToken}, "scope": {"api://orders/Orders.Read openid profile offline_access"}}
	status, body := postJSON(t, tokenURL, form, "c0ffee00-0000-4000-8000-000000000002")
	if status != 200 || body["client_info"] != ci || body["refresh_token"] == nil {
		t.Fatalf("refresh: %d %v", status, body)
	}
	if got := call(http.MethodDelete, body["access_token"].(string)); got != http.StatusNoContent {
		t.Errorf("refreshed token DELETE: %d", got)
	}
	// the refresh token of that sign-in gets a token for another resource
	// (Entra's multi-resource refresh tokens), not for unconsented OpenID scopes
	multi := url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"}, "refresh_token": {body["refresh_token"].(string)},
		"scope": {"api://billing/Bills.Read openid profile offline_access"}}
	st2, b2 := postJSON(t, tokenURL, multi, "c0ffee00-0000-4000-8000-000000000004")
	if st2 != 200 {
		t.Fatalf("refresh for another resource: %d %v", st2, b2)
	}
	if at := parseJWTClaims(t, b2["access_token"].(string)); at["aud"] != "api://billing" || at["scp"] != "Bills.Read" {
		t.Fatalf("access token for api://billing from the refresh token: %v", at)
	}
	multi.Set("refresh_token", b2["refresh_token"].(string))
	multi.Set("scope", "email api://billing/Bills.Read")
	if st3, b3 := postJSON(t, tokenURL, multi, "c5"); st3 != 400 || b3["error"] != "invalid_scope" {
		t.Fatalf("refresh asking an OpenID scope not granted: %d %v", st3, b3)
	}
	status, body = postJSON(t, tokenURL, form, "c0ffee00-0000-4000-8000-000000000003") // the rotated one again
	codes, _ := body["error_codes"].([]any)
	if status != 400 || body["error"] != "invalid_grant" || body["suberror"] != "bad_token" || len(codes) != 1 ||
		body["correlation_id"] != "c0ffee00-0000-4000-8000-000000000003" || body["trace_id"] == nil || body["timestamp"] == nil ||
		!strings.HasPrefix(body["error_description"].(string), "AADSTS") {
		t.Fatalf("replayed refresh token: %d %v", status, body)
	}
}

func errString(err error) string {
	if err == nil {
		return "no bearer token"
	}
	return err.Error()
}

func postJSON(t *testing.T, u string, form url.Values, correlation string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("client-request-id", correlation)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := decodeJSON(resp.Body, &m); err != nil {
		t.Fatalf("%s: not JSON: %v", u, err)
	}
	return resp.StatusCode, m
}

// TestEntraAuthorizeParameters: the claims parameter must be JSON; scopes
// of two resources are refused as Entra refuses them; both errors go back
// to the registered redirect URI.
func TestEntraAuthorizeParameters(t *testing.T) {
	op := newEntraOP(t)
	root := strings.TrimSuffix(op.issuer, "/v2.0")
	pk := newPKCE()
	for _, tc := range []struct{ claims, scope, code, want string }{
		{`{"access_token":`, "openid", "invalid_request", "not a JSON object"},
		{`[1]`, "openid", "invalid_request", "not a JSON object"},
		{``, "openid api://orders/Orders.Read api://billing/Bills.Read", "invalid_scope", "two resources"},
	} {
		v := url.Values{"client_id": {"spa"}, "redirect_uri": {entraTestRedirect}, "response_type": {"code"},
			"scope": {tc.scope}, "state": {"s"}, "code_challenge": {pk.challenge}, "code_challenge_method": {"S256"}}
		if tc.claims != "" {
			v.Set("claims", tc.claims)
		}
		q := callbackParams(t, newBrowser(t).get(root+"/oauth2/v2.0/authorize?"+v.Encode()), entraTestRedirect)
		if q.Get("error") != tc.code || !strings.Contains(q.Get("error_description"), tc.want) {
			t.Errorf("claims %q scope %q: %v, want %s (%s)", tc.claims, tc.scope, q, tc.code, tc.want)
		}
	}
}

// TestEntraLogout: MSAL's logoutRedirect sends only
// post_logout_redirect_uri (and logout_hint). The client is found by its
// exact registered URI; with the session's login_hint the session ends at
// once and the browser returns there; without it the user confirms; an
// unregistered URI is never redirected to.
func TestEntraLogout(t *testing.T) {
	op := newEntraOP(t)
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSuffix(op.issuer, "/v2.0")
	logoutURL := root + "/oauth2/v2.0/logout"

	// sign in in a browser that keeps its cookies
	b := newBrowser(t)
	pk := newPKCE()
	v := url.Values{"client_id": {"spa"}, "redirect_uri": {entraTestRedirect}, "response_type": {"code"}, "scope": {"openid profile offline_access"},
		"state": {"s"}, "nonce": {"n"}, "code_challenge": {pk.challenge}, "code_challenge_method": {"S256"}, "client_info": {"1"}}
	q := callbackParams(t, b.signIn(b.get(root+"/oauth2/v2.0/authorize?"+v.Encode()), "alice", "x"), entraTestRedirect)
	status, tok := postJSON(t, root+"/oauth2/v2.0/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"spa"},
		"redirect_uri": {entraTestRedirect}, "code": {q.Get("code")}, "code_verifier": {pk.verifier}}, "c")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	idt, err := rp.Verifier(&gooidc.Config{ClientID: "spa"}).Verify(ctx, tok["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var ic struct {
		LoginHint string `json:"login_hint"`
	}
	_ = idt.Claims(&ic)

	// MSAL sends the login_hint claim back on an interactive request for
	// the account: the form shows the user it names
	v2 := url.Values{}
	for k, vs := range v {
		v2[k] = vs
	}
	v2.Set("login_hint", ic.LoginHint)
	if form := newBrowser(t).get(root + "/oauth2/v2.0/authorize?" + v2.Encode()); !strings.Contains(form.body, `value="alice"`) {
		t.Errorf("login form for login_hint %s does not show alice:\n%s", ic.LoginHint, form.body)
	}

	// an unregistered URI: an error page, no redirect
	p := b.get(logoutURL + "?post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"))
	if p.status == http.StatusSeeOther || p.status == http.StatusFound || p.location != "" || !strings.Contains(p.body, "post_logout_redirect_uri") {
		t.Fatalf("unregistered post_logout_redirect_uri: %d %q\n%s", p.status, p.location, p.body)
	}
	// a wrong logout_hint: the user is asked
	p = b.get(logoutURL + "?post_logout_redirect_uri=" + url.QueryEscape(entraTestLogout) + "&logout_hint=forged")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Sign out?") || !strings.Contains(p.body, "<strong>spa</strong>") {
		t.Fatalf("logout with a forged hint: %d %q\n%s", p.status, p.location, p.body)
	}
	// MSAL's request: back to the registered URI, session over
	p = b.get(logoutURL + "?post_logout_redirect_uri=" + url.QueryEscape(entraTestLogout) + "&logout_hint=" + url.QueryEscape(ic.LoginHint) + "&client-request-id=x")
	if p.status != http.StatusSeeOther || p.location != entraTestLogout {
		t.Fatalf("MSAL logout: %d %q\n%s", p.status, p.location, p.body)
	}
	v.Set("prompt", "none")
	q = callbackParams(t, b.get(root+"/oauth2/v2.0/authorize?"+v.Encode()), entraTestRedirect)
	if q.Get("error") != "login_required" {
		t.Fatalf("after logout, prompt=none: %v", q)
	}
}

// TestEntraLogoutZeroConfig: with no clients registered any client may
// return to a loopback URI, so MSAL's logout (no client_id) goes back to
// one; never to a non-loopback URI.
func TestEntraLogoutZeroConfig(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	root := "http://localhost:" + strings.Split(srv.Listener.Addr().String(), ":")[1] + "/common"
	newTestOPOn(t, srv, root+"/v2.0", nil, func(o *Options) { o.Profile = ProfileEntra })
	b := newBrowser(t)
	pk := newPKCE()
	v := url.Values{"client_id": {"any-app"}, "redirect_uri": {entraTestRedirect}, "response_type": {"code"}, "scope": {"openid profile"},
		"state": {"s"}, "nonce": {"n"}, "code_challenge": {pk.challenge}, "code_challenge_method": {"S256"}}
	q := callbackParams(t, b.signIn(b.get(root+"/oauth2/v2.0/authorize?"+v.Encode()), "alice", "x"), entraTestRedirect)
	status, tok := postJSON(t, root+"/oauth2/v2.0/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"any-app"},
		"redirect_uri": {entraTestRedirect}, "code": {q.Get("code")}, "code_verifier": {pk.verifier}}, "c")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	hint := parseJWTClaims(t, tok["id_token"].(string))["login_hint"].(string)
	p := b.get(root + "/oauth2/v2.0/logout?post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/") + "&logout_hint=" + url.QueryEscape(hint))
	if p.location != "" {
		t.Fatalf("zero-config logout redirected to %q", p.location)
	}
	p = b.get(root + "/oauth2/v2.0/logout?post_logout_redirect_uri=" + url.QueryEscape(entraTestLogout) + "&logout_hint=" + url.QueryEscape(hint))
	if p.status != http.StatusSeeOther || p.location != entraTestLogout {
		t.Fatalf("zero-config MSAL logout: %d %q\n%s", p.status, p.location, p.body)
	}
}

// parseJWTClaims reads a JWT's payload without verifying it.
func parseJWTClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	return m
}

// TestEntraFaultErrorShape: an injected token-endpoint error has Entra's
// shape too, so an app sees under a fault what it would see from Entra.
func TestEntraFaultErrorShape(t *testing.T) {
	op := newEntraOP(t)
	root := strings.TrimSuffix(op.issuer, "/v2.0")
	resp, err := http.Post(root+"/_ssokit/faults", "application/json", strings.NewReader(`{"endpoint":"token","error":"temporarily_unavailable","count":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("install fault: %d", resp.StatusCode)
	}
	status, body := postJSON(t, root+"/oauth2/v2.0/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"}, "refresh_token": {"x"}}, "corr-1")
	codes, _ := body["error_codes"].([]any)
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" || len(codes) != 1 || body["correlation_id"] != "corr-1" {
		t.Fatalf("fault on the entra token endpoint: %d %v", status, body)
	}
}
