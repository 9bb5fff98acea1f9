package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Token types Mint knows, with the JOSE "typ" each is signed with.
const (
	TypeID     = "id"
	TypeAccess = "access"
)

// MintOptions describes a token to mint. Claims in Extra override the
// computed ones, so anything can be forced for a test.
type MintOptions struct {
	Issuer   string
	Subject  string
	Audience []string
	Scope    string
	ClientID string
	TTL      time.Duration
	Type     string // TypeID or TypeAccess
	Extra    map[string]any
	Now      func() time.Time
}

// MintClaims builds the claim set for opts and returns it with the header
// "typ" to sign it with ("JWT" for ID tokens, "at+jwt" for RFC 9068 access
// tokens).
func MintClaims(opts MintOptions) (claims map[string]any, typ string, err error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now().Truncate(time.Second)
	if opts.TTL <= 0 {
		return nil, "", fmt.Errorf("lifetime must be positive, got %s", opts.TTL)
	}
	claims = map[string]any{
		"iss": opts.Issuer,
		"sub": opts.Subject,
		"iat": t.Unix(),
		"exp": t.Add(opts.TTL).Unix(),
		"jti": randomID(),
	}
	switch len(opts.Audience) {
	case 0:
	case 1:
		claims["aud"] = opts.Audience[0]
	default:
		claims["aud"] = opts.Audience
	}
	switch opts.Type {
	case TypeID, "":
		typ = "JWT"
		claims["auth_time"] = t.Unix()
		if opts.ClientID != "" {
			claims["azp"] = opts.ClientID
		}
	case TypeAccess:
		typ = "at+jwt"
		clientID := opts.ClientID
		if clientID == "" && len(opts.Audience) > 0 {
			clientID = opts.Audience[0]
		}
		if clientID != "" {
			claims["client_id"] = clientID
		}
	default:
		return nil, "", fmt.Errorf("unknown token type %q: use id or access", opts.Type)
	}
	if opts.Scope != "" {
		claims["scope"] = opts.Scope
	}
	for k, v := range opts.Extra {
		claims[k] = v
	}
	return claims, typ, nil
}

// ParseClaimFlag parses "k=v". A value that is valid JSON (number, bool,
// object, array, quoted string, null) is used as such; anything else is a
// string.
func ParseClaimFlag(s string) (string, any, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return "", nil, fmt.Errorf("claim %q: expected name=value", s)
	}
	var x any
	if err := json.Unmarshal([]byte(v), &x); err == nil {
		return k, x, nil
	}
	return k, v, nil
}

// LoadClaimsFile reads a JSON object of claims.
func LoadClaimsFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object of claims: %v", path, err)
	}
	return m, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
