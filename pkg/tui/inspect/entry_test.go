package inspect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

// The list's client, user and type columns are derived from the claims
// when the source did not say: azp, then client_id, then the first aud.
func TestNewEntryDerivesColumns(t *testing.T) {
	sign := func(claims map[string]any, headers map[string]any) string {
		return tokentest.Sign(t, jose.RS256, "rsa-1", claims, headers)
	}
	for _, tc := range []struct {
		name              string
		raw               string
		meta              Meta
		client, user, typ string
		short             string
		status            Status
	}{
		{"aud string", sign(map[string]any{"sub": "u1", "aud": "web", "nonce": "n"}, nil), Meta{}, "web", "u1", "id_token", "id", StatusUnverified},
		{"aud array", sign(map[string]any{"sub": "u1", "aud": []any{"api", "web"}}, nil), Meta{}, "api", "u1", "id_token", "id", StatusUnverified},
		{"aud empty array", sign(map[string]any{"sub": "u1", "aud": []any{}}, nil), Meta{}, "", "u1", "id_token", "id", StatusUnverified},
		{"client_id and scope", sign(map[string]any{"sub": "svc", "client_id": "bff", "aud": "api"}, nil), Meta{}, "bff", "svc", "access_token", "access", StatusUnverified},
		{"scope only", sign(map[string]any{"sub": "u", "scope": "openid"}, nil), Meta{}, "", "u", "access_token", "access", StatusUnverified},
		{"typ at+jwt", sign(map[string]any{"sub": "u", "nonce": "n"}, map[string]any{"typ": "at+jwt"}), Meta{}, "", "u", "access_token", "access", StatusUnverified},
		{"typ application/at+jwt", sign(map[string]any{"sub": "u"}, map[string]any{"typ": "application/at+jwt"}), Meta{}, "", "u", "access_token", "access", StatusUnverified},
		{"logout token", sign(map[string]any{"sub": "u", "events": map[string]any{}}, map[string]any{"typ": "logout+jwt"}), Meta{}, "", "u", "logout_token", "logout", StatusUnverified},
		{"preferred_username wins", sign(map[string]any{"sub": "u", "email": "a@x", "preferred_username": "alice"}, nil), Meta{}, "", "alice", "id_token", "id", StatusUnverified},
		{"meta wins", sign(map[string]any{"sub": "u", "azp": "web", "sid": "s"}, nil), Meta{ClientID: "shell", User: "bob", SID: "s-9", TokenType: "access_token"}, "shell", "bob", "access_token", "access", StatusUnverified},
		{"opaque", "2YotnFZFEjr1zCsicMWpAA", Meta{}, "", "", "", "?", StatusOpaque},
		{"malformed", "a.b", Meta{}, "", "", "", "?", StatusMalformed},
	} {
		e := newEntry(1, tc.raw, tc.meta)
		if e.ClientID != tc.client || e.User != tc.user || e.TokenType != tc.typ || e.Status != tc.status {
			t.Errorf("%s: client %q user %q type %q status %v, want %q %q %q %v", tc.name, e.ClientID, e.User, e.TokenType, e.Status, tc.client, tc.user, tc.typ, tc.status)
		}
		if got := shortType(e.TokenType); got != tc.short {
			t.Errorf("%s: short type %q, want %q", tc.name, got, tc.short)
		}
	}
	if e := newEntry(1, sign(map[string]any{"sub": "u"}, nil), Meta{SID: "s-1"}); e.SID != "s-1" {
		t.Errorf("sid from meta: %q", e.SID)
	}
}

func TestShortTypeAndEllipsis(t *testing.T) {
	for in, want := range map[string]string{"refresh_token": "refresh", "encrypted": "jwe", "custom": "custom", "": "?"} {
		if got := shortType(in); got != want {
			t.Errorf("shortType(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ellipsizeMiddle("abcdef", 6); got != "abcdef" {
		t.Errorf("short enough: %q", got)
	}
	if got := ellipsizeMiddle("http://localhost:9400/_ssokit/events", 10); got != "http:…vents" {
		t.Errorf("ellipsized: %q", got)
	}
}

// KeyVerifier caches a remote key set: verifying fetches once, v
// (refresh) fetches again, and a failed refetch is an error, not an
// invalid token. Its leeway and clock are the ones verification uses.
func TestKeyVerifierRefreshAndLeeway(t *testing.T) {
	var fetches atomic.Int32
	up := atomic.Bool{}
	up.Store(true)
	jwks := tokentest.JWKS(t, tokentest.PublicJWK(t, jose.RS256, "rsa-1"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	defer srv.Close()

	raw := tok(t, "web", "alice", "s-1", -30*time.Second, nil) // expired 30 s ago
	v := &KeyVerifier{Keys: token.NewRemoteKeySet(srv.Client(), srv.URL), Now: func() time.Time { return now }, Leeway: time.Minute}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		res, err := v.Verify(ctx, raw, false)
		if err != nil || !res.Valid {
			t.Fatalf("verify %d: %+v %v (within the leeway)", i, res, err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for two verifications, want 1 (cached)", n)
	}
	if _, err := v.Verify(ctx, raw, true); err != nil {
		t.Fatal(err)
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches after a refresh, want 2", n)
	}

	strict := &KeyVerifier{Keys: v.Keys, Now: v.Now}
	if res, err := strict.Verify(ctx, raw, false); err != nil || res.Valid || !strings.Contains(res.Reason, "exp") {
		t.Errorf("without leeway: %+v %v", res, err)
	}

	up.Store(false)
	if res, err := v.Verify(ctx, raw, true); err == nil {
		t.Errorf("refresh against a failing JWKS: %+v, want an error", res)
	}
}

// Keys typed into the filter line edit it; up and down still move the
// selection; ctrl+u clears; esc drops the filter entirely.
func TestFilterLineEditing(t *testing.T) {
	m := newModel(t, nil)
	press(m, "/")
	typeText(m, "shell")
	if n := len(m.Visible()); n != 2 {
		t.Fatalf("shell: %d visible", n)
	}
	first := m.Selected()
	press(m, "down")
	if !m.filtering || m.Selected() == first || m.Selected().ClientID != "shell" {
		t.Errorf("down while filtering: filtering %v, selected %+v", m.filtering, m.Selected())
	}
	press(m, "up")
	if m.Selected() != first {
		t.Error("up while filtering should move back")
	}
	m.Update(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	if m.filter != "" || len(m.Visible()) != 5 {
		t.Errorf("ctrl+u: filter %q visible %d", m.filter, len(m.Visible()))
	}
	typeText(m, "bob")
	press(m, "esc")
	if m.filtering || m.filter != "" || len(m.Visible()) != 5 {
		t.Errorf("esc: filtering %v filter %q visible %d", m.filtering, m.filter, len(m.Visible()))
	}
}
