package provider

import "testing"

// BenchmarkTestAPIMint: a user's ID, access and refresh token minted
// in process (ssokittest's Token path), session included.
func BenchmarkTestAPIMint(b *testing.B) {
	op := newTestOP(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := op.Mint(MintRequest{User: "alice"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTestAPISignInHTTP: POST /_ssokit/signin over loopback HTTP,
// as `ssokit admin signin` and a Playwright fixture call it.
func BenchmarkTestAPISignInHTTP(b *testing.B) {
	op := newTestOP(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		if st, body := op.api(b, "POST", "/_ssokit/signin", SignInRequest{User: "alice"}); st != 201 {
			b.Fatalf("%d %s", st, body)
		}
	}
}
