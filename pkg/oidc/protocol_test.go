package oidc

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestErrorFormatting(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		text string
		json string
	}{
		{Error{Code: ErrInvalidGrant, Status: 400}, "invalid_grant", `{"error":"invalid_grant"}`},
		{Error{Code: ErrInvalidClient, Description: "client_secret is wrong; check the client's secret in ssokit.yaml", Status: 401},
			"invalid_client: client_secret is wrong; check the client's secret in ssokit.yaml",
			`{"error":"invalid_client","error_description":"client_secret is wrong; check the client's secret in ssokit.yaml"}`},
	} {
		if got := tt.e.Error(); got != tt.text {
			t.Errorf("Error() = %q, want %q", got, tt.text)
		}
		b, err := json.Marshal(&tt.e)
		if err != nil || string(b) != tt.json {
			t.Errorf("json %s %v, want %s (Status must not travel in the body)", b, err, tt.json)
		}
	}
	// *Error is an error that errors.As finds through wrapping.
	var target *Error
	wrapped := errors.Join(errors.New("context"), &Error{Code: ErrAccessDenied})
	if !errors.As(wrapped, &target) || target.Code != ErrAccessDenied {
		t.Errorf("errors.As did not find the *Error in %v", wrapped)
	}
}

func TestParseScopeTable(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"openid", []string{"openid"}},
		{"openid\tprofile\nemail", []string{"openid", "profile", "email"}},
		{"email openid email openid", []string{"email", "openid"}},
		{"OpenID openid", []string{"OpenID", "openid"}}, // scope values are case-sensitive (RFC 6749 §3.3)
		{"offline_access openid", []string{"offline_access", "openid"}},
	} {
		if got := ParseScope(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ParseScope(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidPKCEVerifier(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    string
		want bool
	}{
		{"43 chars, the minimum", strings.Repeat("a", 43), true},
		{"128 chars, the maximum", strings.Repeat("Z", 128), true},
		{"every unreserved character", "ABCXYZabcxyz0123456789-._~" + strings.Repeat("0", 17), true},
		{"42 chars", strings.Repeat("a", 42), false},
		{"129 chars", strings.Repeat("a", 129), false},
		{"empty", "", false},
		{"plus", strings.Repeat("a", 42) + "+", false},
		{"slash", strings.Repeat("a", 42) + "/", false},
		{"padding", strings.Repeat("a", 42) + "=", false},
		{"space", strings.Repeat("a", 21) + " " + strings.Repeat("a", 21), false},
		{"non-ASCII letter", strings.Repeat("a", 41) + "é", false},
		{"NUL byte", strings.Repeat("a", 42) + "\x00", false},
	} {
		if got := ValidPKCEVerifier(tt.v); got != tt.want {
			t.Errorf("%s: ValidPKCEVerifier(%q) = %v, want %v", tt.name, tt.v, got, tt.want)
		}
	}
}

func TestVerifyPKCE(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	for _, tt := range []struct {
		name                string
		challenge, verifier string
		want                bool
	}{
		{"RFC 7636 example", challenge, verifier, true},
		{"plain method is not accepted: challenge equal to verifier", verifier, verifier, false},
		{"empty challenge", "", verifier, false},
		{"challenge with padding", challenge + "=", verifier, false},
		{"challenge in standard base64", strings.NewReplacer("-", "+", "_", "/").Replace(challenge), verifier, false},
		{"challenge of another verifier", PKCEChallengeS256(strings.Repeat("b", 43)), verifier, false},
		{"invalid verifier whose hash matches", PKCEChallengeS256("short"), "short", false},
	} {
		if got := VerifyPKCE(tt.challenge, tt.verifier); got != tt.want {
			t.Errorf("%s: VerifyPKCE = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := PKCEChallengeS256(""); got != "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU" {
		t.Errorf("S256 of the empty string %s", got)
	}
}

// TestHalfHashAlgs pins which hash each signing alg uses: SHA-384 for
// *384, SHA-512 for *512 and EdDSA, SHA-256 for the rest and unknowns.
func TestHalfHashAlgs(t *testing.T) {
	const v = "an access token"
	half := func(sum []byte) string { return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]) }
	s256, s384, s512 := sha256.Sum256([]byte(v)), sha512.Sum384([]byte(v)), sha512.Sum512([]byte(v))
	for alg, want := range map[string]string{
		"RS256": half(s256[:]), "ES256": half(s256[:]), "PS256": half(s256[:]), "HS256": half(s256[:]), "": half(s256[:]), "none": half(s256[:]),
		"RS384": half(s384[:]), "ES384": half(s384[:]), "PS384": half(s384[:]),
		"RS512": half(s512[:]), "ES512": half(s512[:]), "PS512": half(s512[:]), "EdDSA": half(s512[:]),
	} {
		if got := HalfHash(alg, v); got != want {
			t.Errorf("HalfHash(%q) = %s, want %s", alg, got, want)
		}
	}
}

// TestDiscoveryJSON pins the wire names of the discovery document and that
// check_session_iframe alone is omitted when empty.
func TestDiscoveryJSON(t *testing.T) {
	b, err := json.Marshal(Discovery{Issuer: "http://localhost:9999", CodeChallengeMethodsSupported: []string{"S256"}, BackchannelLogoutSupported: true})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["check_session_iframe"]; ok {
		t.Error("empty check_session_iframe must be omitted")
	}
	for k, want := range map[string]any{
		"issuer": "http://localhost:9999", "backchannel_logout_supported": true,
		"code_challenge_methods_supported":               []any{"S256"},
		"authorization_response_iss_parameter_supported": false,
		"jwks_uri": "", "end_session_endpoint": "", "revocation_endpoint_auth_methods_supported": nil,
	} {
		got, ok := m[k]
		if !ok {
			t.Errorf("discovery lacks %s", k)
			continue
		}
		if gb, wb := mustJSON(t, got), mustJSON(t, want); gb != wb {
			t.Errorf("%s = %s, want %s", k, gb, wb)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
