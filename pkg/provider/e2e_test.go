package provider

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestRelyingPartyLibraries runs the whole authorization code flow with
// coreos/go-oidc and golang.org/x/oauth2, libraries nobody here wrote:
// discovery, PKCE through the real login form, ID token verification
// against the JWKS, nonce, userinfo and refresh.
func TestRelyingPartyLibraries(t *testing.T) {
	op := newTestOP(t, nil)
	op.clock.t = time.Now() // go-oidc checks exp against the real clock
	ctx := context.Background()

	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	const redirect = "http://localhost:5101/callback"
	conf := oauth2.Config{
		ClientID: "shell", Endpoint: rp.Endpoint(), RedirectURL: redirect,
		Scopes: []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("nonce-1"))

	b := newBrowser(t)
	form := b.get(authURL)
	if form.status != http.StatusOK || form.header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("login form: status %d, X-Frame-Options %q", form.status, form.header.Get("X-Frame-Options"))
	}
	q := callbackParams(t, b.signIn(form, "alice", "anything"), redirect)
	if q.Get("state") != "state-1" || q.Get("iss") != op.issuer {
		t.Fatalf("callback state=%q iss=%q", q.Get("state"), q.Get("iss"))
	}
	if q.Get("session_state") == "" {
		t.Error("no session_state in the authorization response")
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := rp.Verifier(&gooidc.Config{ClientID: "shell"}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var claims struct {
		Nonce, Email, Name, Sid string
		AuthTime                int64 `json:"auth_time"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "alice" || claims.Nonce != "nonce-1" || claims.Email != "alice@example.com" || claims.Name != "Alice Doe" || claims.Sid == "" || claims.AuthTime == 0 {
		t.Errorf("ID token: sub %q claims %+v", idt.Subject, claims)
	}
	ui, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if ui.Subject != "alice" || ui.Email != "alice@example.com" {
		t.Errorf("userinfo: %+v", ui)
	}
	// refresh: an expired token makes x/oauth2 use the refresh token
	stale := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	fresh, err := conf.TokenSource(ctx, stale).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh token was not rotated")
	}
	newID, _ := fresh.Extra("id_token").(string)
	if _, err := rp.Verifier(&gooidc.Config{ClientID: "shell"}).Verify(ctx, newID); err != nil {
		t.Errorf("refreshed ID token: %v", err)
	}
}

// TestSingleSignOn is the reason ssokit exists: client A signs in with the
// form; client B then gets tokens with prompt=none and no form, for the
// same user in the same session.
func TestSingleSignOn(t *testing.T) {
	op := newTestOP(t, nil)
	ctx := context.Background()
	rp, err := gooidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	sign := func(clientID, redirect string, extra url.Values, login bool) *gooidc.IDToken {
		t.Helper()
		pk := newPKCE()
		pg := b.get(op.authURL(clientID, redirect, pk, extra))
		if login {
			pg = b.signIn(pg, "bob", "")
		}
		q := callbackParams(t, pg, redirect)
		if q.Get("error") != "" {
			t.Fatalf("%s: %s: %s", clientID, q.Get("error"), q.Get("error_description"))
		}
		status, tok := op.exchange(t, clientID, redirect, q.Get("code"), pk.verifier)
		if status != http.StatusOK {
			t.Fatalf("%s exchange: %d %v", clientID, status, tok)
		}
		v := rp.Verifier(&gooidc.Config{ClientID: clientID, Now: op.clock.Now})
		idt, err := v.Verify(ctx, tok["id_token"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return idt
	}
	a := sign("shell", "http://localhost:5101/callback", nil, true)
	bt := sign("account", "http://localhost:5102/callback", url.Values{"prompt": {"none"}}, false)
	var ca, cb struct{ Sid string }
	_ = a.Claims(&ca)
	_ = bt.Claims(&cb)
	if a.Subject != "bob" || bt.Subject != a.Subject || ca.Sid == "" || cb.Sid != ca.Sid {
		t.Fatalf("SSO: A sub %q sid %q, B sub %q sid %q", a.Subject, ca.Sid, bt.Subject, cb.Sid)
	}
	if !strings.Contains(strings.Join(bt.Audience, " "), "account") {
		t.Errorf("B's ID token audience %v", bt.Audience)
	}
}
