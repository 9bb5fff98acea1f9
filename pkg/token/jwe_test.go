package token_test

import (
	"crypto/rsa"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

func encrypt(t *testing.T, alg jose.KeyAlgorithm, key any, kid, cty string, plaintext string) string {
	t.Helper()
	opts := &jose.EncrypterOptions{}
	if cty != "" {
		opts = opts.WithContentType(jose.ContentType(cty))
	}
	e, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: alg, Key: key, KeyID: kid}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt([]byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecrypt(t *testing.T) {
	priv := tokentest.PrivateKey(t, jose.RS256).(*rsa.PrivateKey)
	inner := tokentest.Sign(t, jose.RS256, "r1", claims(nil), nil)
	raw := encrypt(t, jose.RSA_OAEP_256, &priv.PublicKey, "enc-1", "JWT", inner)

	u, err := token.Decode(raw)
	if err != nil || u.Kind != token.KindJWE || u.Alg() != "RSA-OAEP-256" {
		t.Fatalf("decode: %v %+v", err, u)
	}
	d, err := token.Decrypt(raw, []jose.JSONWebKey{{Key: priv, KeyID: "enc-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Nested == nil || d.Nested.Claims["sub"] != "alice" {
		t.Errorf("nested = %+v", d.Nested)
	}

	dirKey := make([]byte, 32)
	raw = encrypt(t, jose.DIRECT, dirKey, "", "", `{"hello":"world"}`)
	d, err = token.Decrypt(raw, []jose.JSONWebKey{{Key: dirKey}})
	if err != nil || string(d.Plaintext) != `{"hello":"world"}` || d.Nested != nil {
		t.Fatalf("dir: %v %+v", err, d)
	}

	tests := []struct {
		name string
		raw  string
		keys []jose.JSONWebKey
		want string
	}{
		{"wrong key", raw, []jose.JSONWebKey{{Key: make([]byte, 32)[:31]}}, "cannot decrypt with the given key"},
		{"signed token", inner, []jose.JSONWebKey{{Key: priv}}, "token is signed (JWS), not encrypted"},
		{"no key", raw, nil, "no decryption key given"},
		{"rsa1_5 refused", "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4R0NNIn0.a.aXY.Y3Q.dGFn", []jose.JSONWebKey{{Key: priv}}, "cannot parse JWE (alg RSA1_5, enc A128GCM)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := token.Decrypt(tt.raw, tt.keys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want …%s…", err, tt.want)
			}
		})
	}
}
