package token

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, and
// every failure must be one line wrapping ErrMalformed.
func FuzzDecode(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln")
	f.Add("Bearer eyJhbGciOiJIUzI1NiJ9.e30.")
	f.Add("eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXY.Y3Q.dGFn")
	f.Add("a.b")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Decode(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			if utf8.ValidString(s) && strings.ContainsAny(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if u.Header == nil || u.Alg() == "" {
			t.Fatalf("decoded without alg: %+v", u)
		}
		if u.Kind == KindJWS && u.Claims == nil {
			t.Fatal("JWS without claims")
		}
	})
}
