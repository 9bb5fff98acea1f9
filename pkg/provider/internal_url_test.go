package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// dialOnly is an HTTP client that reaches the provider's listener under
// one name only, as a container sees the network: inside the app's
// container "ssokit:9400" is the provider and localhost is the container
// itself; on the host the browser knows localhost and no "ssokit".
func dialOnly(t *testing.T, name, target string) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != name {
			return nil, fmt.Errorf("test network: %s is not reachable from here (only %s is)", addr, name)
		}
		return (&net.Dialer{}).DialContext(ctx, network, target)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestInternalURLContainerSplit is the docker compose setup: the browser
// signs in at the public issuer http://localhost:PORT/, a server-side app
// in another container uses http://ssokit:9400/ for discovery, token, JWKS
// and userinfo, with coreos/go-oidc + x/oauth2 as a real app would, and
// every token carries the public issuer.
func TestInternalURLContainerSplit(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	target := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(target)
	public := "http://localhost:" + port + "/"
	const internal = "http://ssokit:9400/"
	p, err := New(Options{Issuer: public, Keys: testKeys(), Now: time.Now, InternalURLs: []string{internal}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(func() { srv.Close(); p.Close() })

	app := dialOnly(t, "ssokit:9400", target)            // the app's container
	browserNet := dialOnly(t, "localhost:"+port, target) // the developer's browser
	appCtx := gooidc.ClientContext(context.Background(), app)

	// go-oidc refuses, rightly, a discovery whose issuer is not the URL it
	// fetched; the app states the issuer it expects instead.
	if _, err := gooidc.NewProvider(appCtx, internal); err == nil || !strings.Contains(err.Error(), "did not match the issuer URL returned by provider") {
		t.Fatalf("plain NewProvider on the internal URL: %v (want go-oidc's issuer mismatch)", err)
	}
	rp, err := gooidc.NewProvider(gooidc.InsecureIssuerURLContext(appCtx, public), internal)
	if err != nil {
		t.Fatalf("discovery through the internal URL: %v", err)
	}
	var doc oidc.Discovery
	if err := rp.Claims(&doc); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"token": doc.TokenEndpoint, "jwks_uri": doc.JWKSURI, "userinfo": doc.UserinfoEndpoint, "revocation": doc.RevocationEndpoint, "introspection": doc.IntrospectionEndpoint} {
		if !strings.HasPrefix(got, internal) {
			t.Errorf("%s endpoint %q, want it on %s (the app reaches only that)", name, got, internal)
		}
	}
	for name, got := range map[string]string{"issuer": doc.Issuer, "authorization": doc.AuthorizationEndpoint, "end_session": doc.EndSessionEndpoint, "check_session": doc.CheckSessionIframe} {
		if !strings.HasPrefix(got, public) {
			t.Errorf("%s %q, want it on the public %s (the browser goes there)", name, got, public)
		}
	}

	const redirect = "http://localhost:5101/callback"
	conf := oauth2.Config{ClientID: "shell", Endpoint: rp.Endpoint(), RedirectURL: redirect, Scopes: []string{gooidc.ScopeOpenID, "email"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s1", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n1"))

	jar, _ := cookiejar.New(nil)
	browserNet.Jar = jar
	browserNet.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b := &browser{Client: browserNet, t: t}
	q := callbackParams(t, b.signIn(b.get(authURL), "alice", "x"), redirect)
	if q.Get("iss") != public {
		t.Errorf("authorization response iss %q, want %q", q.Get("iss"), public)
	}
	tok, err := conf.Exchange(appCtx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange through the internal URL: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := rp.Verifier(&gooidc.Config{ClientID: "shell"}).Verify(appCtx, rawID)
	if err != nil {
		t.Fatalf("ID token verified with keys fetched through the internal URL: %v", err)
	}
	if idt.Issuer != public || idt.Subject != "alice" {
		t.Errorf("ID token iss %q sub %q, want iss %q (tokens always carry the public issuer)", idt.Issuer, idt.Subject, public)
	}
	ui, err := rp.UserInfo(appCtx, oauth2.StaticTokenSource(tok))
	if err != nil || ui.Email != "alice@example.com" {
		t.Fatalf("userinfo through the internal URL: %+v, %v", ui, err)
	}

	// The browser's own discovery is untouched, and the internal answer
	// is marked as depending on Host for shared caches.
	for host, wantToken := range map[string]string{"localhost:" + port: public, "ssokit:9400": internal, "SSOKIT:9400": internal} {
		req := httptest.NewRequest(http.MethodGet, "/.well-known/openid-configuration", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		var d oidc.Discovery
		if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || d.Issuer != public || !strings.HasPrefix(d.TokenEndpoint, wantToken) {
			t.Errorf("Host %s: %d issuer %q token %q (want issuer %s, token on %s)", host, rec.Code, d.Issuer, d.TokenEndpoint, public, wantToken)
		}
		if vary := rec.Header().Get("Vary"); (wantToken == internal) != (vary == "Host") {
			t.Errorf("Host %s: Vary %q", host, vary)
		}
	}
	// another name is still refused (DNS rebinding)
	req := httptest.NewRequest(http.MethodGet, "/.well-known/openid-configuration", nil)
	req.Host = "evil.example:9400"
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code < 400 {
		t.Errorf("Host evil.example:9400 answered %d; only the issuer's, internal and loopback hosts are served", rec.Code)
	}
}

func TestInternalURLBadInput(t *testing.T) {
	for raw, want := range map[string]string{
		"ssokit:9400":                 "not an http(s) URL",
		"ftp://ssokit:9400/":          "not an http(s) URL",
		"http://user@ssokit:9400/":    "not an http(s) URL",
		"http://ssokit:9400/auth/":    "issuer's path",
		"http://ssokit:9400/?x=1":     "no query",
		"http://LOCALHOST:9400/":      "the issuer's own host",
		"http:///no-host":             "not an http(s) URL",
		"http://ssokit:9400/#section": "no query or fragment",
	} {
		_, err := New(Options{Issuer: config.DefaultIssuer, Keys: testKeys(), InternalURLs: []string{raw}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("internal URL %q: %v, want an error containing %q", raw, err, want)
		}
	}
	if _, err := New(Options{Issuer: "http://localhost:9400/auth/", Keys: testKeys(), InternalURLs: []string{"http://ssokit:9400/auth/"}}); err != nil {
		t.Errorf("an internal URL with the issuer's path: %v", err)
	}
}
