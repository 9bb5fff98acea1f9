package token_test

import (
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

func claims(extra map[string]any) map[string]any {
	c := map[string]any{
		"iss": "http://localhost:9400/", "sub": "alice", "aud": "shell",
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"nonce": "n-1",
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func TestVerifyEveryAlgorithm(t *testing.T) {
	for _, alg := range tokentest.Algs {
		t.Run(string(alg), func(t *testing.T) {
			raw := tokentest.Sign(t, alg, "k1", claims(nil), nil)
			keys := []jose.JSONWebKey{tokentest.PublicJWK(t, alg, "k1")}
			r, err := token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock, Leeway: token.DefaultLeeway,
				Issuer: "http://localhost:9400/", Audience: "shell", Nonce: "n-1", Require: []string{"sub"}})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Valid {
				t.Fatalf("invalid: %s; checks %+v", r.Reason, r.Checks)
			}
			if r.Alg != string(alg) || r.KeyID != "k1" {
				t.Errorf("alg/kid = %s/%s", r.Alg, r.KeyID)
			}

			// Tampering with any byte of the payload breaks the signature.
			parts := strings.Split(raw, ".")
			forged := tokentest.Sign(t, alg, "k1", claims(map[string]any{"sub": "mallory"}), nil)
			tampered := parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
			r, err = token.Verify(tampered, token.VerifyOptions{Keys: keys, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid || !strings.Contains(r.Reason, "signature does not verify") {
				t.Errorf("tampered token: valid=%v reason=%q", r.Valid, r.Reason)
			}
		})
	}
}

func TestVerifyFailures(t *testing.T) {
	rsaKey := tokentest.PublicJWK(t, jose.RS256, "rsa-1")
	ecKey := tokentest.PublicJWK(t, jose.ES256, "ec-1")
	keys := []jose.JSONWebKey{rsaKey, ecKey}
	rsaPub := rsaKey.Key.(*rsa.PublicKey)
	pemBytes := tokentest.PublicPEM(t, jose.RS256)
	_ = rsaPub

	unsigned := "eyJhbGciOiJub25lIiwia2lkIjoicnNhLTEifQ." + strings.Split(tokentest.Sign(t, jose.HS256, "", claims(nil), nil), ".")[1] + "."

	tests := []struct {
		name   string
		raw    string
		opts   token.VerifyOptions
		reason string
	}{
		{"alg none", unsigned, token.VerifyOptions{Keys: keys}, `alg "none" refused`},
		{"hmac with rsa public key (key confusion)",
			tokentest.SignWithKey(t, jose.HS256, pemBytes, "rsa-1", claims(nil), nil),
			token.VerifyOptions{Keys: keys},
			"alg HS256 refused: the key is RSA 2048 (asymmetric); accepting HMAC here is the key-confusion attack"},
		{"crit header", tokentest.Sign(t, jose.RS256, "rsa-1", claims(nil), map[string]any{"crit": []string{"exp"}, "exp": 1}),
			token.VerifyOptions{Keys: keys}, `crit header ["exp"] refused`},
		{"unknown kid", tokentest.Sign(t, jose.RS256, "rsa-9", claims(nil), nil),
			token.VerifyOptions{Keys: keys}, `unknown kid "rsa-9"; known kids: "rsa-1", "ec-1"`},
		{"wrong alg for key", tokentest.Sign(t, jose.ES384, "ec-1", claims(nil), nil),
			token.VerifyOptions{Keys: keys}, `alg ES384 not allowed for EC P-256 key "ec-1" (allowed: ES256)`},
		{"jwk alg pins", tokentest.Sign(t, jose.PS256, "", claims(nil), nil),
			token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: rsaKey.Key, Algorithm: "RS256"}}}, `alg PS256 not allowed for RSA 2048 key (allowed: RS256)`},
		{"enc key unused", tokentest.Sign(t, jose.RS256, "", claims(nil), nil),
			token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: rsaKey.Key, Use: "enc"}}}, "no signature verification keys given"},
		{"no kid, no key for alg", tokentest.Sign(t, jose.EdDSA, "", claims(nil), nil),
			token.VerifyOptions{Keys: keys}, "token has no kid and no key allows alg EdDSA"},
		{"wrong secret", tokentest.Sign(t, jose.HS256, "", claims(nil), nil),
			token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: []byte("other-secret-that-is-also-32-bytes")}}}, "signature does not verify with the HMAC secret key"},
		{"short secret", tokentest.Sign(t, jose.HS256, "", claims(nil), nil),
			token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: []byte("short")}}}, "the secret is 5 bytes; HS256 needs at least 32"},
		{"expired", tokentest.Sign(t, jose.RS256, "rsa-1", claims(map[string]any{"exp": now.Add(-3*time.Hour - 12*time.Minute).Unix()}), nil),
			token.VerifyOptions{Keys: keys, Now: clock, Leeway: time.Minute}, "expired 3h12m ago (exp 2026-11-28T08:48:00Z)"},
		{"not yet valid", tokentest.Sign(t, jose.RS256, "rsa-1", claims(map[string]any{"nbf": now.Add(5 * time.Minute).Unix()}), nil),
			token.VerifyOptions{Keys: keys, Now: clock, Leeway: time.Minute}, "not valid yet: valid in 5m00s (nbf 2026-11-28T12:05:00Z)"},
		{"issued in future", tokentest.Sign(t, jose.RS256, "rsa-1", claims(map[string]any{"iat": now.Add(2 * time.Hour).Unix()}), nil),
			token.VerifyOptions{Keys: keys, Now: clock}, "issued in the future: iat is 2h00m ahead"},
		{"exp not a number", tokentest.Sign(t, jose.RS256, "rsa-1", claims(map[string]any{"exp": "tomorrow"}), nil),
			token.VerifyOptions{Keys: keys, Now: clock}, `exp is not a NumericDate: "tomorrow"`},
		{"issuer", tokentest.Sign(t, jose.RS256, "rsa-1", claims(nil), nil),
			token.VerifyOptions{Keys: keys, Now: clock, Issuer: "https://evil/"}, `iss "http://localhost:9400/" is not the expected "https://evil/"`},
		{"audience", tokentest.Sign(t, jose.RS256, "rsa-1", claims(map[string]any{"aud": []string{"a", "b"}}), nil),
			token.VerifyOptions{Keys: keys, Now: clock, Audience: "shell"}, `aud ["a","b"] does not contain "shell"`},
		{"nonce", tokentest.Sign(t, jose.RS256, "rsa-1", claims(nil), nil),
			token.VerifyOptions{Keys: keys, Now: clock, Nonce: "n-2"}, `nonce "n-1" is not the expected "n-2"`},
		{"required claim", tokentest.Sign(t, jose.RS256, "rsa-1", claims(nil), nil),
			token.VerifyOptions{Keys: keys, Now: clock, Require: []string{"sid"}}, `required claim "sid" is missing`},
		{"encrypted", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXY.Y3Q.dGFn",
			token.VerifyOptions{Keys: keys}, "token is encrypted (JWE)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := token.Verify(tt.raw, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid {
				t.Fatalf("valid, want %q", tt.reason)
			}
			if !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("reason\n got: %s\nwant: …%s…", r.Reason, tt.reason)
			}
		})
	}
}

func TestVerifyLeewayAndMultiKey(t *testing.T) {
	keys := []jose.JSONWebKey{tokentest.PublicJWK(t, jose.ES256, "ec-1"), tokentest.PublicJWK(t, jose.RS256, "rsa-1")}
	// Expired 30s ago: inside the default 60s leeway.
	raw := tokentest.Sign(t, jose.RS256, "", claims(map[string]any{"exp": now.Add(-30 * time.Second).Unix()}), nil)
	r, err := token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock, Leeway: token.DefaultLeeway})
	if err != nil || !r.Valid {
		t.Fatalf("err=%v result=%+v", err, r)
	}
	if r.KeyID != "rsa-1" {
		t.Errorf("selected kid %q, want rsa-1 (chosen by alg without a kid)", r.KeyID)
	}
	r, _ = token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock})
	if r.Valid {
		t.Error("valid without leeway")
	}
	// A lone key without kid verifies a token that names a kid.
	raw = tokentest.Sign(t, jose.HS256, "some-kid", claims(nil), nil)
	r, _ = token.Verify(raw, token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: tokentest.Secret}}, Now: clock})
	if !r.Valid {
		t.Errorf("secret: %s", r.Reason)
	}
}

func TestVerifyMalformedIsError(t *testing.T) {
	_, err := token.Verify("a.b", token.VerifyOptions{})
	if !errors.Is(err, token.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}
