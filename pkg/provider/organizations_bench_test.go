package provider

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/keys"
)

// BenchmarkTokenIssueOrganization: code exchanges at the token endpoint for
// the API (namespaced roles mapped, ID token, RS256), interleaved: one
// without an organization, one issued in acme (org_id and org_name in both
// tokens). Reported: µs per exchange of each and org-overhead-% in wall
// time and (Linux) the thread's CPU time.
func BenchmarkTokenIssueOrganization(b *testing.B) {
	ks, err := keys.Load(keys.Options{Alg: keys.RS256, Ephemeral: true})
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(Options{Issuer: "http://localhost:9400/", Config: orgConfig(), Keys: ks})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	now := time.Now()
	p.store.putSession(&session{ID: "org-session", SID: "sid-org", Sub: "alice", AuthTime: now, Expires: now.Add(time.Hour), Clients: map[string]bool{}})
	pk := newPKCE()
	const cb = "http://localhost:5101/callback"
	req := func(org string) authRequest {
		return authRequest{ClientID: "shell", RedirectURI: cb, Scope: []string{"openid", "read:orders"}, Audience: ordersAPI, Org: org,
			CodeChallenge: pk.challenge, CodeChallengeMethod: "S256"}
	}
	plainReq, orgReq := req(""), req(acmeOrgID)
	redeem := func(r authRequest) {
		v := randomID(32)
		now := time.Now()
		p.store.putCode(&code{Value: v, Req: r, Sub: "alice", SID: "sid-org", AuthTime: now, Expires: now.Add(time.Minute)})
		body := url.Values{"grant_type": {"authorization_code"}, "client_id": {"shell"}, "code": {v},
			"redirect_uri": {cb}, "code_verifier": {pk.verifier}}.Encode()
		hr := httptest.NewRequest(http.MethodPost, "http://localhost:9400/oauth/token", strings.NewReader(body))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, hr)
		if rec.Code != 200 || (r.Org != "" && !strings.Contains(rec.Body.String(), "access_token")) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_, hasCPU := threadCPU()
	var plain, org, cpuPlain, cpuOrg time.Duration
	i := 0
	for b.Loop() {
		first, second := plainReq, orgReq
		if i%2 == 1 {
			first, second = second, first
		}
		t0, c0 := time.Now(), orgBenchCPU()
		redeem(first)
		t1, c1 := time.Now(), orgBenchCPU()
		redeem(second)
		t2, c2 := time.Now(), orgBenchCPU()
		w1, w2, u1, u2 := t1.Sub(t0), t2.Sub(t1), c1-c0, c2-c1
		if i%2 == 1 {
			w1, w2, u1, u2 = w2, w1, u2, u1
		}
		i++
		plain, org, cpuPlain, cpuOrg = plain+w1, org+w2, cpuPlain+u1, cpuOrg+u2
	}
	n := float64(b.N)
	b.ReportMetric(float64(plain.Microseconds())/n, "plain-µs")
	b.ReportMetric(float64(org.Microseconds())/n, "org-µs")
	b.ReportMetric(100*float64(org-plain)/float64(plain), "org-overhead-%")
	if hasCPU {
		b.ReportMetric(100*float64(cpuOrg-cpuPlain)/float64(cpuPlain), "org-cpu-overhead-%")
	}
}

func orgBenchCPU() time.Duration { d, _ := threadCPU(); return d }
