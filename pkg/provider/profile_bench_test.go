package provider

import (
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/keys"
)

// BenchmarkIssueProfiles measures one token response (access + ID +
// refresh token, scope openid profile email offline_access) per profile,
// interleaved in the same loop so machine noise hits both alike, next to
// one bare RS256 signature. The keycloak profile signs one more JWT (its
// refresh token) and adds its claims:
//
//	go test -run '^$' -bench IssueProfiles ./pkg/provider/
func BenchmarkIssueProfiles(b *testing.B) {
	ks, err := keys.Load(keys.Options{Alg: keys.RS256, Ephemeral: true})
	if err != nil {
		b.Fatal(err)
	}
	cfg := keycloakConfig()
	gen, err := New(Options{Issuer: "http://localhost:9400/", Config: cfg, Keys: ks})
	if err != nil {
		b.Fatal(err)
	}
	defer gen.Close()
	kc, err := New(Options{Issuer: "http://localhost:9400/realms/demo", Profile: ProfileKeycloak, Config: cfg, Keys: ks})
	if err != nil {
		b.Fatal(err)
	}
	defer kc.Close()
	grantFor := func(p *Provider) grant {
		reg := p.reg.Load()
		c, _ := reg.lookup("spa")
		return grant{Reg: reg, Client: c, Sub: "alice", SID: "sid-1", Scope: []string{"openid", "profile", "email", "offline_access"},
			Nonce: "n", AuthTime: time.Now(), AMR: []string{"pwd"}}
	}
	gg, kg := grantFor(gen), grantFor(kc)
	claims := map[string]any{"iss": "http://localhost:9400/", "sub": "alice", "aud": "spa", "exp": time.Now().Unix(), "jti": "abcdefghijklmnop"}
	var tGen, tKC, tSig time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := gen.issue(gg, 0, 0); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := kc.issue(kg, 0, 0); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := ks.Sign(claims, "at+jwt"); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		tGen, tKC, tSig = tGen+t1.Sub(t0), tKC+t2.Sub(t1), tSig+t3.Sub(t2)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tGen.Nanoseconds())/n, "generic-ns/issue")
	b.ReportMetric(float64(tKC.Nanoseconds())/n, "keycloak-ns/issue")
	b.ReportMetric(float64(tSig.Nanoseconds())/n, "ns/signature")
	b.ReportMetric(float64(tKC-tGen)/float64(tSig), "keycloak-extra-signatures")
}
