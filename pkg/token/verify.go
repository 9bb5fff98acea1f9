package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultLeeway is the clock skew Verify tolerates on exp, nbf and iat.
const DefaultLeeway = 60 * time.Second

// VerifyOptions says which keys to trust and which claims to demand.
type VerifyOptions struct {
	// Keys are the candidate verification keys (public keys or secrets).
	// Selection is by the token's kid; a lone key without a kid is used for
	// any token.
	Keys []jose.JSONWebKey
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Leeway tolerates clock skew on exp, nbf and iat.
	Leeway time.Duration
	// Issuer, when set, must equal the token's iss exactly.
	Issuer string
	// Audience, when set, must appear in the token's aud.
	Audience string
	// Nonce, when set, must equal the token's nonce.
	Nonce string
	// Require lists claims that must be present.
	Require []string
	// RequireExp refuses a token without exp: ID, access and logout tokens
	// must expire (OIDC Core §2, RFC 9068 §2.2).
	RequireExp bool
}

// Check is one verification step and its outcome.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Result is the outcome of Verify: every check performed, in order.
type Result struct {
	Token  *Unverified `json:"-"`
	Valid  bool        `json:"valid"`
	Reason string      `json:"reason,omitempty"`
	Alg    string      `json:"alg"`
	KeyID  string      `json:"kid,omitempty"`
	Checks []Check     `json:"checks"`

	unknownKID bool // the key check failed on a kid the keys lack
}

func (r *Result) add(name string, ok bool, format string, args ...any) bool {
	d := fmt.Sprintf(format, args...)
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: d})
	if !ok && r.Reason == "" {
		r.Reason = d
	}
	return ok
}

// Verify decodes raw and checks it: no crit header, an algorithm allowed by
// the selected key, the signature, then exp/nbf/iat with leeway and the
// demanded claims. A malformed token is an error wrapping ErrMalformed; a
// well-formed token that fails a check is a Result with Valid false and the
// first failure's Reason. Claims are checked only once the signature holds.
func Verify(raw string, opts VerifyOptions) (*Result, error) {
	u, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	r := &Result{Token: u, Alg: u.Alg(), KeyID: u.KeyID()}
	if u.Kind == KindJWE {
		r.add("format", false, "token is encrypted (JWE): decrypt it first with `token decode --key`")
		return r, nil
	}
	r.add("format", true, "compact JWS")
	// A token from another issuer is signed with keys we do not have: say
	// that the iss differs rather than that its kid is unknown.
	if opts.Issuer != "" && !r.checkIssuer(u, opts.Issuer, false) {
		return r, nil
	}
	if !r.verifySignature(u, opts) {
		return r, nil
	}
	r.checkClaims(u, opts)
	r.Valid = r.Reason == ""
	return r, nil
}

func (r *Result) verifySignature(u *Unverified, opts VerifyOptions) bool {
	if _, ok := u.Header["crit"]; ok {
		return r.add("crit", false, "crit header %s refused: ssokit implements no JWS extensions", compactJSON(u.Header["crit"]))
	}
	alg := u.Alg()
	if strings.EqualFold(alg, "none") {
		return r.add("alg", false, "alg \"none\" refused: an unsigned token proves nothing")
	}
	candidates, err := selectKeys(opts.Keys, u.KeyID(), alg)
	if err != nil {
		r.unknownKID = errors.Is(err, errUnknownKID)
		return r.add("key", false, "%v", err)
	}
	var allowed []jose.SignatureAlgorithm
	for _, k := range candidates {
		allowed = append(allowed, AllowedAlgs(k)...)
	}
	if !slices.Contains(allowed, jose.SignatureAlgorithm(alg)) {
		k := candidates[0]
		if strings.HasPrefix(alg, "HS") && !IsSymmetric(k.Key) {
			return r.add("alg", false, "alg %s refused: the key is %s (asymmetric); accepting HMAC here is the key-confusion attack", alg, KeyType(k.Key))
		}
		return r.add("alg", false, "alg %s not allowed for %s key%s (allowed: %s)", alg, KeyType(k.Key), kidSuffix(k.KeyID), joinAlgs(AllowedAlgs(k)))
	}
	r.add("alg", true, "%s allowed for the key", alg)
	jws, err := jose.ParseSignedCompact(u.Raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return r.add("signature", false, "cannot parse JWS: %v", strings.TrimPrefix(err.Error(), "go-jose/go-jose: "))
	}
	for _, k := range candidates {
		if !slices.Contains(AllowedAlgs(k), jose.SignatureAlgorithm(alg)) {
			continue
		}
		if b, ok := k.Key.([]byte); ok && len(candidates) == 1 && len(b) < hmacMinLen[alg] {
			return r.add("key", false, "the secret is %d bytes; %s needs at least %d (RFC 7518 §3.2)", len(b), alg, hmacMinLen[alg])
		}
		if _, err := jws.Verify(publicKey(k.Key)); err == nil {
			r.KeyID = k.KeyID
			r.add("key", true, "%s key%s", KeyType(k.Key), kidSuffix(k.KeyID))
			return r.add("signature", true, "%s signature verified", alg)
		}
	}
	return r.add("signature", false, "signature does not verify with %s", describeKeys(candidates))
}

var errUnknownKID = errors.New("unknown kid")

// hmacMinLen is the minimum HMAC key size per RFC 7518 §3.2, which go-jose enforces.
var hmacMinLen = map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}

func kidSuffix(kid string) string {
	if kid == "" {
		return ""
	}
	return fmt.Sprintf(" %q", kid)
}

func describeKeys(keys []jose.JSONWebKey) string {
	if len(keys) == 1 {
		return "the " + KeyType(keys[0].Key) + " key" + kidSuffix(keys[0].KeyID)
	}
	return fmt.Sprintf("any of %d keys", len(keys))
}

func joinAlgs(algs []jose.SignatureAlgorithm) string {
	if len(algs) == 0 {
		return "none"
	}
	s := make([]string, len(algs))
	for i, a := range algs {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// selectKeys picks the keys that may have signed a token: those with its kid;
// a single kid-less key for any token; or, without a kid, every key whose
// allow-list has the token's alg.
func selectKeys(keys []jose.JSONWebKey, kid, alg string) ([]jose.JSONWebKey, error) {
	var usable []jose.JSONWebKey
	for _, k := range keys {
		if k.Use != "enc" {
			usable = append(usable, k)
		}
	}
	if len(usable) == 0 {
		return nil, fmt.Errorf("no signature verification keys given")
	}
	if len(usable) == 1 && usable[0].KeyID == "" {
		return usable, nil
	}
	if kid != "" {
		var out []jose.JSONWebKey
		var known []string
		for _, k := range usable {
			if k.KeyID == kid {
				out = append(out, k)
			}
			known = append(known, fmt.Sprintf("%q", k.KeyID))
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w %q; known kids: %s", errUnknownKID, kid, strings.Join(known, ", "))
		}
		return out, nil
	}
	var out []jose.JSONWebKey
	for _, k := range usable {
		if slices.Contains(AllowedAlgs(k), jose.SignatureAlgorithm(alg)) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("token has no kid and no key allows alg %s", alg)
	}
	return out, nil
}

// CheckClaims runs Verify's claim checks (exp, nbf, iat with leeway, then
// iss, aud, nonce and required claims) on a decoded token whose signature
// is checked separately, or deliberately not: the flow simulator checks an
// ID token as a browser-side client library does, and verifies its
// signature only when a flow asks. The Result says nothing about the
// signature.
func CheckClaims(u *Unverified, opts VerifyOptions) *Result {
	r := &Result{Token: u, Alg: u.Alg(), KeyID: u.KeyID()}
	r.checkClaims(u, opts)
	r.Valid = r.Reason == ""
	return r
}

// checkIssuer compares iss with want; a match is recorded only when
// recordOK, so that the early check in Verify adds nothing on success.
func (r *Result) checkIssuer(u *Unverified, want string, recordOK bool) bool {
	iss, _ := u.Claims["iss"].(string)
	if iss == want {
		if recordOK {
			r.add("iss", true, "iss is %q", iss)
		}
		return true
	}
	return r.add("iss", false, "iss %s is not the expected %q", compactJSON(u.Claims["iss"]), want)
}

func (r *Result) checkClaims(u *Unverified, opts VerifyOptions) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()
	leeway := opts.Leeway
	stamp := func(x time.Time) string { return x.UTC().Format(time.RFC3339) }

	if v, ok := u.Claims["exp"]; !ok && opts.RequireExp {
		r.add("exp", false, "no exp claim: the token never expires, and ID, access and logout tokens must")
	} else if !ok {
		r.add("exp", true, "no exp claim: the token never expires")
	} else if exp, ok := NumericDate(v); !ok {
		r.add("exp", false, "exp is not a NumericDate: %s", compactJSON(v))
	} else if t.After(exp.Add(leeway)) {
		r.add("exp", false, "expired %s ago (exp %s)", HumanDuration(t.Sub(exp)), stamp(exp))
	} else {
		r.add("exp", true, "expires in %s (exp %s)", HumanDuration(exp.Sub(t)), stamp(exp))
	}

	if v, ok := u.Claims["nbf"]; ok {
		if nbf, ok := NumericDate(v); !ok {
			r.add("nbf", false, "nbf is not a NumericDate: %s", compactJSON(v))
		} else if t.Add(leeway).Before(nbf) {
			r.add("nbf", false, "not valid yet: valid in %s (nbf %s)", HumanDuration(nbf.Sub(t)), stamp(nbf))
		} else {
			r.add("nbf", true, "valid since %s", stamp(nbf))
		}
	}

	if v, ok := u.Claims["iat"]; ok {
		if iat, ok := NumericDate(v); !ok {
			r.add("iat", false, "iat is not a NumericDate: %s", compactJSON(v))
		} else if t.Add(leeway).Before(iat) {
			r.add("iat", false, "issued in the future: iat is %s ahead (iat %s)", HumanDuration(iat.Sub(t)), stamp(iat))
		} else {
			r.add("iat", true, "issued %s ago", HumanDuration(t.Sub(iat)))
		}
	}

	if opts.Issuer != "" {
		r.checkIssuer(u, opts.Issuer, true)
	}
	if opts.Audience != "" {
		auds := audiences(u.Claims["aud"])
		if slices.Contains(auds, opts.Audience) {
			r.add("aud", true, "aud contains %q", opts.Audience)
		} else {
			r.add("aud", false, "aud %s does not contain %q", compactJSON(u.Claims["aud"]), opts.Audience)
		}
	}
	if opts.Nonce != "" {
		n, _ := u.Claims["nonce"].(string)
		if n == opts.Nonce {
			r.add("nonce", true, "nonce matches")
		} else {
			r.add("nonce", false, "nonce %s is not the expected %q", compactJSON(u.Claims["nonce"]), opts.Nonce)
		}
	}
	for _, c := range opts.Require {
		if _, ok := u.Claims[c]; ok {
			r.add("require:"+c, true, "claim %q present", c)
		} else {
			r.add("require:"+c, false, "required claim %q is missing", c)
		}
	}
}

// audiences returns aud as a list, accepting the string and array forms.
func audiences(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func compactJSON(v any) string {
	if v == nil {
		return "(absent)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// VerifySignature checks the signature of a compact JWS for a caller that
// knows its own keys (the provider reading back tokens it signed): alg must
// be one of algs, and key returns the public key for the token's kid. It
// returns the decoded token; its claims are the caller's to check. The JSON
// serialization is refused (ErrMalformed), as is any "crit" header.
func VerifySignature(raw string, algs []string, key func(kid string) (any, bool)) (*Unverified, error) {
	u, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	if u.Kind != KindJWS {
		return nil, malformed("an encrypted token (JWE), not a signed one")
	}
	if _, ok := u.Header["crit"]; ok {
		return nil, fmt.Errorf("crit header %s refused", compactJSON(u.Header["crit"]))
	}
	alg := u.Alg()
	if strings.EqualFold(alg, "none") || !slices.Contains(algs, alg) {
		return nil, fmt.Errorf("alg %q is not allowed (allowed: %s)", alg, strings.Join(algs, ", "))
	}
	k, ok := key(u.KeyID())
	if !ok {
		return nil, fmt.Errorf("%w %q", errUnknownKID, u.KeyID())
	}
	jws, err := jose.ParseSignedCompact(u.Raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return nil, malformed("%s", strings.TrimPrefix(err.Error(), "go-jose/go-jose: "))
	}
	if _, err := jws.Verify(publicKey(k)); err != nil {
		return nil, errors.New("signature does not verify")
	}
	return u, nil
}
