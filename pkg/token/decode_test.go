package token

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty input: expected a JWT (header.payload.signature)"},
		{"spaces", "  \n\t ", "empty input"},
		{"bearer only", "Bearer ", "empty input"},
		{"one part", "abc", "not a JWT: no '.' separators"},
		{"two parts", "eyJhbGciOiJIUzI1NiJ9.e30", "truncated token: 2 dot-separated parts, a JWT has 3"},
		{"four parts", "a.b.c.d", "4 dot-separated parts: a JWT (JWS) has 3, an encrypted JWT (JWE) 5"},
		{"header not base64", "e%J.e30.", "header is not base64url: illegal character '%' at offset 1"},
		{"padding", "eyJhbGciOiJIUzI1NiJ9=.e30.", "padding is not allowed"},
		{"std base64", "eyJhbGciOiJIUzI1NiJ9.e+0.", "payload is not base64url: illegal character '+' at offset 1 (standard base64, not base64url)"},
		{"header not json", "bm90IGpzb24.e30.", "header is not JSON: invalid character 'o' in literal null (expecting 'u')"},
		{"header array", "WzFd.e30.", "header is JSON but not an object"},
		{"header truncated json", "eyJhbGciOiJI.e30.", "header is not JSON: unexpected end of JSON"},
		{"no alg", "e30.e30.", "header has no \"alg\" string member"},
		{"empty payload", "eyJhbGciOiJIUzI1NiJ9..", "payload is empty"},
		{"payload not json", "eyJhbGciOiJIUzI1NiJ9.aGVsbG8.", "payload is not JSON"},
		{"duplicate claim", "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxLCJhIjoyfQ.", "payload has duplicate member \"a\""},
		{"trailing data", "eyJhbGciOiJIUzI1NiJ9.e30ge30.", "payload has trailing data"},
		{"bad signature b64", "eyJhbGciOiJIUzI1NiJ9.e30.!!", "signature is not base64url"},
		{"too short", "a.b.c", `header "a" is 1 character long: base64url text is never 4n+1 characters, so the token is cut short or mistyped`},
		{"payload too short", "eyJhbGciOiJIUzI1NiJ9.e.c", `payload "e" is 1 character long`},
		{"signature cut", "eyJhbGciOiJIUzI1NiJ9.e30.abcde", `signature "abcde" is 5 characters long`},
		{"jwe without enc", "eyJhbGciOiJkaXIifQ....", "JWE header has no \"enc\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode(%q) succeeded, want error containing %q", tt.in, tt.want)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%q) error\n got: %v\nwant: …%s…", tt.in, err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestDecodeOK(t *testing.T) {
	// {"alg":"HS256","typ":"JWT","kid":"k1"} . {"sub":"alice","exp":1700000000,"aud":["a","b"]}
	raw := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMCwiYXVkIjpbImEiLCJiIl19.c2ln"
	for _, in := range []string{raw, "  " + raw + "\n", "Bearer " + raw, "bearer\t" + raw, "Authorization: Bearer " + raw} {
		u, err := Decode(in)
		if err != nil {
			t.Fatalf("Decode(%q): %v", in, err)
		}
		if u.Kind != KindJWS || u.Alg() != "HS256" || u.KeyID() != "k1" || u.Type() != "JWT" {
			t.Errorf("header = %v", u.Header)
		}
		if got := strings.Join(u.ClaimKeys, ","); got != "sub,exp,aud" {
			t.Errorf("claim order = %s", got)
		}
		if got := strings.Join(u.HeaderKeys, ","); got != "alg,typ,kid" {
			t.Errorf("header order = %s", got)
		}
		if string(u.Signature) != "sig" {
			t.Errorf("signature = %q", u.Signature)
		}
		if exp, ok := NumericDate(u.Claims["exp"]); !ok || exp.Unix() != 1700000000 {
			t.Errorf("exp = %v %v", exp, ok)
		}
	}
}

func TestDecodeJWE(t *testing.T) {
	// {"alg":"dir","enc":"A128GCM"}
	u, err := Decode("eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXY.Y3Q.dGFn")
	if err != nil {
		t.Fatal(err)
	}
	if u.Kind != KindJWE || u.Alg() != "dir" || u.Claims != nil {
		t.Errorf("got %+v", u)
	}
}
