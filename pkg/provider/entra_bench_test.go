package provider

import (
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
)

// BenchmarkIssueEntra: a token response (access + ID + refresh token) of
// the entra profile next to the generic one, interleaved in one loop on one
// key set, and one RS256 signature for scale. The entra profile signs as
// many tokens; what it adds is its claims (oid, tid, scp, roles,
// login_hint), client_info and the merged encoding.
//
//	go test -run XXX -bench IssueEntra -benchtime 200x ./pkg/provider/
func BenchmarkIssueEntra(b *testing.B) {
	ks, err := keys.Load(keys.Options{Alg: keys.RS256, Ephemeral: true})
	if err != nil {
		b.Fatal(err)
	}
	cfg := &config.Config{
		Users: []config.User{{Username: "alice", Claims: map[string]any{"name": "Alice Doe", "email": "alice@contoso.example"},
			Attributes: map[string]any{"roles": []any{"Orders.Admin", "Orders.Reader"}}}},
		Clients: []config.Client{{ClientID: "spa", RedirectURIs: []string{"https://localhost:5101/"}}},
	}
	gen, err := New(Options{Issuer: "https://localhost:9400/", Config: cfg, Keys: ks})
	if err != nil {
		b.Fatal(err)
	}
	defer gen.Close()
	en, err := New(Options{Issuer: "https://localhost:9400/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", Profile: ProfileEntra, Config: cfg, Keys: ks})
	if err != nil {
		b.Fatal(err)
	}
	defer en.Close()
	grantFor := func(p *Provider, aud string) grant {
		reg := p.reg.Load()
		c, _ := reg.lookup("spa")
		return grant{Reg: reg, Client: c, Sub: "alice", SID: "sid-1", Audience: aud, ClientInfo: true,
			Scope: []string{"api://orders/Orders.Read", "openid", "profile", "offline_access"}, Nonce: "n", AuthTime: time.Now(), AMR: []string{"pwd"}}
	}
	gg, eg := grantFor(gen, "api://orders"), grantFor(en, "api://orders")
	claims := map[string]any{"iss": "https://localhost:9400/", "sub": "alice", "aud": "spa", "exp": time.Now().Unix(), "jti": "abcdefghijklmnop"}
	var tGen, tEntra, tSig time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := gen.issue(gg, 0, 0); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := en.issue(eg, 0, 0); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := ks.Sign(claims, "at+jwt"); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		tGen, tEntra, tSig = tGen+t1.Sub(t0), tEntra+t2.Sub(t1), tSig+t3.Sub(t2)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tGen.Nanoseconds())/n, "generic-ns/issue")
	b.ReportMetric(float64(tEntra.Nanoseconds())/n, "entra-ns/issue")
	b.ReportMetric(float64(tSig.Nanoseconds())/n, "ns/signature")
	b.ReportMetric(100*float64(tEntra-tGen)/float64(tGen), "entra-extra-%")
}

// BenchmarkEntraClaims is what the entra profile adds to a token response
// without the signatures it shares with generic: its claim hooks for the
// access and ID tokens, client_info, and the access token's merged
// encoding. Compare with ns/signature of BenchmarkIssueEntra.
func BenchmarkEntraClaims(b *testing.B) {
	en, err := New(Options{Issuer: "https://localhost:9400/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", Profile: ProfileEntra,
		Config: &config.Config{Users: []config.User{{Username: "alice", Claims: map[string]any{"email": "alice@contoso.example"},
			Attributes: map[string]any{"roles": []any{"Orders.Admin", "Orders.Reader"}}}},
			Clients: []config.Client{{ClientID: "spa", RedirectURIs: []string{"https://localhost:5101/"}}}}})
	if err != nil {
		b.Fatal(err)
	}
	defer en.Close()
	reg := en.reg.Load()
	c, _ := reg.lookup("spa")
	g := grant{Reg: reg, Client: c, Sub: "alice", SID: "sid-1", Audience: "api://orders", ClientInfo: true,
		Scope: []string{"api://orders/Orders.Read", "openid", "profile", "offline_access"}}
	at := accessClaims{Iss: en.issuer, Sub: "alice", Aud: "api://orders", ClientID: "spa", Scope: joinScope(g.Scope), JTI: "abcdefghijklmnop"}
	for b.Loop() {
		extra := map[string]any{}
		en.spec.claims(en, kindAccess, &g, extra)
		if _, err := (withExtra{base: at, extra: extra, reserved: accessReserved}).MarshalJSON(); err != nil {
			b.Fatal(err)
		}
		id := map[string]any{}
		en.spec.claims(en, kindID, &g, id)
		if en.spec.tokenResponse(en, &g) == nil {
			b.Fatal("no client_info")
		}
	}
}
