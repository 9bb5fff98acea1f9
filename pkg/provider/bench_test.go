package provider

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
)

// inProcess is a RoundTripper that calls the handler directly, so a
// benchmark measures the provider, not the loopback TCP stack.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	r.RemoteAddr = "127.0.0.1:1"
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// BenchmarkStartToDiscovery: load a persisted key, build the provider,
// listen on loopback and answer the first discovery request.
func BenchmarkStartToDiscovery(b *testing.B) {
	dir := b.TempDir()
	if _, err := keys.Load(keys.Options{Dir: dir}); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for b.Loop() {
		ks, err := keys.Load(keys.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		iss := "http://" + ln.Addr().String() + "/"
		p, err := New(Options{Issuer: iss, Keys: ks})
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: p}
		go srv.Serve(ln)
		resp, err := client.Get(iss + ".well-known/openid-configuration")
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("discovery: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		srv.Close()
		p.Close()
	}
}

// BenchmarkTokenEndpoint measures the token endpoint against the raw
// signing cost of its key in the same loop: every iteration signs one
// token bare, answers one client_credentials request (one signature) and
// one code exchange (two: access + ID token), timing each. Interleaving
// keeps the comparison fair on a machine whose load changes. Reported:
// microseconds per operation and the endpoint's throughput as a fraction of
// the raw signing rate (cc/sign and code/2sign; 1.0 = signing is all it does).
func BenchmarkTokenEndpoint(b *testing.B) {
	for _, alg := range []string{keys.RS256, keys.ES256} {
		b.Run(alg, func(b *testing.B) {
			ks, err := keys.Load(keys.Options{Alg: alg, Ephemeral: true})
			if err != nil {
				b.Fatal(err)
			}
			cfg := registeredConfig()
			cfg.Clients = append(cfg.Clients, config.Client{ClientID: "spa", RedirectURIs: []string{"http://localhost:5101/cb"}})
			p, err := New(Options{Issuer: "http://localhost:9400/", Config: cfg, Keys: ks})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			claims := map[string]any{"iss": "http://localhost:9400/", "sub": "alice", "aud": "spa", "exp": time.Now().Unix(), "jti": "abcdefghijklmnop", "scope": "read"}
			pk := newPKCE()
			req0 := authRequest{ClientID: "spa", RedirectURI: "http://localhost:5101/cb", Scope: []string{"openid", "profile", "email"},
				CodeChallenge: pk.challenge, CodeChallengeMethod: "S256", Nonce: "n"}
			post := func(body string, basic bool) {
				req := httptest.NewRequest(http.MethodPost, "http://localhost:9400/oauth/token", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if basic {
					req.SetBasicAuth("bff", "s3cret")
				}
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			var sign, cc, exch time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := ks.Sign(claims, "at+jwt"); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				post("grant_type=client_credentials&scope=read", true)
				t2 := time.Now()
				v := randomID(32)
				p.store.putCode(&code{Value: v, Req: req0, Sub: "alice", SID: "sid", AuthTime: t2, Expires: t2.Add(time.Minute)})
				post(url.Values{"grant_type": {"authorization_code"}, "client_id": {"spa"}, "code": {v},
					"redirect_uri": {"http://localhost:5101/cb"}, "code_verifier": {pk.verifier}}.Encode(), false)
				t3 := time.Now()
				sign, cc, exch = sign+t1.Sub(t0), cc+t2.Sub(t1), exch+t3.Sub(t2)
			}
			n := float64(b.N)
			b.ReportMetric(float64(sign.Microseconds())/n, "sign-µs")
			b.ReportMetric(float64(cc.Microseconds())/n, "client_credentials-µs")
			b.ReportMetric(float64(exch.Microseconds())/n, "code_exchange-µs")
			b.ReportMetric(float64(sign)/float64(cc), "cc/sign")
			b.ReportMetric(2*float64(sign)/float64(exch), "code/2sign")
		})
	}
}

// BenchmarkLoginFlow: a full interactive sign-in with a fresh browser
// (cookie jar) each time: authorize → login form → POST → code → token
// exchange; then SSO for a second client with prompt=none. In-process and
// over loopback TCP.
func BenchmarkLoginFlow(b *testing.B) {
	for _, transport := range []string{"in-process", "loopback"} {
		b.Run(transport, func(b *testing.B) {
			srv := httptest.NewUnstartedServer(nil)
			iss := "http://" + srv.Listener.Addr().String() + "/"
			p, err := New(Options{Issuer: iss, Keys: testKeys()})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			srv.Config.Handler = p
			srv.Start()
			defer srv.Close()
			var rt http.RoundTripper = inProcess{p}
			if transport == "loopback" {
				rt = &http.Transport{MaxIdleConnsPerHost: 64}
			}
			op := &testOP{Provider: p, issuer: iss}
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					loginFlow(b, op, rt)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "flows/s")
		})
	}
}

// BenchmarkLoginFlowVsSignatures interleaves one full login flow with the
// two bare signatures it needs (access + ID token), so the ratio says what
// the flow costs beyond its physical floor whatever the machine's load.
func BenchmarkLoginFlowVsSignatures(b *testing.B) {
	p, err := New(Options{Issuer: "http://localhost:9400/", Keys: testKeys()})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	op := &testOP{Provider: p, issuer: "http://localhost:9400/"}
	claims := map[string]any{"iss": op.issuer, "sub": "alice", "aud": "shell", "exp": time.Now().Unix(), "jti": "abcdefghijklmnop"}
	var flow, sign time.Duration
	for b.Loop() {
		t0 := time.Now()
		loginFlow(b, op, inProcess{p})
		t1 := time.Now()
		for range 2 {
			if _, err := p.keys.Sign(claims, "JWT"); err != nil {
				b.Fatal(err)
			}
		}
		flow, sign = flow+t1.Sub(t0), sign+time.Since(t1)
	}
	b.ReportMetric(float64(flow.Microseconds())/float64(b.N), "flow-µs")
	b.ReportMetric(float64(sign.Microseconds())/float64(b.N), "2sign-µs")
	b.ReportMetric(float64(flow)/float64(sign), "flow/2sign")
}

func loginFlow(b *testing.B, op *testOP, rt http.RoundTripper) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	const cb = "http://localhost:5101/cb"
	pk := newPKCE()
	resp, err := c.Get(op.authURL("shell", cb, pk, url.Values{"scope": {"openid profile email"}}))
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formRE.FindSubmatch(body)
	if m == nil {
		b.Fatalf("no form: %s", body)
	}
	v := url.Values{"username": {"alice"}, "password": {"x"}}
	for _, h := range hiddenRE.FindAllSubmatch(m[2], -1) {
		v.Set(string(h[1]), string(h[2]))
	}
	resp, err = c.PostForm(string(m[1]), v)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		b.Fatalf("no code: %s", resp.Header.Get("Location"))
	}
	body2 := url.Values{"grant_type": {"authorization_code"}, "client_id": {"shell"}, "code": {code}, "redirect_uri": {cb}, "code_verifier": {pk.verifier}}.Encode()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, op.issuer+"oauth/token", bytes.NewBufferString(body2))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("token: %d", resp.StatusCode)
	}
}

// BenchmarkTokenIssueClaims measures what custom claims add to a token
// issue. Each iteration signs one token bare, then redeems two codes at
// the token endpoint, each answered with one access token: one plain (no
// API, no mapping), one for an API mapping two attributes, with the
// client's mapping and a sign-in's extra claims on top (four custom
// claims), alternating which goes first. Interleaving keeps the comparison fair on a
// loaded machine. Reported: µs per operation and claims-overhead-% =
// (claims − plain) / plain, in wall time and (Linux) in the thread's CPU
// time, which other load on the machine does not inflate.
func BenchmarkTokenIssueClaims(b *testing.B) {
	for _, alg := range []string{keys.RS256, keys.ES256} {
		b.Run(alg, func(b *testing.B) {
			ks, err := keys.Load(keys.Options{Alg: alg, Ephemeral: true})
			if err != nil {
				b.Fatal(err)
			}
			cfg := apiConfig()
			cfg.Clients = append(cfg.Clients, config.Client{ClientID: "plain", RedirectURIs: []string{"http://localhost:5101/callback"}})
			p, err := New(Options{Issuer: "http://localhost:9400/", Config: cfg, Keys: ks})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			extra, err := ParseExtraClaims(`{"tenant":"t-42"}`)
			if err != nil {
				b.Fatal(err)
			}
			// the sign-in's extra claims live with its session
			now := time.Now()
			p.store.putSession(&session{ID: "claims-session", SID: "sid-claims", Sub: "alice", AuthTime: now, Claims: extra,
				Expires: now.Add(time.Hour), Clients: map[string]bool{}})
			pk := newPKCE()
			const cb = "http://localhost:5101/callback"
			req := func(clientID, aud string) authRequest {
				return authRequest{ClientID: clientID, RedirectURI: cb, Scope: []string{"read:orders"}, Audience: aud,
					CodeChallenge: pk.challenge, CodeChallengeMethod: "S256"}
			}
			plainReq, claimsReq := req("plain", ""), req("shell", ordersAPI)
			claims := map[string]any{"iss": "http://localhost:9400/", "sub": "alice", "aud": "spa", "exp": time.Now().Unix(), "jti": "abcdefghijklmnop", "scope": "read"}
			redeem := func(r authRequest, sid string) {
				v := randomID(32)
				now := time.Now()
				p.store.putCode(&code{Value: v, Req: r, Sub: "alice", SID: sid, AuthTime: now, Expires: now.Add(time.Minute)})
				body := url.Values{"grant_type": {"authorization_code"}, "client_id": {r.ClientID}, "code": {v},
					"redirect_uri": {cb}, "code_verifier": {pk.verifier}}.Encode()
				hr := httptest.NewRequest(http.MethodPost, "http://localhost:9400/oauth/token", strings.NewReader(body))
				hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, hr)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			// wall time, and on Linux the thread's CPU time, which a loaded
			// machine does not inflate
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var sign, plain, custom, cpuSign, cpuPlain, cpuCustom time.Duration
			_, hasCPU := threadCPU()
			i := 0
			for b.Loop() {
				t0 := time.Now()
				c0, _ := threadCPU()
				if _, err := ks.Sign(claims, "at+jwt"); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				c1, _ := threadCPU()
				// alternate which goes first, so neither gains from the other's warm caches
				first, second := func() { redeem(plainReq, "sid") }, func() { redeem(claimsReq, "sid-claims") }
				if i%2 == 1 {
					first, second = second, first
				}
				i++
				first()
				t2 := time.Now()
				c2, _ := threadCPU()
				second()
				t3 := time.Now()
				c3, _ := threadCPU()
				w1, w2, u1, u2 := t2.Sub(t1), t3.Sub(t2), c2-c1, c3-c2
				if i%2 == 0 {
					w1, w2, u1, u2 = w2, w1, u2, u1
				}
				sign, plain, custom = sign+t1.Sub(t0), plain+w1, custom+w2
				cpuSign, cpuPlain, cpuCustom = cpuSign+c1-c0, cpuPlain+u1, cpuCustom+u2
			}
			n := float64(b.N)
			b.ReportMetric(float64(sign.Microseconds())/n, "sign-µs")
			b.ReportMetric(float64(plain.Microseconds())/n, "plain-µs")
			b.ReportMetric(float64(custom.Microseconds())/n, "claims-µs")
			b.ReportMetric(100*float64(custom-plain)/float64(plain), "claims-overhead-%")
			if hasCPU {
				b.ReportMetric(float64(cpuSign.Microseconds())/n, "sign-cpu-µs")
				b.ReportMetric(float64(cpuPlain.Microseconds())/n, "plain-cpu-µs")
				b.ReportMetric(float64(cpuCustom.Microseconds())/n, "claims-cpu-µs")
				b.ReportMetric(100*float64(cpuCustom-cpuPlain)/float64(cpuPlain), "claims-cpu-overhead-%")
			}
		})
	}
}
