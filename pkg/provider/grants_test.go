package provider

import (
	"github.com/ssokit/ssokit/pkg/config"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// introspect asks the provider about a token as the confidential bff client.
func (op *testOP) introspect(t testing.TB, tok string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, op.issuer+"introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("bff", "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := decodeJSON(resp.Body, &m); err != nil {
		t.Fatal(err)
	}
	return m["active"] == true
}

// userinfoOK reports whether userinfo accepts the access token.
func (op *testOP) userinfoOK(t testing.TB, at string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, op.issuer+"userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// raceCall runs n identical token requests released at once and returns
// the successful responses and how many failed.
func raceCall(t *testing.T, op *testOP, n int, v url.Values, mod func(*http.Request)) (ok []map[string]any, failed int) {
	t.Helper()
	var (
		mu    sync.Mutex
		start = make(chan struct{})
		wg    sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			<-start
			st, m := op.tokenCall(t, v, mod)
			mu.Lock()
			defer mu.Unlock()
			if st == http.StatusOK {
				ok = append(ok, m)
			} else {
				failed++
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, failed
}

// assertAllRevoked: every access and refresh token in resps is refused by
// introspection, userinfo and the token endpoint.
func assertAllRevoked(t *testing.T, op *testOP, trial int, resps []map[string]any, refresh url.Values, mod func(*http.Request)) {
	t.Helper()
	for _, m := range resps {
		at, _ := m["access_token"].(string)
		rt, _ := m["refresh_token"].(string)
		if op.introspect(t, at) {
			t.Errorf("trial %d: the race winner's access token is still active at introspection", trial)
		}
		if op.userinfoOK(t, at) {
			t.Errorf("trial %d: the race winner's access token still works at userinfo", trial)
		}
		if rt == "" {
			continue
		}
		if op.introspect(t, rt) {
			t.Errorf("trial %d: the race winner's refresh token is still active at introspection", trial)
		}
		v := url.Values{}
		for k, vs := range refresh {
			v[k] = vs
		}
		v.Set("refresh_token", rt)
		if st, _ := op.tokenCall(t, v, mod); st == http.StatusOK {
			t.Errorf("trial %d: the race winner's refresh token still refreshes", trial)
		}
	}
}

// TestRacingCodeExchange: the same code sent by many requests at once. At
// most one wins; the others detect the replay, and afterwards nothing the
// code issued is valid (RFC 6749 §4.1.2, RFC 9700 §4.14). Run with -race.
func TestRacingCodeExchange(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	const cb = "http://localhost:9000/bff/cb"
	basic := func(r *http.Request) { r.SetBasicAuth("bff", "s3cret") }
	for trial := range 15 {
		b := newBrowser(t)
		pk := newPKCE()
		q := callbackParams(t, b.signIn(b.get(op.authURL("bff", cb, pk, nil)), "alice", "alice-pw"), cb)
		ok, failed := raceCall(t, op, 8, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
			"redirect_uri": {cb}, "code_verifier": {pk.verifier}}, basic)
		if len(ok) > 1 || failed < 7 {
			t.Fatalf("trial %d: %d requests succeeded with one code, want at most 1", trial, len(ok))
		}
		assertAllRevoked(t, op, trial, ok, url.Values{"grant_type": {"refresh_token"}}, basic)
	}
}

// TestRacingRefresh: the same refresh token sent by many requests at once
// revokes the family, including what the winner received.
func TestRacingRefresh(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	const cb = "http://localhost:9000/shell/callback"
	for trial := range 15 {
		b := newBrowser(t)
		pk := newPKCE()
		q := callbackParams(t, b.signIn(b.get(op.authURL("shell", cb, pk, nil)), "alice", "alice-pw"), cb)
		st, first := op.exchange(t, "shell", cb, q.Get("code"), pk.verifier)
		if st != http.StatusOK {
			t.Fatalf("exchange: %d %v", st, first)
		}
		rv := url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}}
		v := url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {first["refresh_token"].(string)}}
		ok, _ := raceCall(t, op, 8, v, nil)
		if len(ok) > 1 {
			t.Fatalf("trial %d: %d refreshes succeeded with one refresh token, want at most 1", trial, len(ok))
		}
		// the code's own access token belongs to the family too
		assertAllRevoked(t, op, trial, append(ok, map[string]any{"access_token": first["access_token"]}), rv, nil)
	}
}

// TestFailedAttemptsDoNotBurnGrants: a request from the wrong client, with
// the wrong PKCE verifier or without the redirect_uri changes nothing; the
// owner's request still succeeds, and the code stays single-use.
func TestFailedAttemptsDoNotBurnGrants(t *testing.T) {
	cfg := registeredConfig()
	cfg.Clients = append(cfg.Clients, config.Client{ClientID: "other", RedirectURIs: []string{"http://localhost:9000/other/cb"}})
	op := newTestOP(t, cfg)
	const cb = "http://localhost:9000/shell/callback"
	b := newBrowser(t)
	pk := newPKCE()
	q := callbackParams(t, b.signIn(b.get(op.authURL("shell", cb, pk, nil)), "alice", "alice-pw"), cb)
	code := q.Get("code")
	exch := func(mod func(url.Values)) (int, map[string]any) {
		v := url.Values{"grant_type": {"authorization_code"}, "client_id": {"shell"}, "redirect_uri": {cb}, "code": {code}, "code_verifier": {pk.verifier}}
		mod(v)
		return op.tokenCall(t, v, nil)
	}
	for name, mod := range map[string]func(url.Values){
		"another client":      func(v url.Values) { v.Set("client_id", "other") },
		"wrong PKCE verifier": func(v url.Values) { v.Set("code_verifier", newPKCE().verifier) },
		"no redirect_uri":     func(v url.Values) { v.Del("redirect_uri") },
		"wrong redirect_uri":  func(v url.Values) { v.Set("redirect_uri", cb+"x") },
	} {
		if st, m := exch(mod); st == http.StatusOK {
			t.Fatalf("%s: exchange succeeded: %v", name, m)
		} else if name == "no redirect_uri" && !strings.Contains(m["error_description"].(string), "RFC 6749 §4.1.3") {
			t.Errorf("%s: %v", name, m)
		}
	}
	st, tok := exch(func(url.Values) {})
	if st != http.StatusOK {
		t.Fatalf("the owner's exchange after failed attempts: %d %v", st, tok)
	}
	if st, _ := exch(func(url.Values) {}); st == http.StatusOK {
		t.Fatal("the code was accepted twice")
	}

	// a confidential client's code survives a wrong secret
	const bffCB = "http://localhost:9000/bff/cb"
	pk3 := newPKCE()
	q3 := callbackParams(t, b.get(op.authURL("bff", bffCB, pk3, nil)), bffCB)
	bv := url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {bffCB}, "code": {q3.Get("code")}, "code_verifier": {pk3.verifier}}
	if st, _ := op.tokenCall(t, bv, func(r *http.Request) { r.SetBasicAuth("bff", "wrong") }); st != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d, want 401", st)
	}
	if st, m := op.tokenCall(t, bv, func(r *http.Request) { r.SetBasicAuth("bff", "s3cret") }); st != http.StatusOK {
		t.Fatalf("bff's exchange after a wrong secret: %d %v", st, m)
	}

	// refresh: the wrong client changes nothing; the owner still rotates
	b2 := newBrowser(t)
	pk2 := newPKCE()
	q2 := callbackParams(t, b2.signIn(b2.get(op.authURL("shell", cb, pk2, nil)), "alice", "alice-pw"), cb)
	_, tok2 := op.exchange(t, "shell", cb, q2.Get("code"), pk2.verifier)
	rt := tok2["refresh_token"].(string)
	if st, _ := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"other"}, "refresh_token": {rt}}, nil); st == http.StatusOK {
		t.Fatal("another client refreshed shell's token")
	}
	if st, m := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {rt}}, nil); st != http.StatusOK {
		t.Fatalf("the owner's refresh after another client tried: %d %v (marked as reuse?)", st, m)
	}
}

// TestCodeChallengeCharset: a 43-character code_challenge outside the
// base64url alphabet is refused (RFC 7636 §4.2).
func TestCodeChallengeCharset(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	const cb = "http://localhost:9000/shell/callback"
	bad := pkce{challenge: strings.Repeat("!", 42) + "a"}
	q := callbackParams(t, newBrowser(t).get(op.authURL("shell", cb, bad, nil)), cb)
	if q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "base64url") {
		t.Fatalf("invalid code_challenge characters: %v", q)
	}
}
