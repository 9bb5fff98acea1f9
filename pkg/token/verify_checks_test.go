package token_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

func checkNames(r *token.Result) []string {
	var out []string
	for _, c := range r.Checks {
		out = append(out, c.Name)
	}
	return out
}

// TestVerifyCheckOrder pins the checks Verify records, in order: the early
// issuer comparison adds nothing on success, claims come after the
// signature, and a signature failure stops before any claim is looked at.
func TestVerifyCheckOrder(t *testing.T) {
	keys := []jose.JSONWebKey{tokentest.PublicJWK(t, jose.ES256, "k1")}
	raw := tokentest.Sign(t, jose.ES256, "k1", claims(map[string]any{"nbf": now.Add(-time.Minute).Unix()}), nil)
	r, err := token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock, Issuer: "http://localhost:9400/", Audience: "shell", Nonce: "n-1", Require: []string{"sub", "iat"}})
	if err != nil || !r.Valid || r.Reason != "" {
		t.Fatalf("%v %+v", err, r)
	}
	want := []string{"format", "alg", "key", "signature", "exp", "nbf", "iat", "iss", "aud", "nonce", "require:sub", "require:iat"}
	if got := checkNames(r); !slices.Equal(got, want) {
		t.Errorf("checks %v, want %v", got, want)
	}
	for _, c := range r.Checks {
		if !c.OK || c.Detail == "" {
			t.Errorf("check %+v of a valid token", c)
		}
	}

	// A refused alg stops verification: no claim checks, even failing ones.
	other := tokentest.Sign(t, jose.ES256, "k1", claims(map[string]any{"exp": now.Add(-time.Hour).Unix()}), nil)
	r, err = token.Verify(other, token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: tokentest.PublicJWK(t, jose.RS256, "").Key, KeyID: "k1"}}, Now: clock})
	if err != nil || r.Valid {
		t.Fatalf("%v %+v", err, r)
	}
	if got := checkNames(r); !slices.Equal(got, []string{"format", "alg"}) {
		t.Errorf("checks after a refused alg %v, want [format alg]", got)
	}

	// A foreign issuer: reported first, before key selection.
	r, _ = token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock, Issuer: "https://other/"})
	if got := checkNames(r); !slices.Equal(got, []string{"format", "iss"}) || r.Reason != `iss "http://localhost:9400/" is not the expected "https://other/"` {
		t.Errorf("foreign issuer: checks %v reason %q", got, r.Reason)
	}
}

// TestVerifyReasonIsFirstFailure: with several failing claims, Reason is the
// first and every failure is still listed.
func TestVerifyReasonIsFirstFailure(t *testing.T) {
	raw := tokentest.Sign(t, jose.HS256, "", claims(map[string]any{"exp": now.Add(-2 * time.Hour).Unix(), "aud": "web"}), nil)
	r, err := token.Verify(raw, token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: tokentest.Secret}}, Now: clock, Audience: "shell", Nonce: "n-2"})
	if err != nil || r.Valid {
		t.Fatalf("%v %+v", err, r)
	}
	if r.Reason != "expired 2h00m ago (exp 2026-11-28T10:00:00Z)" {
		t.Errorf("reason %q", r.Reason)
	}
	var failed []string
	for _, c := range r.Checks {
		if !c.OK {
			failed = append(failed, c.Name)
		}
	}
	if !slices.Equal(failed, []string{"exp", "aud", "nonce"}) {
		t.Errorf("failed checks %v", failed)
	}
}

func decoded(t *testing.T, c map[string]any) *token.Unverified {
	t.Helper()
	u, err := token.Decode(tokentest.Sign(t, jose.HS256, "", c, nil))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCheckClaims covers every claim check's outcome and text, without a
// signature check (CheckClaims never looks at keys).
func TestCheckClaims(t *testing.T) {
	for _, tt := range []struct {
		name   string
		c      map[string]any
		opts   token.VerifyOptions
		check  string // the check whose outcome is pinned
		ok     bool
		detail string
	}{
		{"no exp allowed by default", claims(map[string]any{"exp": nil}), token.VerifyOptions{},
			"exp", true, "no exp claim: the token never expires"},
		{"no exp refused with RequireExp", claims(map[string]any{"exp": nil}), token.VerifyOptions{RequireExp: true},
			"exp", false, "no exp claim: the token never expires, and ID, access and logout tokens must"},
		{"exp in the future", claims(nil), token.VerifyOptions{},
			"exp", true, "expires in 1h00m (exp 2026-11-28T13:00:00Z)"},
		{"exp exactly at the leeway edge", claims(map[string]any{"exp": now.Add(-time.Minute).Unix()}), token.VerifyOptions{Leeway: time.Minute},
			"exp", true, "expires in 1m00s (exp 2026-11-28T11:59:00Z)"},
		{"exp one second past the leeway", claims(map[string]any{"exp": now.Add(-time.Minute - time.Second).Unix()}), token.VerifyOptions{Leeway: time.Minute},
			"exp", false, "expired 1m01s ago (exp 2026-11-28T11:58:59Z)"},
		{"fractional exp", claims(map[string]any{"exp": float64(now.Unix()) + 30.5}), token.VerifyOptions{},
			"exp", true, "expires in 30s (exp 2026-11-28T12:00:30Z)"},
		{"exp as a boolean", claims(map[string]any{"exp": true}), token.VerifyOptions{},
			"exp", false, "exp is not a NumericDate: true"},
		{"nbf not a number", claims(map[string]any{"nbf": "now"}), token.VerifyOptions{},
			"nbf", false, `nbf is not a NumericDate: "now"`},
		{"nbf inside the leeway", claims(map[string]any{"nbf": now.Add(30 * time.Second).Unix()}), token.VerifyOptions{Leeway: time.Minute},
			"nbf", true, "valid since 2026-11-28T12:00:30Z"},
		{"nbf past the leeway", claims(map[string]any{"nbf": now.Add(90 * time.Second).Unix()}), token.VerifyOptions{Leeway: time.Minute},
			"nbf", false, "not valid yet: valid in 1m30s (nbf 2026-11-28T12:01:30Z)"},
		{"iat not a number", claims(map[string]any{"iat": []int{1}}), token.VerifyOptions{},
			"iat", false, "iat is not a NumericDate: [1]"},
		{"iat slightly ahead inside the leeway", claims(map[string]any{"iat": now.Add(10 * time.Second).Unix()}), token.VerifyOptions{Leeway: time.Minute},
			"iat", true, "issued 10s ago"},
		{"iss matches", claims(nil), token.VerifyOptions{Issuer: "http://localhost:9400/"},
			"iss", true, `iss is "http://localhost:9400/"`},
		{"iss differs by a trailing slash", claims(nil), token.VerifyOptions{Issuer: "http://localhost:9400"},
			"iss", false, `iss "http://localhost:9400/" is not the expected "http://localhost:9400"`},
		{"iss absent", claims(map[string]any{"iss": nil}), token.VerifyOptions{Issuer: "http://localhost:9400/"},
			"iss", false, `iss (absent) is not the expected "http://localhost:9400/"`},
		{"iss not a string", claims(map[string]any{"iss": 7}), token.VerifyOptions{Issuer: "7"},
			"iss", false, `iss 7 is not the expected "7"`},
		{"aud as a string", claims(nil), token.VerifyOptions{Audience: "shell"},
			"aud", true, `aud contains "shell"`},
		{"aud as an array", claims(map[string]any{"aud": []any{"api", "shell"}}), token.VerifyOptions{Audience: "shell"},
			"aud", true, `aud contains "shell"`},
		{"aud array with non-strings", claims(map[string]any{"aud": []any{1, "shell"}}), token.VerifyOptions{Audience: "shell"},
			"aud", true, `aud contains "shell"`},
		{"aud absent", claims(map[string]any{"aud": nil}), token.VerifyOptions{Audience: "shell"},
			"aud", false, `aud (absent) does not contain "shell"`},
		{"aud an object", claims(map[string]any{"aud": map[string]any{"shell": true}}), token.VerifyOptions{Audience: "shell"},
			"aud", false, `aud {"shell":true} does not contain "shell"`},
		{"aud is case-sensitive", claims(nil), token.VerifyOptions{Audience: "Shell"},
			"aud", false, `aud "shell" does not contain "Shell"`},
		{"nonce matches", claims(nil), token.VerifyOptions{Nonce: "n-1"},
			"nonce", true, "nonce matches"},
		{"nonce absent", claims(map[string]any{"nonce": nil}), token.VerifyOptions{Nonce: "n-1"},
			"nonce", false, `nonce (absent) is not the expected "n-1"`},
		{"required claim present though empty", claims(map[string]any{"sid": ""}), token.VerifyOptions{Require: []string{"sid"}},
			"require:sid", true, `claim "sid" present`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = clock
			r := token.CheckClaims(decoded(t, tt.c), tt.opts)
			i := slices.IndexFunc(r.Checks, func(c token.Check) bool { return c.Name == tt.check })
			if i < 0 {
				t.Fatalf("no %s check in %+v", tt.check, r.Checks)
			}
			if c := r.Checks[i]; c.OK != tt.ok || c.Detail != tt.detail {
				t.Errorf("%s = ok %v %q, want ok %v %q", tt.check, c.OK, c.Detail, tt.ok, tt.detail)
			}
			if r.Valid != (r.Reason == "") {
				t.Errorf("Valid %v with reason %q", r.Valid, r.Reason)
			}
			if !tt.ok && r.Reason != tt.detail {
				t.Errorf("reason %q, want the failing check's detail", r.Reason)
			}
		})
	}
}

// TestCheckClaimsIgnoresSignature: a token signed with a key nobody has
// passes CheckClaims, whose Result has no signature check.
func TestCheckClaimsIgnoresSignature(t *testing.T) {
	u := decoded(t, claims(nil))
	r := token.CheckClaims(u, token.VerifyOptions{Now: clock, Audience: "shell"})
	if !r.Valid || r.Alg != "HS256" || r.Token != u {
		t.Fatalf("%+v", r)
	}
	if got := checkNames(r); !slices.Equal(got, []string{"exp", "iat", "aud"}) {
		t.Errorf("checks %v", got)
	}
}

// TestVerifyKeySelection pins how the signature step names keys and kids.
func TestVerifyKeySelection(t *testing.T) {
	rsa1, rsa2 := tokentest.PublicJWK(t, jose.RS256, "r1"), tokentest.PublicJWK(t, jose.RS256, "r2")
	stranger := tokentest.SignWithKey(t, jose.RS256, otherRSA(), "", claims(nil), nil)
	for _, tt := range []struct {
		name   string
		raw    string
		keys   []jose.JSONWebKey
		valid  bool
		kid    string
		reason string
	}{
		{"no kid, two RSA keys: the one that verifies is reported", tokentest.Sign(t, jose.RS256, "", claims(nil), nil),
			[]jose.JSONWebKey{{Key: rsa1.Key, KeyID: "a"}, {Key: rsa2.Key, KeyID: "b"}}, true, "a", ""},
		{"no kid, neither of two keys verifies", stranger,
			[]jose.JSONWebKey{rsa1, rsa2}, false, "", "signature does not verify with any of 2 keys"},
		{"kid matches a key that does not verify", tokentest.SignWithKey(t, jose.RS256, otherRSA(), "r1", claims(nil), nil),
			[]jose.JSONWebKey{rsa1, tokentest.PublicJWK(t, jose.ES256, "e1")}, false, "r1", `signature does not verify with the RSA 2048 key "r1"`},
		{"enc keys are skipped, the signing key is used", tokentest.Sign(t, jose.RS256, "r1", claims(nil), nil),
			[]jose.JSONWebKey{{Key: rsa1.Key, KeyID: "r1", Use: "enc"}, {Key: rsa1.Key, KeyID: "r1", Use: "sig"}}, true, "r1", ""},
		{"only enc keys", tokentest.Sign(t, jose.RS256, "r1", claims(nil), nil),
			[]jose.JSONWebKey{{Key: rsa1.Key, KeyID: "r1", Use: "enc"}}, false, "r1", "no signature verification keys given"},
		{"no keys at all", tokentest.Sign(t, jose.RS256, "r1", claims(nil), nil),
			nil, false, "r1", "no signature verification keys given"},
		{"alg NONE in any case is refused", "eyJhbGciOiJOb05lIn0." + strings.Split(tokentest.Sign(t, jose.HS256, "", claims(nil), nil), ".")[1] + ".",
			[]jose.JSONWebKey{{Key: tokentest.Secret}}, false, "", `alg "none" refused: an unsigned token proves nothing`},
		{"HS384 with a 40-byte secret", tokentest.SignWithKey(t, jose.HS384, []byte(strings.Repeat("s", 48)), "", claims(nil), nil),
			[]jose.JSONWebKey{{Key: []byte(strings.Repeat("s", 40))}}, false, "", "the secret is 40 bytes; HS384 needs at least 48 (RFC 7518 §3.2)"},
		{"HS512 with the right 64-byte secret", tokentest.Sign(t, jose.HS512, "", claims(nil), nil),
			[]jose.JSONWebKey{{Key: tokentest.Secret}}, true, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := token.Verify(tt.raw, token.VerifyOptions{Keys: tt.keys, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid != tt.valid || r.KeyID != tt.kid || r.Reason != tt.reason {
				t.Errorf("valid %v kid %q reason %q, want %v %q %q", r.Valid, r.KeyID, r.Reason, tt.valid, tt.kid, tt.reason)
			}
		})
	}
}

// otherRSA is an RSA key that no tokentest public key matches.
var otherRSA = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// TestVerifySignatureErrors pins VerifySignature's refusals, the
// provider's check of tokens it signed itself.
func TestVerifySignatureErrors(t *testing.T) {
	es := tokentest.PublicJWK(t, jose.ES256, "k1")
	known := func(kid string) (any, bool) {
		if kid == "k1" {
			return es.Key, true
		}
		return nil, false
	}
	good := tokentest.Sign(t, jose.ES256, "k1", claims(nil), nil)
	u, err := token.VerifySignature(good, []string{"RS256", "ES256"}, known)
	if err != nil || u.Claims["sub"] != "alice" || u.KeyID() != "k1" {
		t.Fatalf("%v %+v", err, u)
	}
	for _, tt := range []struct {
		name      string
		raw       string
		algs      []string
		want      string
		malformed bool
	}{
		{"garbage", "not-a-token", []string{"ES256"}, "", true},
		{"encrypted", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXY.Y3Q.dGFn", []string{"ES256"}, "an encrypted token (JWE), not a signed one", true},
		{"crit", tokentest.Sign(t, jose.ES256, "k1", claims(nil), map[string]any{"crit": []string{"b64"}, "b64": true}), []string{"ES256"}, `crit header ["b64"] refused`, false},
		{"alg not allowed", good, []string{"RS256"}, `alg "ES256" is not allowed (allowed: RS256)`, false},
		{"none even when listed", "eyJhbGciOiJub25lIiwia2lkIjoiazEifQ." + strings.Split(good, ".")[1] + ".", []string{"none", "ES256"}, `alg "none" is not allowed (allowed: none, ES256)`, false},
		{"unknown kid", tokentest.Sign(t, jose.ES256, "k2", claims(nil), nil), []string{"ES256"}, `unknown kid "k2"`, false},
		{"signature of other claims", strings.Join(append(strings.Split(good, ".")[:2], strings.Split(tokentest.Sign(t, jose.ES256, "k1", claims(map[string]any{"sub": "mallory"}), nil), ".")[2]), "."),
			[]string{"ES256"}, "signature does not verify", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := token.VerifySignature(tt.raw, tt.algs, known)
			if err == nil {
				t.Fatal("verified")
			}
			if errors.Is(err, token.ErrMalformed) != tt.malformed {
				t.Errorf("ErrMalformed = %v, want %v: %v", errors.Is(err, token.ErrMalformed), tt.malformed, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %q, want …%s…", err, tt.want)
			}
		})
	}
}
