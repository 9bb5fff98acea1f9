package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	jose "github.com/go-jose/go-jose/v4"
)

// ParseKeys reads key material in any of the forms people have at hand: a
// JWKS ({"keys":[…]}), a single JWK, or PEM (public keys, certificates, and
// PKCS#1, PKCS#8 or SEC 1 private keys; several blocks allowed). Private keys
// are kept (JWE decryption needs them); Verify only uses their public half.
func ParseKeys(data []byte) ([]jose.JSONWebKey, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("no key material: the input is empty")
	}
	if trimmed[0] == '{' {
		return parseJSONKeys(trimmed)
	}
	if bytes.Contains(trimmed, []byte("-----BEGIN")) {
		return parsePEMKeys(trimmed)
	}
	return nil, errors.New("unrecognised key format: expected a JWKS, a JWK or PEM")
}

// LoadKeys reads and parses a key file; errors name the file.
func LoadKeys(path string) ([]jose.JSONWebKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxInputSize {
		return nil, fmt.Errorf("%s: %w", path, ErrTooLarge)
	}
	keys, err := ParseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

func parseJSONKeys(data []byte) ([]jose.JSONWebKey, error) {
	var probe struct {
		Keys json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("key file is not valid JSON: %v", err)
	}
	if probe.Keys != nil {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(data, &set); err != nil {
			return nil, fmt.Errorf("invalid JWKS: %v", err)
		}
		if len(set.Keys) == 0 {
			return nil, errors.New("JWKS has no keys")
		}
		return set.Keys, nil
	}
	var k jose.JSONWebKey
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("invalid JWK: %v", err)
	}
	return []jose.JSONWebKey{k}, nil
}

func parsePEMKeys(data []byte) ([]jose.JSONWebKey, error) {
	var keys []jose.JSONWebKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		k, err := parsePEMBlock(block)
		if err != nil {
			return nil, err
		}
		keys = append(keys, jose.JSONWebKey{Key: k})
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block found")
	}
	return keys, nil
}

func parsePEMBlock(b *pem.Block) (any, error) {
	switch b.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(b.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(b.Bytes)
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		return c.PublicKey, nil
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	case "PRIVATE KEY":
		return x509.ParsePKCS8PrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q", b.Type)
	}
}

// publicKey returns the public half of k.Key, or k.Key itself for secrets
// and public keys.
func publicKey(key any) any {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	case ed25519.PrivateKey:
		return k.Public()
	case crypto.Signer:
		return k.Public()
	}
	return key
}

// KeyType names a key's family for messages: "RSA", "EC P-256", "Ed25519",
// "HMAC secret".
func KeyType(key any) string {
	switch k := publicKey(key).(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "EC " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	case []byte:
		return "HMAC secret"
	default:
		return fmt.Sprintf("%T", key)
	}
}

// IsSymmetric reports whether key is a shared secret.
func IsSymmetric(key any) bool {
	_, ok := key.([]byte)
	return ok
}

// AllowedAlgs derives the signature algorithms a key may verify. It is the
// allow-list Verify passes to go-jose: RSA keys allow RS* and PS*, EC keys the
// single ES* of their curve, Ed25519 EdDSA, secrets HS*. A key that declares
// "alg" allows only that algorithm (when it fits the key); a key marked
// "use":"enc" allows none. "none" is never in the list, and HMAC never for an
// asymmetric key.
func AllowedAlgs(k jose.JSONWebKey) []jose.SignatureAlgorithm {
	if k.Use == "enc" {
		return nil
	}
	var algs []jose.SignatureAlgorithm
	switch pk := publicKey(k.Key).(type) {
	case *rsa.PublicKey:
		algs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512}
	case *ecdsa.PublicKey:
		switch pk.Curve {
		case elliptic.P256():
			algs = []jose.SignatureAlgorithm{jose.ES256}
		case elliptic.P384():
			algs = []jose.SignatureAlgorithm{jose.ES384}
		case elliptic.P521():
			algs = []jose.SignatureAlgorithm{jose.ES512}
		}
	case ed25519.PublicKey:
		algs = []jose.SignatureAlgorithm{jose.EdDSA}
	case []byte:
		algs = []jose.SignatureAlgorithm{jose.HS256, jose.HS384, jose.HS512}
	}
	if k.Algorithm == "" {
		return algs
	}
	for _, a := range algs {
		if string(a) == k.Algorithm {
			return []jose.SignatureAlgorithm{a}
		}
	}
	return nil
}

// IsSignatureAlg reports whether alg is a JWS signature algorithm ssokit
// verifies (never "none").
func IsSignatureAlg(alg string) bool {
	switch jose.SignatureAlgorithm(alg) {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
		jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512:
		return true
	}
	return false
}
