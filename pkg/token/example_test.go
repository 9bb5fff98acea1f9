package token_test

import (
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
)

func ExampleDecode() {
	// {"alg":"HS256","typ":"JWT"}.{"sub":"alice","exp":1795867452}
	u, err := token.Decode("Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTc5NTg2NzQ1Mn0.c2ln")
	if err != nil {
		fmt.Println(err)
		return
	}
	exp, _ := token.NumericDate(u.Claims["exp"])
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	fmt.Println(u.Alg(), u.Claims["sub"], token.Relative("exp", exp, now))
	// Output: HS256 alice expires in 4m12s
}

func ExampleDecode_malformed() {
	_, err := token.Decode("eyJhbGciOiJIUzI1NiJ9.e30")
	fmt.Println(err)
	// Output: malformed token: truncated token: 2 dot-separated parts, a JWT has 3 (header.payload.signature)
}

func ExampleAllowedAlgs() {
	secret := jose.JSONWebKey{Key: []byte("a shared secret of at least 32 bytes")}
	fmt.Println(token.AllowedAlgs(secret))
	pinned := jose.JSONWebKey{Key: []byte("a shared secret of at least 32 bytes"), Algorithm: "HS512"}
	fmt.Println(token.AllowedAlgs(pinned))
	// Output:
	// [HS256 HS384 HS512]
	// [HS512]
}
