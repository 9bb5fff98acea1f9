package token_test

import (
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

// BenchmarkVerifyRS256 is the in-process path of `ssokit token verify` with a
// local JWKS: parse the key set, decode, verify the signature, check claims.
func BenchmarkVerifyRS256(b *testing.B) {
	jwks := tokentest.JWKS(b, tokentest.PublicJWK(b, jose.ES256, "ec-1"), tokentest.PublicJWK(b, jose.RS256, "rsa-1"))
	raw := tokentest.Sign(b, jose.RS256, "rsa-1", claims(nil), nil)
	b.ReportAllocs()
	for b.Loop() {
		keys, err := token.ParseKeys(jwks)
		if err != nil {
			b.Fatal(err)
		}
		r, err := token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock, Leeway: token.DefaultLeeway, Audience: "shell"})
		if err != nil || !r.Valid {
			b.Fatal(err, r)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	raw := tokentest.Sign(b, jose.RS256, "rsa-1", claims(nil), nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := token.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
