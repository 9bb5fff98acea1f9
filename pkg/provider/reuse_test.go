package provider

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// signedInRefresh signs alice in at shell and returns the code exchange's
// response (with a refresh token).
func signedInRefresh(t *testing.T, op *testOP) map[string]any {
	t.Helper()
	const cb = "http://localhost:9000/shell/callback"
	b := newBrowser(t)
	pk := newPKCE()
	q := callbackParams(t, b.signIn(b.get(op.authURL("shell", cb, pk, nil)), "alice", "alice-pw"), cb)
	st, first := op.exchange(t, "shell", cb, q.Get("code"), pk.verifier)
	if st != http.StatusOK || first["refresh_token"] == nil {
		t.Fatalf("exchange: %d %v", st, first)
	}
	return first
}

func refreshValues(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {rt}}
}

// TestRefreshReuseInterval: with an interval, tabs racing one refresh token
// all succeed and share one successor; the family survives. After the
// interval, the old token is a replay again and revokes the family.
func TestRefreshReuseInterval(t *testing.T) {
	cfg := registeredConfig()
	cfg.Provider.Tokens.RefreshReuseInterval = 10 * time.Second
	op := newTestOP(t, cfg)
	for trial := range 10 {
		first := signedInRefresh(t, op)
		rt := first["refresh_token"].(string)
		ok, failed := raceCall(t, op, 6, refreshValues(rt), nil)
		if failed != 0 || len(ok) != 6 {
			t.Fatalf("trial %d: %d of 6 racing refreshes failed, want none within the reuse interval", trial, failed)
		}
		succ := ok[0]["refresh_token"]
		for i, m := range ok {
			if m["refresh_token"] != succ {
				t.Fatalf("trial %d: response %d has refresh token %v, want the one successor %v", trial, i, m["refresh_token"], succ)
			}
			if !op.introspect(t, m["access_token"].(string)) {
				t.Fatalf("trial %d: response %d's access token is not active", trial, i)
			}
		}
		if succ == rt {
			t.Fatalf("trial %d: the successor is the presented token; rotation did not happen", trial)
		}
		st, next := op.tokenCall(t, refreshValues(succ.(string)), nil)
		if st != http.StatusOK {
			t.Fatalf("trial %d: the shared successor does not refresh: %d %v", trial, st, next)
		}
	}

	// only the token just before the live one may come back: once its
	// successor was rotated too, it is a replay even within the interval
	first := signedInRefresh(t, op)
	rt1 := first["refresh_token"].(string)
	_, r2 := op.tokenCall(t, refreshValues(rt1), nil)
	if st, m := op.tokenCall(t, refreshValues(r2["refresh_token"].(string)), nil); st != http.StatusOK {
		t.Fatalf("second rotation: %d %v", st, m)
	}
	if st, m := op.tokenCall(t, refreshValues(rt1), nil); st != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Fatalf("the second-to-last token within the interval: %d %v, want 400 invalid_grant (reuse detection)", st, m)
	}

	// beyond the interval, presenting a rotated token is a replay again
	first = signedInRefresh(t, op)
	rt := first["refresh_token"].(string)
	st, second := op.tokenCall(t, refreshValues(rt), nil)
	if st != http.StatusOK {
		t.Fatalf("refresh: %d %v", st, second)
	}
	op.clock.Advance(11 * time.Second)
	if st, m := op.tokenCall(t, refreshValues(rt), nil); st != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Fatalf("replay after the interval: %d %v, want 400 invalid_grant", st, m)
	}
	assertAllRevoked(t, op, 0, []map[string]any{second, {"access_token": first["access_token"]}}, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}}, nil)
}

// TestRefreshReuseIntervalPerClient: a client's own interval overrides the
// provider's (off here), as Auth0 configures rotation per application.
func TestRefreshReuseIntervalPerClient(t *testing.T) {
	for _, tc := range []struct {
		name            string
		provider, shell time.Duration
		wantOK          bool
	}{
		{"off by default", 0, 0, false},
		{"provider-wide", 5 * time.Second, 0, true},
		{"client only", 0, 5 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := registeredConfig()
			cfg.Provider.Tokens.RefreshReuseInterval = tc.provider
			cfg.Clients[0].Tokens.RefreshReuseInterval = tc.shell
			op := newTestOP(t, cfg)
			rt := signedInRefresh(t, op)["refresh_token"].(string)
			if st, m := op.tokenCall(t, refreshValues(rt), nil); st != http.StatusOK {
				t.Fatalf("first refresh: %d %v", st, m)
			}
			op.clock.Advance(time.Second)
			st, m := op.tokenCall(t, refreshValues(rt), nil)
			if got := st == http.StatusOK; got != tc.wantOK {
				t.Fatalf("repeat 1s later: %d %v; want ok=%v", st, m, tc.wantOK)
			}
		})
	}
}

// TestRefreshScopeRefusedKeepsTheToken: a refresh asking for a scope that
// was never granted is refused before the token is used, so the same
// token still refreshes afterwards (it is not a replay).
func TestRefreshScopeRefusedKeepsTheToken(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	rt := signedInRefresh(t, op)["refresh_token"].(string)
	v := refreshValues(rt)
	v.Set("scope", "openid admin:everything")
	if st, m := op.tokenCall(t, v, nil); st != http.StatusBadRequest || m["error"] != "invalid_scope" {
		t.Fatalf("refresh with an ungranted scope: %d %v, want 400 invalid_scope", st, m)
	}
	if st, m := op.tokenCall(t, refreshValues(rt), nil); st != http.StatusOK {
		t.Fatalf("the refused request spent the token: %d %v", st, m)
	}
}
