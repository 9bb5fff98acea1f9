package token

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// claimDocs explains registered claims and header parameters in a few words:
// RFC 7519 (JWT), OpenID Connect Core, RFC 9068 (JWT access tokens),
// RFC 8693 and RFC 7515/7516 headers.
var claimDocs = map[string]string{
	"iss":                "issuer",
	"sub":                "subject (user or client id)",
	"aud":                "audience: who may accept it",
	"exp":                "expires at",
	"nbf":                "not valid before",
	"iat":                "issued at",
	"jti":                "unique token id",
	"auth_time":          "when the user authenticated",
	"nonce":              "binds ID token to the login request",
	"acr":                "authentication context class",
	"amr":                "authentication methods used",
	"azp":                "authorized party (client)",
	"at_hash":            "access token hash",
	"c_hash":             "code hash",
	"s_hash":             "state hash",
	"sid":                "session id (SSO session)",
	"client_id":          "OAuth client that got it",
	"scope":              "granted scopes",
	"scp":                "granted scopes",
	"roles":              "roles (RFC 9068)",
	"groups":             "groups (RFC 9068)",
	"entitlements":       "entitlements (RFC 9068)",
	"act":                "acting party (delegation)",
	"cnf":                "confirmation key (PoP)",
	"name":               "full name",
	"given_name":         "given name",
	"family_name":        "family name",
	"preferred_username": "username shown to users",
	"email":              "email address",
	"email_verified":     "email proven by the provider",
	"picture":            "profile picture URL",
	"locale":             "locale",
	"zoneinfo":           "time zone",
	"updated_at":         "profile last updated",
	"events":             "logout token events",
}

var headerDocs = map[string]string{
	"alg":  "signature/key algorithm",
	"enc":  "content encryption",
	"kid":  "key id: which key signed or encrypts",
	"typ":  "token type",
	"cty":  "content type (JWT = nested)",
	"jku":  "JWK set URL (never trusted)",
	"jwk":  "embedded key (never trusted)",
	"x5u":  "certificate URL (never trusted)",
	"x5c":  "certificate chain",
	"x5t":  "certificate thumbprint",
	"crit": "extensions the verifier must understand",
	"zip":  "compression",
	"epk":  "ephemeral public key",
}

// numericDateClaims are the claims whose value is a NumericDate.
var numericDateClaims = map[string]bool{
	"exp": true, "nbf": true, "iat": true, "auth_time": true, "updated_at": true,
}

// ExplainClaim returns a short explanation of a registered claim, or "".
func ExplainClaim(name string) string { return claimDocs[name] }

// ExplainHeader returns a short explanation of a header parameter, or "".
func ExplainHeader(name string) string { return headerDocs[name] }

// IsNumericDate reports whether the named claim holds a NumericDate.
func IsNumericDate(name string) bool { return numericDateClaims[name] }

// NumericDate converts a decoded claim value (json.Number or float64) to a
// time. ok is false when v is not a finite number.
func NumericDate(v any) (t time.Time, ok bool) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return time.Time{}, false
		}
	case float64:
		f = n
	case int64:
		f = float64(n)
	case int:
		f = float64(n)
	default:
		return time.Time{}, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// HumanDuration renders d compactly and without sign: 42s, 4m12s, 3h12m, 2d4h.
func HumanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Truncate(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		days := int(d.Hours()) / 24
		return fmt.Sprintf("%dd%dh", days, int(d.Hours())%24)
	}
}

// Relative describes t relative to now for the named claim: "expires in
// 4m12s", "expired 3h12m ago", "issued 5m00s ago", "in 2m00s".
func Relative(claim string, t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	h := HumanDuration(d)
	switch {
	case claim == "exp" && future:
		return "expires in " + h
	case claim == "exp":
		return "expired " + h + " ago"
	case claim == "nbf" && future:
		return "not valid for " + h
	case claim == "nbf":
		return "valid since " + h + " ago"
	case future:
		return "in " + h + " (in the future)"
	default:
		return h + " ago"
	}
}

// Printable makes untrusted text safe for a terminal: a value holding control
// characters (escape sequences could rewrite the screen or set the clipboard),
// format characters (a right-to-left override reorders what follows it on
// the line, so a claim could make another look different) or invalid UTF-8
// is shown Go-quoted instead.
func Printable(s string) string {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}
