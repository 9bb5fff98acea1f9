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
	kcApp      = "http://localhost:5101"
	kcRedirect = kcApp + "/"
)

// keycloakConfig is a realm with alice (realm roles and client roles) and
// bob (none), and the public client spa on kcApp.
func keycloakConfig() *config.Config {
	return &config.Config{
		Users: []config.User{
			{Username: "alice", Claims: map[string]any{"name": "Alice Doe", "email": "alice@example.com"},
				Attributes: map[string]any{"roles": []any{"admin", "user"}, "client_roles": map[string]any{"orders-api": []any{"orders:write"}}}},
			{Username: "bob"},
		},
		Clients: []config.Client{{ClientID: "spa", RedirectURIs: []string{kcRedirect}, PostLogoutRedirectURIs: []string{kcRedirect}, WebOrigins: []string{kcApp}},
			{ClientID: "orders-api", Secret: "orders-secret"}},
	}
}

// newKeycloakOP serves a keycloak-profile provider whose realm is demo at
// the httptest server's {origin}/realms/demo, unstripped, as keycloak-js
// reaches it.
func newKeycloakOP(t testing.TB, cfg *config.Config) (*testOP, string) {
	t.Helper()
	var origin string
	op := newTestOP(t, cfg, func(o *Options) {
		origin = strings.TrimSuffix(o.Issuer, "/")
		o.Issuer = origin + "/realms/demo"
		o.Profile = ProfileKeycloak
	})
	op.issuer = op.Issuer()
	op.clock.t = time.Now() // go-oidc checks exp against the real clock
	return op, origin
}

// jwtClaims decodes a JWT's payload without verifying it, as keycloak-js does.
func jwtClaims(t testing.TB, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// kcSignIn runs keycloak-js's requests with x/oauth2 (scope openid only,
// fragment response, PKCE) and returns the token.
func kcSignIn(t *testing.T, op *testOP, b *browser, conf oauth2.Config, user string) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	form := b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("response_mode", "fragment"), gooidc.Nonce("n1")))
	cb := b.signIn(form, user, "x")
	if cb.status != http.StatusFound || !strings.HasPrefix(cb.location, kcRedirect+"#") {
		t.Fatalf("want a fragment redirect to %s, got %d %q\n%s", kcRedirect, cb.status, cb.location, cb.body)
	}
	frag, _ := url.ParseQuery(cb.location[len(kcRedirect)+1:])
	if frag.Get("session_state") == "" || strings.Contains(frag.Get("session_state"), ".") {
		t.Errorf("session_state %q: want the session's sid, as Keycloak answers", frag.Get("session_state"))
	}
	tok, err := conf.Exchange(context.Background(), frag.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// TestKeycloakTokens checks the tokens' Keycloak shape with go-oidc and
// x/oauth2 against the realm's discovery: typ, roles, preferred_username,
// session_state/sid, JWT refresh tokens still bound to the store.
func TestKeycloakTokens(t *testing.T) {
	op, _ := newKeycloakOP(t, keycloakConfig())
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if !strings.HasSuffix(rp.Endpoint().TokenURL, "/realms/demo/protocol/openid-connect/token") {
		t.Fatalf("token endpoint %s", rp.Endpoint().TokenURL)
	}
	conf := oauth2.Config{ClientID: "spa", Endpoint: rp.Endpoint(), RedirectURL: kcRedirect, Scopes: []string{gooidc.ScopeOpenID}}
	tok := kcSignIn(t, op, newBrowser(t), conf, "alice")

	idt, err := rp.Verifier(&gooidc.Config{ClientID: "spa"}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var id map[string]any
	_ = idt.Claims(&id)
	sid, _ := id["sid"].(string)
	if id["typ"] != "ID" || sid == "" || id["session_state"] != sid || id["preferred_username"] != "alice" || id["email"] != "alice@example.com" || id["nonce"] != "n1" {
		t.Errorf("ID token claims %v", id)
	}
	at := jwtClaims(t, tok.AccessToken)
	if at["typ"] != "Bearer" || at["azp"] != "spa" || at["session_state"] != sid || at["sid"] != sid || at["preferred_username"] != "alice" {
		t.Errorf("access token claims %v", at)
	}
	if got, _ := json.Marshal(at["realm_access"]); string(got) != `{"roles":["admin","user"]}` {
		t.Errorf("realm_access %s", got)
	}
	if got, _ := json.Marshal(at["resource_access"]); string(got) != `{"orders-api":{"roles":["orders:write"]}}` {
		t.Errorf("resource_access %s", got)
	}
	if tok.Extra("session_state") != sid || tok.Extra("refresh_expires_in") == nil {
		t.Errorf("token response session_state %v refresh_expires_in %v", tok.Extra("session_state"), tok.Extra("refresh_expires_in"))
	}
	// a refresh token without offline_access, a JWT keycloak-js can decode
	rt := jwtClaims(t, tok.RefreshToken)
	if rt["typ"] != "Refresh" || rt["sid"] != sid || rt["azp"] != "spa" || rt["sub"] != "alice" {
		t.Errorf("refresh token claims %v", rt)
	}
	// rotation, and the rotated one is dead though its signature is fine
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.RefreshToken == tok.RefreshToken || jwtClaims(t, fresh.RefreshToken)["typ"] != "Refresh" {
		t.Fatal("refresh token not rotated to a new JWT")
	}
	tokenURL := rp.Endpoint().TokenURL
	post := func(endpoint string, v url.Values) (int, map[string]any) {
		t.Helper()
		resp, err := http.PostForm(endpoint, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	introspect := op.issuer + "/protocol/openid-connect/token/introspect"
	if _, m := post(introspect, url.Values{"client_id": {"orders-api"}, "client_secret": {"orders-secret"}, "token": {tok.RefreshToken}}); m["active"] != false {
		t.Errorf("introspection of a rotated refresh JWT: %v; want active false (the store decides, not the signature)", m)
	}
	if _, m := post(introspect, url.Values{"client_id": {"orders-api"}, "client_secret": {"orders-secret"}, "token": {fresh.RefreshToken}}); m["active"] != true {
		t.Errorf("introspection of the live refresh JWT: %v", m)
	}
	// a forged refresh token signed by us but never stored is refused
	forged, _ := op.Keys().Sign(map[string]any{"iss": op.issuer, "sub": "alice", "typ": "Refresh", "jti": "x", "exp": time.Now().Add(time.Hour).Unix()}, refreshJWTType)
	if st, m := post(tokenURL, url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"}, "refresh_token": {forged}}); st != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("unstored refresh JWT: %d %v", st, m)
	}
	// a refresh JWT is no id_token_hint
	lo := newBrowser(t).get(op.issuer + "/protocol/openid-connect/logout?id_token_hint=" + url.QueryEscape(fresh.RefreshToken))
	if lo.status != http.StatusBadRequest || !strings.Contains(lo.body, "refresh token is not accepted") {
		t.Errorf("refresh JWT as id_token_hint: %d %s", lo.status, lo.body)
	}
}

// TestKeycloakResourceServer is an API that authorizes on
// realm_access.roles of a real access token, verified with go-oidc
// against the realm's keys: alice (admin) is let in, bob is not.
func TestKeycloakResourceServer(t *testing.T) {
	op, _ := newKeycloakOP(t, keycloakConfig())
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatal(err)
	}
	verifier := rp.Verifier(&gooidc.Config{ClientID: "spa"})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, "no bearer token", http.StatusUnauthorized)
			return
		}
		tok, err := verifier.Verify(r.Context(), raw)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var c struct {
			Typ         string `json:"typ"`
			RealmAccess struct {
				Roles []string `json:"roles"`
			} `json:"realm_access"`
		}
		if err := tok.Claims(&c); err != nil || c.Typ != "Bearer" || !slices.Contains(c.RealmAccess.Roles, "admin") {
			http.Error(w, "needs realm role admin", http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte("hello " + tok.Subject))
	}))
	defer api.Close()
	conf := oauth2.Config{ClientID: "spa", Endpoint: rp.Endpoint(), RedirectURL: kcRedirect, Scopes: []string{gooidc.ScopeOpenID}}
	for user, want := range map[string]int{"alice": http.StatusOK, "bob": http.StatusForbidden} {
		tok := kcSignIn(t, op, newBrowser(t), conf, user)
		resp, err := conf.Client(ctx, tok).Get(api.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: API answered %s; want %d", user, resp.Status, want)
		}
	}
	// an ID token is no access token here: its typ is ID
	tok := kcSignIn(t, op, newBrowser(t), conf, "alice")
	req, _ := http.NewRequest(http.MethodGet, api.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok.Extra("id_token").(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("ID token as bearer: %s; want 403", resp.Status)
	}
}

// TestKeycloakIframeEndpoints covers what keycloak-js loads by itself:
// the third-party cookie probe, the login-status iframe and its init
// check, and the token endpoint's credentialed CORS.
func TestKeycloakIframeEndpoints(t *testing.T) {
	op, _ := newKeycloakOP(t, keycloakConfig())
	oidcBase := op.issuer + "/protocol/openid-connect"

	// step 1 sets the probe cookie and moves on; step 2 answers by it
	b := newBrowser(t)
	s1 := b.get(oidcBase + "/3p-cookies/step1.html")
	if s1.status != 200 || !strings.Contains(s1.body, `location.replace("step2.html"`) || !strings.Contains(s1.header.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Fatalf("step1: %d %s %s", s1.status, s1.header.Get("Content-Security-Policy"), s1.body)
	}
	if s2 := b.get(oidcBase + "/3p-cookies/step2.html"); !strings.Contains(s2.body, `postMessage("supported", origin)`) {
		t.Errorf("step2 with the cookie: %s", s2.body)
	}
	if s2 := newBrowser(t).get(oidcBase + "/3p-cookies/step2.html"); !strings.Contains(s2.body, `postMessage("unsupported", origin)`) {
		t.Errorf("step2 without the cookie: %s", s2.body)
	}
	for _, tc := range []struct {
		client, origin string
		want           int
	}{{"spa", kcApp, 204}, {"spa", "http://evil.example", 403}, {"nope", kcApp, 403}} {
		pg := newBrowser(t).get(oidcBase + "/login-status-iframe.html/init?client_id=" + tc.client + "&origin=" + url.QueryEscape(tc.origin))
		if pg.status != tc.want {
			t.Errorf("init %s %s: %d; want %d", tc.client, tc.origin, pg.status, tc.want)
		}
	}
	if pg := newBrowser(t).get(oidcBase + "/login-status-iframe.html"); pg.status != 200 || !strings.Contains(pg.body, "ssokit_kc_session") {
		t.Errorf("login-status iframe: %d", pg.status)
	}
	// the session cookie's companion is set at sign-in and cleared at logout
	sb := newBrowser(t)
	rp, _ := gooidc.NewProvider(context.Background(), op.issuer)
	conf := oauth2.Config{ClientID: "spa", Endpoint: rp.Endpoint(), RedirectURL: kcRedirect, Scopes: []string{gooidc.ScopeOpenID}}
	tok := kcSignIn(t, op, sb, conf, "alice")
	u, _ := url.Parse(op.issuer + "/")
	var kc string
	for _, c := range sb.Jar.Cookies(u) {
		if c.Name == KeycloakSessionCookie {
			kc = c.Value
		}
	}
	if sid := jwtClaims(t, tok.AccessToken)["sid"].(string); kc != sidHash(sid) {
		t.Errorf("%s = %q; want base64url(sha256(sid))", KeycloakSessionCookie, kc)
	}
	// keycloak-js's logout (logoutMethod POST): a form with the same fields
	pb := newBrowser(t)
	ptok := kcSignIn(t, op, pb, conf, "alice")
	plo := pb.postForm(oidcBase+"/logout", url.Values{"client_id": {"spa"}, "post_logout_redirect_uri": {kcRedirect}, "id_token_hint": {ptok.Extra("id_token").(string)}})
	if plo.status != http.StatusSeeOther || plo.location != kcRedirect {
		t.Fatalf("POST logout: %d %q %s", plo.status, plo.location, plo.body)
	}
	// keycloak-js's logout (GET): client_id, post_logout_redirect_uri, id_token_hint
	lo := sb.get(oidcBase + "/logout?" + url.Values{"client_id": {"spa"}, "post_logout_redirect_uri": {kcRedirect}, "id_token_hint": {tok.Extra("id_token").(string)}}.Encode())
	if lo.status != http.StatusSeeOther || lo.location != kcRedirect {
		t.Fatalf("logout: %d %q %s", lo.status, lo.location, lo.body)
	}
	for _, c := range sb.Jar.Cookies(u) {
		if c.Name == KeycloakSessionCookie || c.Name == SessionCookie {
			t.Errorf("cookie %s survived logout", c.Name)
		}
	}
	if _, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err == nil {
		t.Error("the refresh token outlived the logout")
	}

	// token endpoint CORS: credentialed, exact origin, never *
	for origin, want := range map[string]string{kcApp: kcApp, "http://evil.example": ""} {
		req, _ := http.NewRequest(http.MethodPost, oidcBase+"/token", strings.NewReader("grant_type=refresh_token&client_id=spa&refresh_token=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("Origin %s: ACAO %q; want %q", origin, got, want)
		}
		if want != "" && resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("Origin %s: no Access-Control-Allow-Credentials: true", origin)
		}
	}
}
