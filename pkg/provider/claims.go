package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// MaxExtraClaims bounds a sign-in's extra claims (the login form's box,
// --claims): they are kept with the session, its codes and refresh tokens.
const MaxExtraClaims = 2048

// MaxDynamicUsername bounds the usernames of users made on the fly.
const MaxDynamicUsername = 64

// errInvalidTarget is RFC 8707's error for a resource (audience) the
// provider does not serve.
const errInvalidTarget = "invalid_target"

// ParseExtraClaims reads a sign-in's extra claims: one JSON object of at
// most MaxExtraClaims bytes whose keys are not claims the provider sets in
// access or ID tokens. The session keeps them: every token issued through
// it and userinfo carry them (as the test API's session claims).
// Blank input is no claims (nil). Numbers keep their exact text. The
// returned map is never modified afterwards: sessions, codes and refresh
// tokens share it.
func ParseExtraClaims(s string) (map[string]any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxExtraClaims {
		return nil, fmt.Errorf("extra claims are %d bytes; the limit is %d", len(s), MaxExtraClaims)
	}
	if s[0] != '{' {
		return nil, errors.New(`extra claims must be a JSON object such as {"roles": ["admin"]}`)
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf(`extra claims are not valid JSON (%v); write an object such as {"roles": ["admin"]}`, jsonErrText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New(`extra claims must be one JSON object, with nothing after its closing }`)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case k == "":
			return nil, errors.New("extra claims: a claim name is empty")
		case slices.Contains(extraReserved, k):
			return nil, fmt.Errorf("extra claims: %q is set by the provider and cannot be given; reserved: %s", k, strings.Join(extraReserved, " "))
		}
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// extraReserved are the claims a sign-in cannot give: the access token's
// and the ID token's own.
var extraReserved = func() []string {
	out := slices.Clone(config.ReservedAccessTokenClaims)
	for _, c := range reservedClaims {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}()

// jsonErrText is a JSON error without Go type names.
func jsonErrText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "the value is " + te.Value + ", not an object"
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return "it ends too early"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// dynamicUser is a user made on the fly for a username no config names,
// when no configured user has a password: a tester types carol and is
// carol. Nothing is stored: the same name always gives the same claims.
func dynamicUser(name string) (*config.User, bool) {
	if name == "" || len(name) > MaxDynamicUsername || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@+") != "" {
		return nil, false
	}
	local, _, hasAt := strings.Cut(name, "@")
	email := name
	if !hasAt {
		email = name + "@example.com"
	}
	display := local
	if display != "" {
		display = strings.ToUpper(display[:1]) + display[1:]
	}
	return &config.User{Username: name, Claims: map[string]any{
		"name": display, "given_name": display, "preferred_username": name,
		"email": email, "email_verified": true,
	}}, true
}

// dynamicUsernameRule says which names dynamicUser takes.
const dynamicUsernameRule = "1 to 64 letters, digits or . _ - @ +"

// resolveAudience picks the API a request is for from its audience
// (Auth0) and resource (RFC 8707) parameters: "" when none is given. With
// APIs configured, any other value is refused (invalid_target); without,
// any audience is accepted. showList names the registered audiences.
func resolveAudience(reg *registry, params []string, showList bool) (string, *config.API, *oidc.Error) {
	var vals []string
	for _, v := range params {
		if v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return "", nil, nil
	}
	list := ""
	if showList && len(reg.audiences) > 0 {
		list = "; registered audiences: " + strings.Join(reg.audiences, ", ")
	}
	if len(vals) > 1 {
		return "", nil, oauthErr(http.StatusBadRequest, errInvalidTarget, "one API per token: the request names %s; ask for one audience (or resource) at a time%s", strings.Join(vals, " and "), list)
	}
	if len(reg.apis) == 0 {
		return vals[0], nil, nil
	}
	api, ok := reg.apis[vals[0]]
	if !ok {
		return "", nil, oauthErr(http.StatusBadRequest, errInvalidTarget, "audience %q is not an API in the config (apis:)%s", vals[0], list)
	}
	return vals[0], api, nil
}

// checkAPIScopes refuses scopes the API does not define (OpenID scopes
// are always allowed).
func checkAPIScopes(api *config.API, scopes []string) *oidc.Error {
	if api == nil {
		return nil
	}
	for _, s := range scopes {
		if !slices.Contains(config.OIDCScopes, s) && !slices.Contains(api.Scopes, s) {
			allowed := "none"
			if len(api.Scopes) > 0 {
				allowed = strings.Join(api.Scopes, " ")
			}
			return oauthErr(http.StatusBadRequest, oidc.ErrInvalidScope, "scope %q is not defined by API %s; its scopes: %s (plus %s)", s, api.Audience, allowed, strings.Join(config.OIDCScopes, " "))
		}
	}
	return nil
}

// claimSet is a set of custom claims with its JSON object, encoded once:
// a token issue then copies bytes instead of encoding values.
type claimSet struct {
	m   map[string]any
	raw []byte
}

func newClaimSet(m map[string]any) (*claimSet, error) {
	if len(m) == 0 {
		return nil, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &claimSet{m: m, raw: raw}, nil
}

// mappedClaims are the claims the API's and then the client's
// access_token_claims give user: nil without mappings or attributes.
// They depend only on the registry, so they are encoded once per
// (audience, client, user) and kept: configured users, APIs and clients
// bound how many (users made on the fly have no attributes, so nothing).
func (r *registry) mappedClaims(aud string, c *client, sub string) *claimSet {
	var apiMap map[string]string
	if api := r.apis[aud]; api != nil {
		apiMap = api.AccessTokenClaims
	}
	if len(apiMap) == 0 && len(c.AccessTokenClaims) == 0 {
		return nil
	}
	u, ok := r.user(sub)
	if !ok || len(u.Attributes) == 0 {
		return nil
	}
	key := aud + "\x00" + c.ClientID + "\x00" + sub
	if v, ok := r.mapped.Load(key); ok {
		return v.(*claimSet)
	}
	m := map[string]any{}
	for _, mp := range []map[string]string{apiMap, c.AccessTokenClaims} {
		for claim, attr := range mp {
			// a config built in Go skips Validate: never repeat a fixed claim
			if v, ok := u.Attributes[attr]; ok && !slices.Contains(config.ReservedAccessTokenClaims, claim) {
				m[claim] = v
			}
		}
	}
	cs, err := newClaimSet(m)
	if err != nil {
		// config values decoded from YAML always encode; never cache a failure
		return nil
	}
	r.mapped.Store(key, cs)
	return cs
}

// customClaims is the JSON object of the access token's claims beyond the
// fixed ones: the API's mapped attributes, then the client's, then the
// session's extra claims, each over the one before. nil when there are none.
// extraJSON, when given, is extra already encoded.
func customClaims(g grant, extra map[string]any, extraJSON []byte) ([]byte, error) {
	var mapped *claimSet
	if g.SID != "" {
		mapped = g.Reg.mappedClaims(g.Audience, g.Client, g.Sub)
	}
	if len(extra) == 0 {
		if mapped == nil {
			return nil, nil
		}
		return mapped.raw, nil
	}
	// extra claims were checked when given (ParseExtraClaims, the test
	// API); the fixed claims are skipped anyway, so the token never
	// repeats a name
	clean, overlap := true, false
	for k := range extra {
		if slices.Contains(config.ReservedAccessTokenClaims, k) {
			clean = false
		}
		if mapped != nil {
			if _, ok := mapped.m[k]; ok {
				overlap = true
			}
		}
	}
	if clean && !overlap {
		raw, err := extraJSON, error(nil)
		if raw == nil {
			raw, err = json.Marshal(extra)
		}
		if err != nil || mapped == nil {
			return raw, err
		}
		out := make([]byte, 0, len(mapped.raw)+len(raw))
		out = append(out, mapped.raw[:len(mapped.raw)-1]...)
		out = append(out, ',')
		return append(out, raw[1:]...), nil
	}
	m := map[string]any{}
	if mapped != nil {
		for k, v := range mapped.m {
			m[k] = v
		}
	}
	for k, v := range extra {
		if !slices.Contains(config.ReservedAccessTokenClaims, k) {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// accessPayload encodes an access token's claims: the fixed claims' JSON
// with the custom object's members appended. Custom claims never repeat a
// fixed one (the config and ParseExtraClaims refuse reserved names).
func accessPayload(at *accessClaims, custom []byte) ([]byte, error) {
	b, err := json.Marshal(at)
	if err != nil || len(custom) <= 2 {
		return b, err
	}
	out := make([]byte, 0, len(b)+len(custom))
	out = append(out, b[:len(b)-1]...)
	out = append(out, ',')
	return append(out, bytes.TrimPrefix(custom, []byte("{"))...), nil
}

// jsonCache keeps the JSON of each session's extra claims, so a token
// issue copies bytes instead of encoding them again. A session's claims
// never change and its sid is never reused; the cache holds at most max
// entries (oldest evicted), like every store.
type jsonCache struct {
	mu sync.Mutex
	m  *ordered[[]byte]
}

func newJSONCache(max int) *jsonCache { return &jsonCache{m: newOrdered[[]byte](max)} }

// get returns the JSON of v, the claims of session sid.
func (c *jsonCache) get(sid string, v map[string]any) []byte {
	c.mu.Lock()
	raw, ok := c.m.get(sid)
	c.mu.Unlock()
	if ok {
		return raw
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil // customClaims encodes, and reports, it again
	}
	c.mu.Lock()
	c.m.put(sid, raw)
	c.mu.Unlock()
	return raw
}
