// Package tokentest makes signing keys and tokens for tests with go-jose
// directly, so ssokit's verifier is checked against an implementation it
// did not write.
package tokentest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// Algs lists every signature algorithm the verifier must accept.
var Algs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
	jose.HS256, jose.HS384, jose.HS512,
}

var (
	mu   sync.Mutex
	keys = map[string]any{}
)

// Secret is the HMAC secret used for HS* tokens.
var Secret = []byte("a-test-secret-that-is-64-bytes-long-enough-for-hs512-signatures!!")

func family(alg jose.SignatureAlgorithm) string {
	a := string(alg)
	switch {
	case strings.HasPrefix(a, "RS"), strings.HasPrefix(a, "PS"):
		return "RSA"
	case strings.HasPrefix(a, "HS"):
		return "HMAC"
	}
	return a
}

// PrivateKey returns a process-wide cached private key for alg (RSA keys
// are shared across RS*/PS*).
func PrivateKey(tb testing.TB, alg jose.SignatureAlgorithm) any {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	fam := family(alg)
	if k, ok := keys[fam]; ok {
		return k
	}
	var k any
	var err error
	switch fam {
	case "RSA":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "EdDSA":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case "HMAC":
		k = Secret
	default:
		tb.Fatalf("tokentest: no key for %s", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	keys[fam] = k
	return k
}

// PublicJWK returns the public JWK for alg's key with kid set.
func PublicJWK(tb testing.TB, alg jose.SignatureAlgorithm, kid string) jose.JSONWebKey {
	tb.Helper()
	k := jose.JSONWebKey{Key: PrivateKey(tb, alg), KeyID: kid, Use: "sig"}
	if family(alg) == "HMAC" {
		return k
	}
	return k.Public()
}

// JWKS marshals keys as a JWK set.
func JWKS(tb testing.TB, keys ...jose.JSONWebKey) []byte {
	tb.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// PublicPEM returns alg's public key as a PKIX PEM block.
func PublicPEM(tb testing.TB, alg jose.SignatureAlgorithm) []byte {
	tb.Helper()
	pub := PublicJWK(tb, alg, "").Key
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Sign signs claims with alg's key. kid may be empty; headers adds extra
// protected header members (e.g. "crit").
func Sign(tb testing.TB, alg jose.SignatureAlgorithm, kid string, claims any, headers map[string]any) string {
	tb.Helper()
	return SignWithKey(tb, alg, PrivateKey(tb, alg), kid, claims, headers)
}

// SignWithKey signs claims with an explicit key (for forgeries such as HMAC
// keyed with a public key).
func SignWithKey(tb testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims any, headers map[string]any) string {
	tb.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	for k, v := range headers {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
