package provider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// silentBench is a provider with alice signed in: the session cookie a
// hidden iframe would carry, and a PKCE pair reused for every request
// (the code is fresh each time; PKCE verification is still done).
type silentBench struct {
	op      *testOP
	cookie  string
	pk      pkce
	authURL string
}

func newSilentBench(b *testing.B) *silentBench {
	op := newTestOP(b, registeredConfig())
	br := newBrowser(b)
	br.signIn(br.get(op.authURL("shell", shellCB, newPKCE(), nil)), "alice", "alice-pw")
	u, _ := url.Parse(op.issuer)
	var cookies []string
	for _, c := range br.Jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	pk := newPKCE()
	return &silentBench{op: op, cookie: strings.Join(cookies, "; "), pk: pk,
		authURL: op.authURL("shell", shellCB, pk, url.Values{"prompt": {"none"}})}
}

// roundTrip is one silent authentication: authorize with prompt=none and
// the session cookie → code → token exchange. do serves one request.
func (s *silentBench) roundTrip(b *testing.B, do func(*http.Request) (int, http.Header)) {
	req, _ := http.NewRequest(http.MethodGet, s.authURL, nil)
	req.Header.Set("Cookie", s.cookie)
	st, h := do(req)
	loc, err := url.Parse(h.Get("Location"))
	if st != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		b.Fatalf("authorize: %d %s", st, h.Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"shell"}, "redirect_uri": {shellCB},
		"code": {loc.Query().Get("code")}, "code_verifier": {s.pk.verifier}}
	req, _ = http.NewRequest(http.MethodPost, s.op.issuer+"oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if st, _ := do(req); st != http.StatusOK {
		b.Fatalf("token: %d", st)
	}
}

// signatures makes exactly the signatures a round trip makes: an access
// token and an ID token of the same shape, via keys.Set.Sign.
func (s *silentBench) signatures(b *testing.B) {
	now := time.Now().Unix()
	at := map[string]any{"iss": s.op.issuer, "sub": "alice", "aud": "shell", "client_id": "shell", "iat": now, "nbf": now,
		"exp": now + 3600, "jti": randomID(16), "scope": "openid profile email offline_access", "sid": "sid", "auth_time": now}
	tok, err := s.op.keys.Sign(at, "at+jwt")
	if err != nil {
		b.Fatal(err)
	}
	id := map[string]any{"iss": s.op.issuer, "sub": "alice", "aud": "shell", "azp": "shell", "iat": now, "exp": now + 3600,
		"auth_time": now, "sid": "sid", "at_hash": tok[:22], "amr": []string{"pwd"}, "nonce": "n-shell", "email": "alice@example.com"}
	if _, err := s.op.keys.Sign(id, "JWT"); err != nil {
		b.Fatal(err)
	}
}

func inProcessDo(h http.Handler) func(*http.Request) (int, http.Header) {
	return func(r *http.Request) (int, http.Header) {
		r.RemoteAddr = "127.0.0.1:50000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code, rec.Header()
	}
}

func loopbackDo(b *testing.B) func(*http.Request) (int, http.Header) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return func(r *http.Request) (int, http.Header) {
		resp, err := c.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
}

// BenchmarkSilentAuth measures a silent authentication round trip next to
// the bare cost of the two signatures it makes, in the same run:
//
//	signatures    keys.Set.Sign for an access token and an ID token
//	in-process    authorize (prompt=none, session cookie) → code → /oauth/token through ServeHTTP
//	loopback      the same over HTTP on 127.0.0.1 (keep-alive)
//
// The in-process and loopback sub-benchmarks alternate a round trip with a
// pair of signatures and report x-signatures, the ratio of their total
// times, so a busy machine slows both sides alike, and x-signatures-best,
// the ratio of the fastest of each. The target is ≤ 1.5.
func BenchmarkSilentAuth(b *testing.B) {
	s := newSilentBench(b)
	b.Run("signatures", func(b *testing.B) {
		for b.Loop() {
			s.signatures(b)
		}
	})
	for _, tc := range []struct {
		name string
		do   func(*http.Request) (int, http.Header)
	}{
		{"in-process", inProcessDo(s.op.Provider)},
		{"loopback", loopbackDo(b)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var trip, sign time.Duration
			minTrip, minSign := time.Duration(1<<62), time.Duration(1<<62)
			for b.Loop() {
				t0 := time.Now()
				s.roundTrip(b, tc.do)
				t1 := time.Now()
				s.signatures(b)
				dt, ds := t1.Sub(t0), time.Since(t1)
				trip, sign = trip+dt, sign+ds
				minTrip, minSign = min(minTrip, dt), min(minSign, ds)
			}
			b.ReportMetric(float64(trip.Nanoseconds())/float64(b.N), "trip-ns/op")
			b.ReportMetric(float64(sign.Nanoseconds())/float64(b.N), "sign-ns/op")
			b.ReportMetric(float64(trip)/float64(sign), "x-signatures")
			// the fastest of each: what they cost when nothing else competes for the CPU
			b.ReportMetric(float64(minTrip)/float64(minSign), "x-signatures-best")
		})
	}
}
