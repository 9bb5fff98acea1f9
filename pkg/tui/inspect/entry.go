package inspect

import (
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/token"
)

// Meta is what the source knows about a token beyond its bytes: the live
// event stream names the client, user, session and token type.
type Meta struct {
	Source    string // "arg", "stdin", "paste", "file:<name>", "follow"
	ClientID  string
	User      string
	SID       string
	TokenType string // id_token, access_token, refresh_token
	Received  time.Time
}

// Status is an entry's verification state.
type Status int

// Verification states.
const (
	StatusUnverified Status = iota // no keys to check against
	StatusVerifying
	StatusValid
	StatusInvalid
	StatusError     // keys could not be fetched
	StatusMalformed // not a JWT
	StatusOpaque    // an opaque (non-JWT) token such as a refresh token
)

// Entry is one token in the inspector.
type Entry struct {
	ID  int
	Raw string
	Meta

	Token     *token.Unverified // nil when malformed or opaque
	DecodeErr error

	Exp, Iat time.Time // zero when absent

	Status    Status
	Result    *token.Result
	VerifyErr string

	search string // lowercased text the filter matches
}

// newEntry decodes raw and derives what the list shows.
func newEntry(id int, raw string, meta Meta) *Entry {
	e := &Entry{ID: id, Raw: raw, Meta: meta}
	u, err := token.Decode(raw)
	switch {
	case err == nil:
		e.Token = u
	case meta.TokenType == "refresh_token" || (!strings.Contains(raw, ".") && raw != ""):
		e.Status = StatusOpaque
	default:
		e.DecodeErr = err
		e.Status = StatusMalformed
	}
	if u != nil && u.Kind == token.KindJWE && e.TokenType == "" {
		e.TokenType = "encrypted"
	}
	if u != nil && u.Claims != nil {
		if e.ClientID == "" {
			e.ClientID = firstString(u.Claims, "azp", "client_id")
			if e.ClientID == "" {
				e.ClientID = audString(u.Claims["aud"])
			}
		}
		if e.User == "" {
			e.User = firstString(u.Claims, "preferred_username", "email", "sub")
		}
		if e.SID == "" {
			e.SID = firstString(u.Claims, "sid")
		}
		if e.TokenType == "" {
			e.TokenType = guessType(u)
		}
		e.Exp, _ = token.NumericDate(u.Claims["exp"])
		e.Iat, _ = token.NumericDate(u.Claims["iat"])
	}
	var b strings.Builder
	for _, s := range []string{e.ClientID, e.User, e.SID, e.TokenType, e.Source} {
		b.WriteString(strings.ToLower(s))
		b.WriteByte(' ')
	}
	if u != nil {
		b.WriteString(strings.ToLower(string(u.HeaderJSON)))
		b.WriteByte(' ')
		b.WriteString(strings.ToLower(string(u.ClaimsJSON)))
	}
	e.search = b.String()
	return e
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func audString(v any) string {
	switch a := v.(type) {
	case string:
		return a
	case []any:
		if len(a) > 0 {
			s, _ := a[0].(string)
			return s
		}
	}
	return ""
}

func guessType(u *token.Unverified) string {
	switch strings.ToLower(u.Type()) {
	case "at+jwt", "application/at+jwt":
		return "access_token"
	case "logout+jwt":
		return "logout_token"
	}
	if u.Kind == token.KindJWE {
		return "encrypted"
	}
	if _, ok := u.Claims["nonce"]; ok {
		return "id_token"
	}
	if _, ok := u.Claims["scope"]; ok {
		return "access_token"
	}
	if _, ok := u.Claims["client_id"]; ok {
		return "access_token"
	}
	return "id_token"
}

// shortType is the list's type column.
func shortType(t string) string {
	switch t {
	case "id_token":
		return "id"
	case "access_token":
		return "access"
	case "refresh_token":
		return "refresh"
	case "logout_token":
		return "logout"
	case "encrypted":
		return "jwe"
	case "":
		return "?"
	}
	return t
}

// matches reports whether the entry matches a lowercased filter; every
// space-separated term must appear.
func (e *Entry) matches(terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(e.search, t) {
			return false
		}
	}
	return true
}
