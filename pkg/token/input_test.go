package token_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

func TestReadInputLimits(t *testing.T) {
	_, err := token.ReadInput(bytes.NewReader(bytes.Repeat([]byte("a"), token.MaxInputSize+1)))
	if !errors.Is(err, token.ErrTooLarge) || !strings.Contains(err.Error(), "8 MiB") {
		t.Fatalf("err = %v", err)
	}
	got, err := token.ReadInput(strings.NewReader("\n  Bearer abc.def.ghi \r\n"))
	if err != nil || got != "abc.def.ghi" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// A 1 MB token on stdin (no newline, one huge line) decodes and verifies.
func TestReadInputMegabyteToken(t *testing.T) {
	c := claims(map[string]any{"blob": strings.Repeat("x", 1<<20)})
	raw := tokentest.Sign(t, jose.RS256, "k1", c, nil)
	if len(raw) < 1<<20 {
		t.Fatalf("token only %d bytes", len(raw))
	}
	in, err := token.ReadInput(strings.NewReader(raw + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := token.Verify(in, token.VerifyOptions{Keys: []jose.JSONWebKey{tokentest.PublicJWK(t, jose.RS256, "k1")}, Now: clock})
	if err != nil || !r.Valid {
		t.Fatalf("err=%v result=%+v", err, r)
	}
}
