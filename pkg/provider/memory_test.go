package provider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// floodURL is an unauthenticated authorization request: even ones with
// parameters as large as the provider accepts (state and nonce fill the
// request budget), odd ones with every parameter at the per-parameter
// limit (what the issue measured at ~72 KB stored).
func floodURL(op *testOP, i int) string {
	pad := strings.Repeat("x", MaxParamLen-64)
	if i%2 == 1 {
		return op.authURL("anyone", "http://localhost:5101/cb", newPKCE(), url.Values{
			"state": {strconv.Itoa(i) + pad}, "nonce": {pad}, "login_hint": {pad}, "audience": {pad},
			"id_token_hint": {pad}, "scope": {"openid " + pad}, "resource": {pad}, "ui_locales": {pad},
		})
	}
	return op.authURL("anyone", "http://localhost:5101/cb", newPKCE(), url.Values{
		"state": {strconv.Itoa(i) + pad}, "nonce": {pad[:MaxAuthorizeRequest-MaxParamLen-1024]},
	})
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestAuthorizeFloodIsBounded: unauthenticated /authorize requests, each
// parking a pending login, cannot grow the provider past its store caps
// (issue: 36,855 requests took it to 2.66 GB).
func TestAuthorizeFloodIsBounded(t *testing.T) {
	op := newTestOP(t, nil)
	const n = 5000
	before := heapInUse()
	for i := range n {
		req := httptest.NewRequest(http.MethodGet, floodURL(op, i), nil)
		rec := httptest.NewRecorder()
		op.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && (i%2 == 0 || rec.Code != http.StatusBadRequest) {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	grown := int64(heapInUse()) - int64(before)
	if c := op.store.counts()["interactions"]; c > defaultLimits.Interactions {
		t.Errorf("%d pending logins stored, cap %d", c, defaultLimits.Interactions)
	}
	const limit = 40 << 20
	if grown > limit {
		t.Errorf("heap grew %d MB after %d maximal /authorize requests, want < %d MB", grown>>20, n, limit>>20)
	}
	t.Logf("heap grew %.1f MB for %d requests (%d stored)", float64(grown)/(1<<20), n, op.store.counts()["interactions"])
}

// TestOversizedAuthorizeRefused: an authorization request over the budget
// is refused with a message that names the limit.
func TestOversizedAuthorizeRefused(t *testing.T) {
	op := newTestOP(t, nil)
	huge := url.Values{"state": {strings.Repeat("s", MaxParamLen)}, "nonce": {strings.Repeat("n", MaxParamLen)}, "login_hint": {strings.Repeat("l", 1000)}}
	p := newBrowser(t).get(op.authURL("anyone", "http://localhost:5101/cb", newPKCE(), huge))
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, strconv.Itoa(MaxAuthorizeRequest)) {
		t.Fatalf("oversized request: %d\n%s", p.status, p.body)
	}
	if c := op.store.counts()["interactions"]; c != 0 {
		t.Fatalf("an oversized request stored %d pending logins", c)
	}
}

// BenchmarkStoreFootprint reports the heap bytes one stored pending login
// (typical SDK request and maximal), session and token grant take.
func BenchmarkStoreFootprint(b *testing.B) {
	const n = 2000
	op := newTestOP(b, nil)
	reg := op.reg.Load()
	typical, _, aerr := parseAuthorize(mustQuery(b, op.authURL("shell", "http://localhost:5101/callback", newPKCE(), url.Values{"auth0Client": {"eyJuYW1lIjoiYXV0aDAtc3BhLWpzIiwidmVyc2lvbiI6IjIuMS4zIn0"}})), reg, true)
	maximal, _, aerr2 := parseAuthorize(mustQuery(b, floodURL(op, 0)), reg, true)
	if aerr != nil || aerr2 != nil {
		b.Fatal(aerr, aerr2)
	}
	measure := func(b *testing.B, unit string, put func(s *memStore, i int)) {
		for b.Loop() {
			s := newMemStore()
			before := heapInUse()
			for i := range n {
				put(s, i)
			}
			after := heapInUse()
			b.ReportMetric(float64(after-before)/n, unit)
			runtime.KeepAlive(s)
		}
	}
	now := time.Now()
	b.Run("login-typical", func(b *testing.B) {
		measure(b, "B/login", func(s *memStore, i int) {
			s.putInteraction(&interaction{ID: randomID(24), CSRF: randomID(24), Req: typical.forLogin(), Expires: now})
		})
	})
	b.Run("login-max", func(b *testing.B) {
		measure(b, "B/login", func(s *memStore, i int) {
			s.putInteraction(&interaction{ID: randomID(24), CSRF: randomID(24), Req: maximal.forLogin(), Expires: now})
		})
	})
	b.Run("session", func(b *testing.B) {
		measure(b, "B/session", func(s *memStore, i int) {
			s.putSession(&session{ID: randomID(32), SID: randomID(16), BrowserState: randomID(16), Sub: "alice",
				AuthTime: now, AMR: []string{"pwd"}, Expires: now, Clients: map[string]bool{"shell": true}})
		})
	})
	b.Run("token", func(b *testing.B) {
		// a code exchange with offline_access: the used code, its grant
		// (access token jti) and the refresh token
		measure(b, "B/token", func(s *memStore, i int) {
			c := &code{Value: randomID(32), Req: typical.forCode(), Sub: "alice", SID: "sid", AuthTime: now, AMR: []string{"pwd"}, Expires: now.Add(time.Hour)}
			s.putCode(c)
			ids := issueIDs{Grant: randomID(12), JTI: randomID(16), JTIExp: now.Add(time.Hour)}
			if _, res, _ := s.redeemCode(c.Value, "shell", now, func(*code) *oidc.Error { return nil }, ids); res != useOK {
				b.Fatal(res)
			}
			s.putRefresh(&refreshToken{Value: randomID(32), Family: ids.Grant, ClientID: "shell", Sub: "alice", SID: "sid",
				Scope: typical.Scope, AuthTime: now, AMR: []string{"pwd"}, Expires: now.Add(time.Hour)}, now)
		})
	})
}

func mustQuery(t testing.TB, raw string) url.Values {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// rssMB is this process's resident set (Linux), 0 elsewhere.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkAuthorizeFloodRSS sends 40,000 unauthenticated /authorize
// requests (half at the size limit, half over it) over loopback HTTP from 8
// connections, and reports the process's RSS before, at the end, and
// after the pending logins expire and are swept. Run it alone:
//
//	go test ./pkg/provider -run '^$' -bench AuthorizeFloodRSS -benchtime 1x
func BenchmarkAuthorizeFloodRSS(b *testing.B) {
	const total, workers = 40_000, 8
	for b.Loop() {
		op := newTestOP(b, nil)
		debug.FreeOSMemory()
		idle := rssMB()
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				for i := range next {
					resp, err := c.Get(floodURL(op, i))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		for i := range total {
			next <- i
		}
		close(next)
		wg.Wait()
		peak := rssMB()
		op.clock.Advance(InteractionTTL + time.Minute)
		op.store.sweep(op.clock.Now())
		debug.FreeOSMemory()
		b.ReportMetric(idle, "rss-idle-MB")
		b.ReportMetric(peak, "rss-flood-MB")
		b.ReportMetric(rssMB(), "rss-swept-MB")
		b.ReportMetric(float64(op.store.counts()["interactions"]), "stored")
	}
}

// TestStoresAreCapped: every store evicts its oldest entry beyond its cap.
func TestStoresAreCapped(t *testing.T) {
	s := newMemStoreLimits(storeLimits{Sessions: 3, Interactions: 3, Codes: 3, Refresh: 3, Grants: 3, Revoked: 3})
	now := time.Now()
	for i := range 10 {
		id := strconv.Itoa(i)
		s.putSession(&session{ID: id, Expires: now.Add(time.Hour), Clients: map[string]bool{}})
		s.putInteraction(&interaction{ID: id, Expires: now.Add(time.Hour)})
		s.putCode(&code{Value: id, Expires: now.Add(time.Hour)})
		s.putRefresh(&refreshToken{Value: id, Family: "f" + id, Expires: now.Add(time.Hour)}, now)
		s.revokeJTI(id, now.Add(time.Hour))
	}
	for k, n := range s.counts() {
		if n != 3 {
			t.Errorf("%s: %d stored, cap 3", k, n)
		}
	}
	if _, ok := s.liveSession("9", now); !ok {
		t.Error("the newest session was evicted")
	}
	if _, ok := s.liveSession("0", now); ok {
		t.Error("the oldest session survived")
	}
	if !s.isRevoked("9") || s.isRevoked("0") {
		t.Error("revocations: want the newest kept, the oldest evicted")
	}
	if _, ok := s.peekRefresh("9", now); !ok {
		t.Error("the newest refresh token was evicted")
	}
}
