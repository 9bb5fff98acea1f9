package oidc

import (
	"strings"
	"testing"
)

// RFC 7636 Appendix B.
func TestPKCES256(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := PKCEChallengeS256(verifier); got != challenge {
		t.Fatalf("challenge %s, want %s", got, challenge)
	}
	if !VerifyPKCE(challenge, verifier) {
		t.Error("RFC 7636 example does not verify")
	}
	for _, bad := range []string{"", "short", verifier + "x", strings.Repeat("a", 129), strings.Repeat("a", 42) + "!"} {
		if VerifyPKCE(challenge, bad) {
			t.Errorf("verifier %q verified", bad)
		}
	}
}

// OIDC Core §3.1.3.6: at_hash is the left half of SHA-256, base64url.
func TestHalfHash(t *testing.T) {
	// the access token and at_hash of OIDC Core Appendix A.3
	if got := HalfHash("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"); got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Errorf("at_hash %s", got)
	}
	if len(HalfHash("ES384", "x")) != 32 || len(HalfHash("RS512", "x")) != 43 {
		t.Error("half-hash lengths for 384/512-bit hashes")
	}
}

func TestParseScope(t *testing.T) {
	if got := strings.Join(ParseScope("  openid profile openid  email "), ","); got != "openid,profile,email" {
		t.Errorf("scope %s", got)
	}
}
