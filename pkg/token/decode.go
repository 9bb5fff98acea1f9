package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrMalformed is wrapped by every error Decode returns: the input is not a
// well-formed compact JWS or JWE. Commands map it to exit code 2.
var ErrMalformed = errors.New("malformed token")

// Kind says whether a token is signed (JWS, three parts) or encrypted (JWE,
// five parts).
type Kind string

// Token kinds.
const (
	KindJWS Kind = "JWS"
	KindJWE Kind = "JWE"
)

// Unverified is a decoded token whose signature and claims have NOT been
// checked. Nothing in it may be trusted; use Verify for that.
type Unverified struct {
	Raw  string
	Kind Kind

	// Header is the (protected) header; HeaderKeys lists its members in the
	// order they appear in the token.
	Header     map[string]any
	HeaderKeys []string
	HeaderJSON []byte

	// Claims is the payload of a JWS, nil for a JWE; ClaimKeys keeps order.
	Claims     map[string]any
	ClaimKeys  []string
	ClaimsJSON []byte

	// Signature holds the decoded signature bytes of a JWS.
	Signature []byte
}

// Alg returns the header's "alg", or "".
func (u *Unverified) Alg() string { return stringMember(u.Header, "alg") }

// KeyID returns the header's "kid", or "".
func (u *Unverified) KeyID() string { return stringMember(u.Header, "kid") }

// Type returns the header's "typ", or "".
func (u *Unverified) Type() string { return stringMember(u.Header, "typ") }

func stringMember(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// Decode parses a compact JWS or JWE without verifying anything. Every error
// wraps ErrMalformed and says, in one line, what is wrong.
func Decode(raw string) (*Unverified, error) {
	raw = Normalize(raw)
	if raw == "" {
		return nil, malformed("empty input: expected a JWT (header.payload.signature)")
	}
	parts := strings.Split(raw, ".")
	switch len(parts) {
	case 1:
		return nil, malformed("not a JWT: no '.' separators (a JWT has 3 dot-separated parts, a JWE 5)")
	case 2:
		return nil, malformed("truncated token: 2 dot-separated parts, a JWT has 3 (header.payload.signature)")
	case 3, 5:
	default:
		return nil, malformed("%d dot-separated parts: a JWT (JWS) has 3, an encrypted JWT (JWE) 5", len(parts))
	}
	u := &Unverified{Raw: raw, Kind: KindJWS}
	if len(parts) == 5 {
		u.Kind = KindJWE
	}
	var err error
	if u.HeaderJSON, err = decodeSegment("header", parts[0]); err != nil {
		return nil, err
	}
	if u.Header, u.HeaderKeys, err = parseObject("header", u.HeaderJSON); err != nil {
		return nil, err
	}
	if _, ok := u.Header["alg"].(string); !ok {
		return nil, malformed("header has no \"alg\" string member")
	}
	if u.Kind == KindJWE {
		if _, ok := u.Header["enc"].(string); !ok {
			return nil, malformed("JWE header has no \"enc\" string member")
		}
		return u, nil
	}
	if u.ClaimsJSON, err = decodeSegment("payload", parts[1]); err != nil {
		return nil, err
	}
	if u.Claims, u.ClaimKeys, err = parseObject("payload", u.ClaimsJSON); err != nil {
		return nil, err
	}
	if u.Signature, err = decodeSegment("signature", parts[2]); err != nil {
		return nil, err
	}
	return u, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func decodeSegment(name, s string) ([]byte, error) {
	if s == "" && name != "signature" {
		return nil, malformed("%s is empty", name)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return !isBase64URL(r) }); i < 0 && len(s)%4 == 1 {
		shown := ""
		if len(s) <= 16 {
			shown = fmt.Sprintf(" %q", s)
		}
		return nil, malformed("%s%s is %d character%s long: base64url text is never 4n+1 characters, so the token is cut short or mistyped", name, shown, len(s), plural(len(s)))
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) && int(ce) < len(s) {
			c := s[int(ce)]
			hint := ""
			switch {
			case c == '=':
				hint = " (padding is not allowed in base64url)"
			case c == '+' || c == '/':
				hint = " (standard base64, not base64url)"
			}
			return nil, malformed("%s is not base64url: illegal character %q at offset %d%s", name, c, int(ce), hint)
		}
		return nil, malformed("%s is not base64url: %v", name, err)
	}
	return b, nil
}

func isBase64URL(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// parseObject decodes a JSON object keeping member order, numbers as
// json.Number, and refusing duplicate members (a parser-differential risk).
func parseObject(name string, data []byte) (map[string]any, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, malformed("%s is not JSON: %s", name, jsonErr(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, malformed("%s is JSON but not an object", name)
	}
	m := map[string]any{}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, malformed("%s is not JSON: %s", name, jsonErr(err))
		}
		k, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, malformed("%s is not JSON: %s", name, jsonErr(err))
		}
		if _, dup := m[k]; dup {
			return nil, nil, malformed("%s has duplicate member %q", name, k)
		}
		m[k] = v
		keys = append(keys, k)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, malformed("%s is not JSON: %s", name, jsonErr(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, malformed("%s has trailing data after the JSON object", name)
	}
	return m, keys, nil
}

func jsonErr(err error) string {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return "unexpected end of JSON"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
