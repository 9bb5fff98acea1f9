package token_test

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

func TestParseKeysForms(t *testing.T) {
	rsaJWK := tokentest.PublicJWK(t, jose.RS256, "r1")
	single, _ := json.Marshal(rsaJWK)
	ecPriv := tokentest.PrivateKey(t, jose.ES256).(*ecdsa.PrivateKey)
	ecDER, _ := x509.MarshalECPrivateKey(ecPriv)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ecPriv)
	tests := []struct {
		name string
		data []byte
		n    int
		algs string
	}{
		{"jwks", tokentest.JWKS(t, rsaJWK, tokentest.PublicJWK(t, jose.ES256, "e1")), 2, "RS256,RS384,RS512,PS256,PS384,PS512"},
		{"jwk", single, 1, "RS256,RS384,RS512,PS256,PS384,PS512"},
		{"pem public", tokentest.PublicPEM(t, jose.EdDSA), 1, "EdDSA"},
		{"pem ec private", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}), 1, "ES256"},
		{"pem pkcs8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 1, "ES256"},
		{"two pem blocks", append(tokentest.PublicPEM(t, jose.ES384), tokentest.PublicPEM(t, jose.ES512)...), 2, "ES384"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := token.ParseKeys(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != tt.n {
				t.Fatalf("%d keys, want %d", len(keys), tt.n)
			}
			var algs []string
			for _, a := range token.AllowedAlgs(keys[0]) {
				algs = append(algs, string(a))
			}
			if got := strings.Join(algs, ","); got != tt.algs {
				t.Errorf("allowed algs %s, want %s", got, tt.algs)
			}
		})
	}
}

func TestParseKeysErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "no key material"},
		{"hello", "unrecognised key format"},
		{"{", "not valid JSON"},
		{`{"keys":[]}`, "JWKS has no keys"},
		{`{"kty":"RSA"}`, "invalid JWK"},
		{"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", `unsupported PEM block "FOO"`},
		{"-----BEGIN broken", "no PEM block found"},
	}
	for _, tt := range tests {
		_, err := token.ParseKeys([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseKeys(%q) = %v, want …%s…", tt.in, err, tt.want)
		}
	}
}

func TestAllowedAlgsNeverNoneNorHMACForAsymmetric(t *testing.T) {
	for _, alg := range tokentest.Algs {
		k := tokentest.PublicJWK(t, alg, "")
		for _, a := range token.AllowedAlgs(k) {
			if a == "none" {
				t.Errorf("%s key allows none", alg)
			}
			if strings.HasPrefix(string(a), "HS") && !token.IsSymmetric(k.Key) {
				t.Errorf("%s key allows %s", alg, a)
			}
		}
	}
}
