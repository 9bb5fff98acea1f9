package provider

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/golden"
)

// TestDiscoveryGolden pins the discovery document: every endpoint and
// capability clients read from it.
func TestDiscoveryGolden(t *testing.T) {
	p, err := New(Options{Issuer: "http://localhost:9400/", Keys: testKeys()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost:9400"+PathDiscovery, nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("discovery: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	golden.Equal(t, filepath.Join("testdata", "discovery.golden.json"), rec.Body.Bytes())
}

// TestIssuerForms: iss equals discovery's issuer exactly, with or without
// the trailing slash, and under a path (provider mounted at /auth).
func TestIssuerForms(t *testing.T) {
	for _, iss := range []string{"http://localhost:9400/", "http://localhost:9400", "http://localhost:9000/auth/"} {
		p, err := New(Options{Issuer: iss, Keys: testKeys()})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if p.Issuer() != iss || !bytes.Contains(p.discovery, []byte(`"issuer": "`+iss+`"`)) {
			t.Errorf("issuer %q: discovery %s", iss, p.discovery)
		}
	}
	for _, bad := range []string{"localhost:9400", "ftp://x/", "http://localhost:9400/?a=b"} {
		if _, err := New(Options{Issuer: bad, Keys: testKeys()}); err == nil {
			t.Errorf("issuer %q accepted", bad)
		}
	}
}

// TestSweeperBoundsMemory: expired sessions, interactions, codes and
// refresh tokens are dropped.
func TestSweeperBoundsMemory(t *testing.T) {
	op := newTestOP(t, nil)
	const cb = "http://localhost:5101/cb"
	for range 20 {
		b := newBrowser(t)
		pk := newPKCE()
		q := callbackParams(t, b.signIn(b.get(op.authURL("shell", cb, pk, nil)), "alice", ""), cb)
		op.exchange(t, "shell", cb, q.Get("code"), pk.verifier)
		newBrowser(t).get(op.authURL("shell", cb, newPKCE(), nil)) // a form left unanswered
	}
	before := op.store.counts()
	if before["sessions"] != 20 || before["interactions"] != 20 || before["refresh_tokens"] != 20 {
		t.Fatalf("before: %v", before)
	}
	op.clock.Advance(DefaultRefreshTokenTTL + time.Hour)
	op.store.sweep(op.clock.Now())
	for k, n := range op.store.counts() {
		if n != 0 {
			t.Errorf("%s: %d left after expiry", k, n)
		}
	}
}

// TestZeroConfigRedirects: any client_id, loopback redirect URIs only.
func TestZeroConfigRedirects(t *testing.T) {
	reg, _ := newRegistry(&config.Config{})
	c, _ := reg.lookup("anything")
	for uri, ok := range map[string]bool{
		"http://localhost:5173/cb": true, "http://app.localhost:3000/": true, "http://127.0.0.1:8080/x": true,
		"http://[::1]:1/": true, "https://localhost/cb": true,
		"http://example.com/cb": false, "http://localhost.evil.com/": false, "http://localhost:1/#f": false,
		"javascript:alert(1)": false, "http://user@localhost/": false, "//localhost/cb": false,
	} {
		if got := reg.redirectAllowed(c, uri); got != ok {
			t.Errorf("%s: allowed=%v, want %v", uri, got, ok)
		}
	}
}

func TestBannerUsersAndAutoLogin(t *testing.T) {
	// with passwords configured, only configured users exist
	if _, err := New(Options{Issuer: "http://localhost:9400/", Config: registeredConfig(), Keys: testKeys(), AutoLogin: "carol"}); err == nil || !strings.Contains(err.Error(), "not a known user") {
		t.Fatalf("unknown auto-login user with passwords configured: %v", err)
	}
	// without, any username is a user made on the fly; a malformed one is not
	if _, err := New(Options{Issuer: "http://localhost:9400/", Keys: testKeys(), AutoLogin: "no such user!"}); err == nil || !strings.Contains(err.Error(), "is not a username") {
		t.Fatalf("malformed auto-login name: %v", err)
	}
	op := newTestOP(t, nil, func(o *Options) { o.AutoLogin = "bob" })
	const cb = "http://localhost:5101/cb"
	b := newBrowser(t)
	q := callbackParams(t, b.get(op.authURL("shell", cb, newPKCE(), nil)), cb)
	if q.Get("code") == "" {
		t.Fatalf("auto-login did not answer with a code: %v", q)
	}
	// prompt=none without a session still says login_required
	q = callbackParams(t, newBrowser(t).get(op.authURL("shell", cb, newPKCE(), map[string][]string{"prompt": {"none"}})), cb)
	if q.Get("error") != "login_required" {
		t.Fatalf("prompt=none with auto-login and no session: %v", q)
	}
}
