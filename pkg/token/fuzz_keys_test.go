package token

import (
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzParseKeys feeds arbitrary key files (JWKS, JWK, PEM) to the loader
// and, when keys come out, uses them to verify a token: nothing may panic,
// and no key may ever allow "none".
func FuzzParseKeys(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA","kid":"a"}]}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte(`{"keys":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseKeys(data)
		if err != nil {
			return
		}
		for _, k := range keys {
			for _, a := range AllowedAlgs(k) {
				if a == "none" {
					t.Fatal("key allows none")
				}
			}
		}
		_, _ = Verify("eyJhbGciOiJIUzI1NiIsImtpZCI6ImEifQ.e30.c2ln", VerifyOptions{Keys: keys})
		_ = jose.JSONWebKeySet{Keys: keys}
	})
}
