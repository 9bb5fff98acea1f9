package token

import (
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// jweKeyAlgs are the key-management algorithms Decrypt accepts. RSA1_5 is
// left out on purpose: PKCS#1 v1.5 decryption is a padding oracle.
var jweKeyAlgs = []jose.KeyAlgorithm{
	jose.RSA_OAEP, jose.RSA_OAEP_256,
	jose.ECDH_ES, jose.ECDH_ES_A128KW, jose.ECDH_ES_A192KW, jose.ECDH_ES_A256KW,
	jose.A128KW, jose.A192KW, jose.A256KW, jose.A128GCMKW, jose.A192GCMKW, jose.A256GCMKW,
	jose.DIRECT,
}

var jweContentEncs = []jose.ContentEncryption{
	jose.A128GCM, jose.A192GCM, jose.A256GCM,
	jose.A128CBC_HS256, jose.A192CBC_HS384, jose.A256CBC_HS512,
}

// Decrypted is the result of Decrypt: the plaintext and, when the plaintext
// is itself a JWT (a nested, signed-then-encrypted token), its decoding.
type Decrypted struct {
	Plaintext []byte
	// Nested is the decoded inner token, still unverified, or nil.
	Nested *Unverified
	// KeyID is the kid of the key that decrypted it.
	KeyID string
}

// Decrypt decrypts a compact JWE with the first of keys that works.
func Decrypt(raw string, keys []jose.JSONWebKey) (*Decrypted, error) {
	u, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	if u.Kind != KindJWE {
		return nil, errors.New("token is signed (JWS), not encrypted: nothing to decrypt")
	}
	jwe, err := jose.ParseEncryptedCompact(u.Raw, jweKeyAlgs, jweContentEncs)
	if err != nil {
		return nil, fmt.Errorf("cannot parse JWE (alg %s, enc %s): %s", u.Alg(), stringMember(u.Header, "enc"), strings.TrimPrefix(err.Error(), "go-jose/go-jose: "))
	}
	if len(keys) == 0 {
		return nil, errors.New("no decryption key given")
	}
	kid := u.KeyID()
	var lastErr error
	for _, k := range keys {
		if kid != "" && k.KeyID != "" && k.KeyID != kid {
			continue
		}
		pt, err := jwe.Decrypt(k.Key)
		if err != nil {
			lastErr = err
			continue
		}
		d := &Decrypted{Plaintext: pt, KeyID: k.KeyID}
		if nested, err := Decode(string(pt)); err == nil {
			d.Nested = nested
		}
		return d, nil
	}
	if lastErr == nil {
		return nil, fmt.Errorf("no key matches the JWE's kid %q", kid)
	}
	return nil, fmt.Errorf("cannot decrypt with the given key: %s", strings.TrimPrefix(lastErr.Error(), "go-jose/go-jose: "))
}
