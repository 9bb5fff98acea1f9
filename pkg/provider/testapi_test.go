package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssokit/ssokit/pkg/config"
)

// admin calls the admin API as the CLI does: JSON in, JSON out.
func (op *testOP) api(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, op.issuer+strings.TrimPrefix(path, "/"), rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (op *testOP) apiOK(t testing.TB, method, path string, body, out any) {
	t.Helper()
	st, b := op.api(t, method, path, body)
	if st/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, st, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
}

// rpFor is a relying party built with go-oidc and x/oauth2 for clientID.
func rpFor(t testing.TB, op *testOP, clientID string) (*gooidc.Provider, *gooidc.IDTokenVerifier, oauth2.Config) {
	t.Helper()
	rp, err := gooidc.NewProvider(context.Background(), op.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return rp, rp.Verifier(&gooidc.Config{ClientID: clientID}), oauth2.Config{ClientID: clientID, Endpoint: rp.Endpoint()}
}

// TestTestAPIMint: minted tokens are verified by go-oidc, carry the extra
// claims, the refresh token really rotates through x/oauth2 and keeps the
// claims, userinfo answers them, and a replay of the rotated refresh
// token is detected.
func TestTestAPIMint(t *testing.T) {
	op := newTestOP(t, nil)
	op.clock.t = time.Now()
	ctx := context.Background()
	var m MintResponse
	op.apiOK(t, "POST", "/_ssokit/tokens", MintRequest{User: "alice", ClientID: "shell", Audience: "orders-api",
		Claims: map[string]any{"roles": []string{"admin"}}, Lifetime: Duration(10 * time.Minute)}, &m)
	if m.AccessToken == "" || m.IDToken == "" || m.RefreshToken == "" || m.SID == "" {
		t.Fatalf("mint response lacks a token: %+v", m)
	}
	if m.ExpiresIn != 600 {
		t.Errorf("expires_in = %d, want 600", m.ExpiresIn)
	}
	rp, verifier, conf := rpFor(t, op, "shell")
	idt, err := verifier.Verify(ctx, m.IDToken)
	if err != nil {
		t.Fatalf("go-oidc rejects the minted ID token: %v", err)
	}
	if err := idt.VerifyAccessToken(m.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var idc struct {
		Email string   `json:"email"`
		Roles []string `json:"roles"`
		SID   string   `json:"sid"`
	}
	_ = idt.Claims(&idc)
	if idc.Email != "alice@example.com" || !slices.Equal(idc.Roles, []string{"admin"}) || idc.SID != m.SID {
		t.Errorf("ID token claims %+v", idc)
	}
	// the access token: RFC 9068, audience as asked, the extra claim
	at, err := rp.VerifierContext(ctx, &gooidc.Config{ClientID: "orders-api"}).Verify(ctx, m.AccessToken)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	var atc map[string]any
	_ = at.Claims(&atc)
	if atc["client_id"] != "shell" || atc["roles"] == nil || at.Expiry.Sub(at.IssuedAt) != 10*time.Minute {
		t.Errorf("access token claims %v", atc)
	}
	ui, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: m.AccessToken}))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var uic map[string]any
	_ = ui.Claims(&uic)
	if uic["roles"] == nil || uic["email"] != "alice@example.com" {
		t.Errorf("userinfo %v", uic)
	}
	// refresh through x/oauth2: a stored, rotating refresh token
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: m.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	rawID, _ := fresh.Extra("id_token").(string)
	idt2, err := verifier.Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("refreshed ID token: %v", err)
	}
	var idc2 struct{ Roles []string }
	_ = idt2.Claims(&idc2)
	if !slices.Equal(idc2.Roles, []string{"admin"}) {
		t.Errorf("refreshed ID token lost the session's claims: %+v", idc2)
	}
	st, body := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {m.RefreshToken}}, nil)
	if st != http.StatusBadRequest || !strings.Contains(body["error_description"].(string), "already rotated") {
		t.Errorf("replayed minted refresh token: %d %v", st, body)
	}
	var sessions []SessionInfo
	op.apiOK(t, "GET", "/_ssokit/sessions", nil, &sessions)
	if len(sessions) != 1 || sessions[0].SID != m.SID || sessions[0].Via != "test API mint" || !slices.Equal(sessions[0].Clients, []string{"shell"}) {
		t.Errorf("sessions %+v", sessions)
	}
}

// TestTestAPIMintExpired: expired tokens are refused by go-oidc for
// expiry (and nothing else), while their refresh token still works.
func TestTestAPIMintExpired(t *testing.T) {
	op := newTestOP(t, nil)
	op.clock.t = time.Now()
	ctx := context.Background()
	var m MintResponse
	op.apiOK(t, "POST", "/_ssokit/tokens", map[string]any{"user": "bob", "lifetime": "5m", "expired": true}, &m)
	if m.ExpiresIn != -60 {
		t.Errorf("expires_in = %d, want -60", m.ExpiresIn)
	}
	rp, verifier, conf := rpFor(t, op, DefaultTestClient)
	_, err := verifier.Verify(ctx, m.IDToken)
	var expired *gooidc.TokenExpiredError
	if err == nil || !errorsAs(err, &expired) {
		t.Fatalf("expired ID token: err = %v, want a TokenExpiredError", err)
	}
	if got := expired.Expiry; got.After(time.Now()) || time.Since(got) > 2*time.Minute {
		t.Errorf("expired at %s", got)
	}
	// signature, issuer and audience are fine: only the expiry fails
	if _, err := rp.Verifier(&gooidc.Config{ClientID: DefaultTestClient, SkipExpiryCheck: true}).Verify(ctx, m.IDToken); err != nil {
		t.Errorf("the expired ID token fails for more than its expiry: %v", err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: m.RefreshToken}).Token(); err != nil {
		t.Errorf("the refresh token of an expired mint must work: %v", err)
	}
}

// TestTestAPIMintClientToken: without a user the token is a
// client_credentials one, for confidential clients only.
func TestTestAPIMintClientToken(t *testing.T) {
	op := newTestOP(t, &config.Config{Clients: []config.Client{
		{ClientID: "bff", Secret: "s3cret", RedirectURIs: []string{"http://localhost:9000/cb"}},
		{ClientID: "spa", RedirectURIs: []string{"http://localhost:5173/cb"}},
	}})
	op.clock.t = time.Now()
	var m MintResponse
	op.apiOK(t, "POST", "/_ssokit/tokens", MintRequest{ClientID: "bff", Audience: "api", Scope: "read:orders", Claims: map[string]any{"permissions": []string{"read:orders"}}}, &m)
	if m.IDToken != "" || m.RefreshToken != "" || m.SID != "" {
		t.Errorf("a client token has no ID or refresh token, no session: %+v", m)
	}
	rp, _, _ := rpFor(t, op, "bff")
	at, err := rp.Verifier(&gooidc.Config{ClientID: "api"}).Verify(context.Background(), m.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	_ = at.Claims(&c)
	if c["sub"] != "bff" || c["scope"] != "read:orders" || c["permissions"] == nil {
		t.Errorf("client token claims %v", c)
	}
	st, b := op.api(t, "POST", "/_ssokit/tokens", MintRequest{ClientID: "spa"})
	if st != http.StatusBadRequest || !strings.Contains(string(b), "needs a confidential client") {
		t.Errorf("client token for a public client: %d %s", st, b)
	}
	st, b = op.api(t, "POST", "/_ssokit/tokens", MintRequest{User: "alice"})
	if st != http.StatusBadRequest || !strings.Contains(string(b), "client_id is missing; registered clients: bff, spa") {
		t.Errorf("no client_id with registered clients: %d %s", st, b)
	}
}

func errorsAs[T any](err error, target *T) bool {
	for err != nil {
		if v, ok := err.(T); ok {
			*target = v
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestTestAPISignIn: the cookies the test API returns carry the attributes
// the login form sets, and a cookie jar holding them is signed in: a
// prompt=none request gets a code at once, and the tokens carry the
// session's claims.
func TestTestAPISignIn(t *testing.T) {
	for _, sameSite := range []string{"lax", "none"} {
		t.Run(sameSite, func(t *testing.T) {
			op := newTestOP(t, &config.Config{Provider: config.Provider{SessionCookie: config.SessionCookie{SameSite: sameSite}}})
			op.clock.t = time.Now()
			// what the login form sets
			b := newBrowser(t)
			const redirect = "http://localhost:5101/callback"
			resp, err := b.Get(op.authURL("shell", redirect, newPKCE(), nil))
			if err != nil {
				t.Fatal(err)
			}
			form := readPage(t, resp)
			action, v := loginForm(t, form)
			v.Set("username", "alice")
			resp, err = b.PostForm(action, v)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			formCookies := map[string]string{}
			for _, sc := range resp.Header.Values("Set-Cookie") {
				name, rest, _ := strings.Cut(sc, "=")
				if name == SessionCookie || name == BrowserStateCookie {
					_, attrs, _ := strings.Cut(rest, ";")
					formCookies[name] = attrs
				}
			}
			var s SignInResponse
			op.apiOK(t, "POST", "/_ssokit/signin", SignInRequest{User: "bob", Claims: map[string]any{"tenant": "acme"}, Issuer: op.issuer}, &s)
			if len(s.SetCookie) != 2 || len(s.StorageState.Cookies) != 2 || s.StorageState.Origins == nil {
				t.Fatalf("signin response %+v", s)
			}
			for _, sc := range s.SetCookie {
				name, rest, _ := strings.Cut(sc, "=")
				_, attrs, _ := strings.Cut(rest, ";")
				if formCookies[name] != attrs {
					t.Errorf("cookie %s: test API sets %q, the login form %q", name, attrs, formCookies[name])
				}
			}
			host, _, _ := strings.Cut(strings.TrimPrefix(op.issuer, "http://"), ":")
			for _, c := range s.StorageState.Cookies {
				if c.Domain != host || c.Path != "/" || c.Secure != (sameSite == "none") || c.HTTPOnly != (c.Name == SessionCookie) ||
					c.SameSite != map[string]string{"lax": "Lax", "none": "None"}[sameSite] || c.Expires < float64(time.Now().Add(11*time.Hour).Unix()) {
					t.Errorf("storageState cookie %+v", c)
				}
			}
			// a fresh browser given those cookies is signed in
			b2 := newBrowser(t)
			u, _ := url.Parse(op.issuer)
			var cks []*http.Cookie
			for _, c := range s.Cookies {
				cks = append(cks, &http.Cookie{Name: c.Name, Value: c.Value})
			}
			b2.Jar.SetCookies(u, cks)
			pk := newPKCE()
			q := callbackParams(t, b2.get(op.authURL("account", "http://localhost:5102/callback", pk, url.Values{"prompt": {"none"}})), "http://localhost:5102/callback")
			if q.Get("code") == "" {
				t.Fatalf("prompt=none with the test API's cookies: %v", q)
			}
			st, tok := op.exchange(t, "account", "http://localhost:5102/callback", q.Get("code"), pk.verifier)
			if st != http.StatusOK {
				t.Fatalf("exchange %d %v", st, tok)
			}
			_, verifier, _ := rpFor(t, op, "account")
			idt, err := verifier.Verify(context.Background(), tok["id_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			var c map[string]any
			_ = idt.Claims(&c)
			if c["sub"] != "bob" || c["tenant"] != "acme" || c["sid"] != s.SID {
				t.Errorf("ID token through the signed-in session: %v", c)
			}
		})
	}
}

// TestTestAPIUsersAndClients: users and clients come and go at run time,
// are listed with where they came from, and reset brings the config back.
func TestTestAPIUsersAndClients(t *testing.T) {
	cfg := &config.Config{
		Users:   []config.User{{Username: "alice", Password: "pw", Claims: map[string]any{"email": "alice@example.com"}}},
		Clients: []config.Client{{ClientID: "shell", RedirectURIs: []string{"http://localhost:5101/callback"}}},
		Faults:  []config.Fault{{Endpoint: "userinfo", Error: "temporarily_unavailable"}},
	}
	op := newTestOP(t, cfg)
	op.apiOK(t, "POST", "/_ssokit/users", UserRequest{Username: "carol", Claims: map[string]any{"email": "carol@example.com"}}, nil)
	op.apiOK(t, "POST", "/_ssokit/clients", ClientRequest{ClientID: "web", RedirectURIs: []string{"http://localhost:5173/callback"}, Tokens: ClientLifetimes{AccessToken: Duration(5 * time.Minute)}}, nil)
	var users []UserInfo
	op.apiOK(t, "GET", "/_ssokit/users", nil, &users)
	if len(users) != 2 || users[0].Username != "alice" || !users[0].PasswordSet || users[0].Source != SourceConfig || users[0].Claims["email"] != "alice@example.com" || users[1].Source != SourceRuntime {
		t.Errorf("users %+v", users)
	}
	var clients []ClientInfo
	op.apiOK(t, "GET", "/_ssokit/clients", nil, &clients)
	if len(clients) != 2 || clients[1].ClientID != "web" || clients[1].Source != SourceRuntime || time.Duration(clients[1].Tokens.AccessToken) != 5*time.Minute {
		t.Errorf("clients %+v", clients)
	}
	// the new client works at /authorize, with its lifetime
	var m MintResponse
	op.apiOK(t, "POST", "/_ssokit/tokens", MintRequest{User: "carol", ClientID: "web"}, &m)
	if m.ExpiresIn != 300 {
		t.Errorf("web's access tokens live 5m; expires_in %d", m.ExpiresIn)
	}
	b := newBrowser(t)
	if p := b.get(op.authURL("web", "http://localhost:5173/callback", newPKCE(), nil)); p.status != http.StatusOK {
		t.Errorf("authorize for the runtime client: %d %s", p.status, p.body)
	}
	// removing a configured client and user
	var gone map[string]any
	op.apiOK(t, "DELETE", "/_ssokit/clients/shell", nil, nil)
	if p := b.get(op.authURL("shell", "http://localhost:5101/callback", newPKCE(), nil)); p.status != http.StatusBadRequest {
		t.Errorf("authorize for a removed client: %d", p.status)
	}
	op.apiOK(t, "DELETE", "/_ssokit/users/carol", nil, &gone)
	if gone["sessions_ended"] != 1.0 {
		t.Errorf("removing carol ends her minted session: %v", gone)
	}
	if st, body := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"web"}, "refresh_token": {m.RefreshToken}}, nil); st != http.StatusBadRequest {
		t.Errorf("refresh of a removed user's session: %d %v", st, body)
	}
	op.apiOK(t, "POST", "/_ssokit/faults", map[string]any{"endpoint": "token", "error": "temporarily_unavailable"}, nil)
	var res ResetResult
	op.apiOK(t, "POST", "/_ssokit/reset", nil, &res)
	if res != (ResetResult{Users: 1, Clients: 1, Faults: 1}) {
		t.Errorf("reset %+v", res)
	}
	op.apiOK(t, "GET", "/_ssokit/users", nil, &users)
	op.apiOK(t, "GET", "/_ssokit/clients", nil, &clients)
	if len(users) != 1 || users[0].Username != "alice" || len(clients) != 1 || clients[0].ClientID != "shell" {
		t.Errorf("after reset: users %+v clients %+v", users, clients)
	}
	var faults []activeFault
	op.apiOK(t, "GET", "/_ssokit/faults", nil, &faults)
	if len(faults) != 1 || !faults[0].FromFile {
		t.Errorf("after reset only the configured fault stays: %+v", faults)
	}
	// a config reload keeps runtime users; reset drops them
	op.apiOK(t, "POST", "/_ssokit/users", UserRequest{Username: "dave"}, nil)
	if err := op.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if _, ok := op.reg.Load().user("dave"); !ok {
		t.Error("a reload dropped the runtime user")
	}
}

// TestTestAPIZeroConfigStaysOpen: adding a client to a zero-config
// provider does not turn every other client away.
func TestTestAPIZeroConfigStaysOpen(t *testing.T) {
	op := newTestOP(t, nil)
	op.apiOK(t, "POST", "/_ssokit/clients", ClientRequest{ClientID: "strict", RedirectURIs: []string{"http://localhost:7000/cb"}}, nil)
	b := newBrowser(t)
	if p := b.get(op.authURL("anything", "http://localhost:5101/callback", newPKCE(), nil)); p.status != http.StatusOK {
		t.Errorf("zero-config client after adding one: %d", p.status)
	}
	if p := b.get(op.authURL("strict", "http://localhost:5101/callback", newPKCE(), nil)); p.status != http.StatusBadRequest {
		t.Errorf("the added client keeps its exact redirect URIs: %d", p.status)
	}
	var users []UserInfo
	op.apiOK(t, "POST", "/_ssokit/users", UserRequest{Username: "carol"}, nil)
	op.apiOK(t, "GET", "/_ssokit/users", nil, &users)
	if len(users) != 3 || users[0].Source != SourceDefault || users[2].Username != "carol" {
		t.Errorf("the default users stay beside an added one: %+v", users)
	}
}

// TestTestAPIReset: every session and token from before a reset is gone.
func TestTestAPIReset(t *testing.T) {
	op := newTestOP(t, nil)
	var m MintResponse
	op.apiOK(t, "POST", "/_ssokit/tokens", MintRequest{User: "alice"}, &m)
	op.apiOK(t, "POST", "/_ssokit/signin", SignInRequest{User: "bob"}, nil)
	var res ResetResult
	op.apiOK(t, "POST", "/_ssokit/reset", nil, &res)
	if res.SessionsEnded != 2 {
		t.Errorf("reset %+v", res)
	}
	var sessions []SessionInfo
	op.apiOK(t, "GET", "/_ssokit/sessions", nil, &sessions)
	if len(sessions) != 0 {
		t.Errorf("sessions after reset: %+v", sessions)
	}
	if st, _ := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultTestClient}, "refresh_token": {m.RefreshToken}}, nil); st != http.StatusBadRequest {
		t.Errorf("refresh after reset: %d", st)
	}
	req, _ := http.NewRequest("GET", op.issuer+"userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+m.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an access token from before the reset at userinfo: %d", resp.StatusCode)
	}
}

// TestTestAPISessions: one session ends by sid, with its refresh tokens.
func TestTestAPISessions(t *testing.T) {
	op := newTestOP(t, nil)
	var a, b SignInResponse
	op.apiOK(t, "POST", "/_ssokit/signin", SignInRequest{User: "alice"}, &a)
	op.apiOK(t, "POST", "/_ssokit/signin", SignInRequest{User: "bob", Claims: map[string]any{"x": 1}}, &b)
	var m MintResponse
	op.apiOK(t, "POST", "/_ssokit/tokens", MintRequest{SID: b.SID}, &m)
	if m.SID != b.SID {
		t.Errorf("mint through a session: sid %s, want %s", m.SID, b.SID)
	}
	op.apiOK(t, "DELETE", "/_ssokit/sessions/"+b.SID, nil, nil)
	var sessions []SessionInfo
	op.apiOK(t, "GET", "/_ssokit/sessions", nil, &sessions)
	if len(sessions) != 1 || sessions[0].SID != a.SID || sessions[0].User != "alice" || sessions[0].Via != "test API" {
		t.Errorf("sessions %+v", sessions)
	}
	if st, _ := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultTestClient}, "refresh_token": {m.RefreshToken}}, nil); st != http.StatusBadRequest {
		t.Errorf("refresh of an ended session: %d", st)
	}
	if st, body := op.api(t, "DELETE", "/_ssokit/sessions/"+b.SID, nil); st != http.StatusNotFound {
		t.Errorf("ending it twice: %d %s", st, body)
	}
	op.apiOK(t, "DELETE", "/_ssokit/sessions", nil, nil)
	op.apiOK(t, "GET", "/_ssokit/sessions", nil, &sessions)
	if len(sessions) != 0 {
		t.Errorf("after ending all: %+v", sessions)
	}
}

// TestTestAPIBadInput: every bad call gets a clear JSON error and changes
// nothing.
func TestTestAPIBadInput(t *testing.T) {
	op := newTestOP(t, &config.Config{Clients: []config.Client{{ClientID: "shell", RedirectURIs: []string{"http://localhost:5101/cb"}}}})
	cases := []struct {
		method, path string
		body         any
		status       int
		want         string
	}{
		{"POST", "/_ssokit/signin", SignInRequest{User: "mallory"}, 400, `user \"mallory\" does not exist; users: alice, bob`},
		{"POST", "/_ssokit/signin", SignInRequest{User: "alice", Issuer: "http://other.test/"}, 400, `is not this provider's`},
		{"POST", "/_ssokit/signin", map[string]any{"user": "alice", "claims": "admin"}, 400, `cannot unmarshal string into Go struct field SignInRequest.claims`},
		{"POST", "/_ssokit/signin", map[string]any{"usr": "alice"}, 400, `unknown field \"usr\"; e.g. {\"user\"`},
		{"POST", "/_ssokit/signin", SignInRequest{User: "alice", Claims: map[string]any{"sub": "root", "iss": "x"}}, 400, `claims \"iss\", \"sub\" are set by the provider`},
		{"POST", "/_ssokit/signin", nil, 400, `the body is not the expected JSON: EOF`},
		{"POST", "/_ssokit/tokens", MintRequest{User: "alice", ClientID: "nope"}, 400, `client \"nope\" is not registered; registered: shell`},
		{"POST", "/_ssokit/tokens", map[string]any{"user": "alice", "client_id": "shell", "lifetime": "forever"}, 400, `duration \"forever\": use e.g. 30s`},
		{"POST", "/_ssokit/tokens", map[string]any{"user": "alice", "client_id": "shell", "lifetime": "9000h"}, 400, `lifetime 9000h0m0s is out of range`},
		{"POST", "/_ssokit/tokens", MintRequest{User: "alice", ClientID: "shell", SID: "nope"}, 400, `session \"nope\" does not exist`},
		{"POST", "/_ssokit/users", UserRequest{}, 400, `username is missing`},
		{"POST", "/_ssokit/users", UserRequest{Username: "a\nb"}, 400, `contains a control character`},
		{"POST", "/_ssokit/clients", ClientRequest{ClientID: "web"}, 400, `client web: redirect_uris: public client \"web\" needs at least one redirect_uri`},
		{"POST", "/_ssokit/clients", ClientRequest{ClientID: "web", RedirectURIs: []string{"/cb#x"}}, 400, `redirect_uris[0]: \"/cb#x\" is not an absolute URL`},
		{"POST", "/_ssokit/clients", map[string]any{"client_id": "web", "redirect_uris": []string{"http://localhost:1/cb"}, "tokens": map[string]any{"access_token": "-1m", "refresh_reuse_interval": "1h"}}, 400, `tokens.access_token: -1m0s is negative`},
		{"POST", "/_ssokit/clients", map[string]any{"client_id": "web", "redirect_uris": []string{"http://localhost:1/cb"}, "tokens": map[string]any{"refresh_reuse_interval": "1h"}}, 400, `tokens.refresh_reuse_interval: 1h0m0s is longer than 5m0s`},
		{"DELETE", "/_ssokit/users/mallory", nil, 404, `user \"mallory\" does not exist`},
		{"DELETE", "/_ssokit/clients/nope", nil, 404, `client \"nope\" is not registered; registered: shell`},
		{"GET", "/_ssokit/signin", nil, 405, `GET /_ssokit/signin is not allowed; use POST`},
		{"PUT", "/_ssokit/users", nil, 405, `use GET or POST`},
		{"DELETE", "/_ssokit/reset/x", nil, 404, `no admin endpoint`},
	}
	for _, c := range cases {
		st, b := op.api(t, c.method, c.path, c.body)
		if st != c.status || !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s %v: %d %s\nwant %d containing %s", c.method, c.path, c.body, st, b, c.status, c.want)
		}
		var e map[string]string
		if json.Unmarshal(b, &e) != nil || e["error"] == "" {
			t.Errorf("%s %s: not a JSON error: %s", c.method, c.path, b)
		}
	}
	// a body over the limit
	big := map[string]any{"user": "alice", "claims": map[string]any{"x": strings.Repeat("a", MaxTestAPIBody)}}
	if st, b := op.api(t, "POST", "/_ssokit/signin", big); st != 400 || !strings.Contains(string(b), "over 65536 bytes") {
		t.Errorf("big body: %d %s", st, b)
	}
	// nothing changed
	if n := len(op.Sessions()); n != 0 {
		t.Errorf("%d sessions after bad calls", n)
	}
	if u, c := len(op.Users()), len(op.Clients()); u != 2 || c != 1 {
		t.Errorf("users %d clients %d after bad calls", u, c)
	}
}

// TestTestAPIForgeryAndRemote: a cross-site form (no JSON type, no admin
// header) and a non-loopback peer change nothing; a foreign Host is refused.
func TestTestAPIForgeryAndRemote(t *testing.T) {
	op := newTestOP(t, nil)
	for _, path := range []string{"signin", "tokens", "users", "clients", "reset"} {
		resp, err := http.Post(op.issuer+"_ssokit/"+path, "text/plain", strings.NewReader(`{"user":"alice","username":"eve","client_id":"x","redirect_uris":["http://localhost/"]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("cross-site text/plain POST /_ssokit/%s: %d", path, resp.StatusCode)
		}
		req := httptest.NewRequest("POST", op.issuer+"_ssokit/"+path, strings.NewReader(`{"user":"alice"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "192.0.2.7:4000"
		w := httptest.NewRecorder()
		op.ServeHTTP(w, req)
		if w.Code != http.StatusForbidden {
			t.Errorf("non-loopback POST /_ssokit/%s: %d", path, w.Code)
		}
		req = httptest.NewRequest("POST", "http://evil.test/_ssokit/"+path, strings.NewReader(`{"user":"alice"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "127.0.0.1:4000"
		w = httptest.NewRecorder()
		op.ServeHTTP(w, req)
		if w.Code != http.StatusMisdirectedRequest && w.Code != http.StatusForbidden && w.Code != http.StatusBadRequest {
			t.Errorf("rebinding Host POST /_ssokit/%s: %d", path, w.Code)
		}
	}
	if len(op.Sessions()) != 0 || len(op.Users()) != 2 || len(op.Clients()) != 0 {
		t.Error("a refused call changed something")
	}
	// the admin header alone is enough (non-JSON tools)
	req, _ := http.NewRequest("POST", op.issuer+"_ssokit/reset", nil)
	req.Header.Set(AdminHeader, "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("reset with %s: %d", AdminHeader, resp.StatusCode)
	}
}

// TestTestAPIBounds: runtime users are capped.
func TestTestAPIBounds(t *testing.T) {
	op := newTestOP(t, nil)
	if err := op.PutUser(UserRequest{Username: "user0"}); err != nil {
		t.Fatal(err)
	}
	op.over.mu.Lock()
	for i := 1; i < MaxRuntimeUsers; i++ { // filled directly: a thousand calls would only slow the suite
		op.over.users = append(op.over.users, config.User{Username: "user" + strconv.Itoa(i)})
	}
	op.over.mu.Unlock()
	err := op.PutUser(UserRequest{Username: "one-too-many"})
	if err == nil || !strings.Contains(err.Error(), "the limit") {
		t.Errorf("user beyond the limit: %v", err)
	}
	if err := op.PutUser(UserRequest{Username: "user7", Password: "replaced"}); err != nil {
		t.Errorf("replacing a user at the limit: %v", err)
	}
	claims := map[string]any{}
	for i := range MaxClaims + 1 {
		claims["c"+strconv.Itoa(i)] = i
	}
	if _, err := op.SignIn(SignInRequest{User: "alice", Claims: claims}); err == nil || !strings.Contains(err.Error(), "the limit is 100") {
		t.Errorf("too many claims: %v", err)
	}
}
