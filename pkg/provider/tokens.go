package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/token"
)

// grant is what a token response is minted from.
type grant struct {
	Reg *registry // the request's registry snapshot
	// ClientInfo: the token request asked for client_info=1 (MSAL does).
	ClientInfo bool
	Client     *client
	Sub        string
	SID        string
	Scope      []string
	Audience   string
	Org        string // organization id (Auth0 Organizations): org_id, org_name
	Nonce      string
	AuthTime   time.Time
	AMR        []string
	// Extra claims for every token; nil means the session's (test API).
	Extra map[string]any
	// IDs, when set, are the grant (refresh family) and jti recorded when
	// the code or refresh token was used; zero for client_credentials.
	IDs issueIDs
	// Successor, when set, is the refresh token to answer with instead of
	// minting one: a repeat within the reuse interval.
	Successor string
}

// errGrantRevoked: the grant was revoked while its tokens were signed.
var errGrantRevoked = errors.New("the grant was revoked meanwhile")

// tokenResponse is the token endpoint's success body (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// Extra holds a profile's own fields (Keycloak's session_state,
	// Entra's client_info); the fields above win over them.
	Extra map[string]any `json:"-"`
}

// body is what the token endpoint encodes: the standard fields, then
// Extra's (no custom marshaller on the common path: it would cost every
// response a second pass).
func (t tokenResponse) body() any {
	if len(t.Extra) == 0 {
		return t
	}
	return withExtra{base: t, extra: t.Extra, reserved: tokenResponseFields}
}

var tokenResponseFields = []string{"access_token", "token_type", "expires_in", "scope", "id_token", "refresh_token"}

// accessReserved are the access token's own claims: a profile's extra
// claims never replace them.
var accessReserved = []string{"iss", "sub", "aud", "client_id", "scope", "iat", "nbf", "exp", "jti", "sid", "auth_time"}

// signRefresh wraps the stored refresh token value in a signed JWT (for
// profiles whose SDK decodes refresh tokens): value is its jti, the key the
// store holds it by. The JWT is a wrapping, never a credential of its own:
// refreshKey maps it back to value and the store decides.
func (p *Provider) signRefresh(g *grant, value string, now time.Time, ttl time.Duration, scope string) (string, error) {
	rc := map[string]any{"iss": p.issuer, "sub": g.Sub, "aud": p.issuer, "azp": g.Client.ClientID,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": value, "sid": g.SID, "scope": scope}
	if p.spec.claims != nil {
		p.spec.claims(p, kindRefresh, g, rc)
		restoreReserved(rc, p.issuer, g.Sub, p.issuer)
		rc["jti"] = value
	}
	return p.keys.Sign(rc, refreshJWTType)
}

// refreshKey maps a presented refresh token to the store's key: itself, or
// for a refreshJWT profile the jti of a refresh JWT this provider signed
// ("" for anything else, which the store knows nothing of).
func (p *Provider) refreshKey(tok string) string {
	if !p.spec.refreshJWT {
		return tok
	}
	u, err := token.VerifySignature(tok, []string{p.keys.Alg()}, func(kid string) (any, bool) { return p.keys.PublicKey(kid) })
	if err != nil || u.Type() != refreshJWTType {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
		JTI string `json:"jti"`
	}
	if json.Unmarshal(u.ClaimsJSON, &c) != nil || c.Iss != p.issuer {
		return ""
	}
	return c.JTI
}

// refreshJWTType is the typ header of refresh tokens handed out as JWTs
// (profileSpec.refreshJWT). verifyOwn refuses it: the store decides.
const refreshJWTType = "refresh+jwt"

// withExtra encodes base (a struct encoding to a JSON object) followed by
// extra's members whose names are not reserved, in sorted order.
type withExtra struct {
	base     any
	extra    map[string]any
	reserved []string
}

func (x withExtra) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(x.base)
	if err != nil {
		return nil, err
	}
	keep := make(map[string]any, len(x.extra))
	for k, v := range x.extra {
		// a name that is not UTF-8 would be encoded as U+FFFD, and two of
		// them as duplicate members: leave such names out
		if utf8.ValidString(k) && !slices.Contains(x.reserved, k) {
			keep[k] = v
		}
	}
	if len(keep) == 0 {
		return b, nil
	}
	e, err := json.Marshal(keep)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[len(b)-1] != '}' || len(e) < 2 {
		return nil, fmt.Errorf("extra claims: the base does not encode to a JSON object")
	}
	if len(b) == 2 { // {}
		return e, nil
	}
	out := make([]byte, 0, len(b)+len(e))
	out = append(out, b[:len(b)-1]...)
	out = append(out, ',')
	return append(out, e[1:]...), nil
}

// restoreReserved puts back the claims a profile hook must not change.
func restoreReserved(m map[string]any, iss, sub, aud string) {
	m["iss"], m["sub"], m["aud"] = iss, sub, aud
}

// accessClaims is the RFC 9068 access token. A struct, not a map: it is
// encoded on every token request, and maps encode several times slower.
type accessClaims struct {
	Iss      string `json:"iss"`
	Sub      string `json:"sub"`
	Aud      string `json:"aud"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	Iat      int64  `json:"iat"`
	Nbf      int64  `json:"nbf"`
	Exp      int64  `json:"exp"`
	JTI      string `json:"jti"`
	SID      string `json:"sid,omitempty"`
	AuthTime int64  `json:"auth_time,omitempty"`
}

// issued records what issue produced, for replay revocation and events.
type issued struct {
	resp   tokenResponse
	jti    string
	family string
}

// lifetimes returns the client's lifetimes over the provider's.
func lifetimes(reg *registry, c *client) config.Lifetimes {
	l := reg.life
	if c != nil {
		if c.Tokens.AccessToken > 0 {
			l.AccessToken = c.Tokens.AccessToken
		}
		if c.Tokens.IDToken > 0 {
			l.IDToken = c.Tokens.IDToken
		}
		if c.Tokens.RefreshToken > 0 {
			l.RefreshToken = c.Tokens.RefreshToken
		}
		if c.Tokens.RefreshReuseInterval > 0 {
			l.RefreshReuseInterval = c.Tokens.RefreshReuseInterval
		}
	}
	return l
}

// issue signs an access token (RFC 9068 JWT), an ID token when openid was
// granted and a user is present, and a refresh token when offline_access was.
func (p *Provider) issue(g grant, skew time.Duration, accessTTL time.Duration) (issued, error) {
	now := p.now().Add(skew).Truncate(time.Second)
	life := lifetimes(g.Reg, g.Client)
	if accessTTL > 0 {
		life.AccessToken = accessTTL
	}
	scope := joinScope(g.Scope)
	aud := g.Audience
	if aud == "" {
		aud = g.Client.ClientID
	}
	jti := g.IDs.JTI
	if jti == "" {
		jti = randomID(16)
	}
	at := accessClaims{
		Iss: p.issuer, Sub: g.Sub, Aud: aud, ClientID: g.Client.ClientID, Scope: scope,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(life.AccessToken).Unix(), JTI: jti, SID: g.SID,
	}
	if g.SID != "" {
		at.AuthTime = g.AuthTime.Add(skew).Unix()
	}
	// extra claims the session was given (login form, --claims, test API)
	// ride in every token issued through it, as an identity provider's
	// rules would add them
	extra := g.Extra
	var extraJSON []byte
	if extra == nil {
		if extra = p.store.sessionClaims(g.SID); len(extra) > 0 {
			extraJSON = p.sessionJSON.get(g.SID, extra)
		}
	}
	if g.Org != "" {
		extra, extraJSON = g.Reg.withOrgClaims(g.Org, extra), nil
	}
	var access string
	var err error
	if p.spec.claims != nil {
		// a profile's claims (Keycloak's realm_access …), the API's
		// mapped claims, then the session's, never over reserved ones
		prof := map[string]any{}
		p.spec.claims(p, kindAccess, &g, prof)
		if g.SID != "" {
			if mapped := g.Reg.mappedClaims(g.Audience, g.Client, g.Sub); mapped != nil {
				maps.Copy(prof, mapped.m)
			}
		}
		addExtraClaims(prof, extra)
		var atClaims any = at
		if len(prof) > 0 {
			atClaims = withExtra{base: at, extra: prof, reserved: accessReserved}
		}
		access, err = p.keys.Sign(atClaims, "at+jwt")
	} else {
		var custom []byte
		if custom, err = customClaims(g, extra, extraJSON); err == nil {
			if custom == nil {
				access, err = p.keys.Sign(&at, "at+jwt")
			} else {
				var payload []byte
				if payload, err = accessPayload(&at, custom); err == nil {
					access, err = p.keys.SignPayload(payload, "at+jwt")
				}
			}
		}
	}
	if err != nil {
		return issued{}, err
	}
	out := issued{jti: jti, resp: tokenResponse{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(life.AccessToken / time.Second), Scope: scope,
	}}
	if p.spec.tokenResponse != nil {
		out.resp.Extra = p.spec.tokenResponse(p, &g)
	}
	if g.SID != "" && slices.Contains(g.Scope, oidc.ScopeOpenID) {
		idc := map[string]any{
			"iss": p.issuer, "sub": g.Sub, "aud": g.Client.ClientID, "azp": g.Client.ClientID,
			"iat": now.Unix(), "exp": now.Add(life.IDToken).Unix(), "auth_time": g.AuthTime.Add(skew).Unix(),
			"sid": g.SID, "at_hash": oidc.HalfHash(p.keys.Alg(), access),
		}
		if len(g.AMR) > 0 {
			idc["amr"] = g.AMR
		}
		if g.Nonce != "" {
			idc["nonce"] = g.Nonce
		}
		addUserClaims(g.Reg, idc, g.Sub, g.Scope)
		if p.spec.claims != nil {
			p.spec.claims(p, kindID, &g, idc)
		}
		addExtraClaims(idc, extra)
		if p.spec.claims != nil {
			restoreReserved(idc, p.issuer, g.Sub, g.Client.ClientID)
		}
		if out.resp.IDToken, err = p.keys.Sign(idc, "JWT"); err != nil {
			return issued{}, err
		}
	}
	if g.Successor != "" {
		// a repeat within the reuse interval: the successor already exists
		out.resp.RefreshToken, out.family = g.Successor, g.IDs.Grant
		if p.spec.refreshJWT {
			if out.resp.RefreshToken, err = p.signRefresh(&g, g.Successor, now, life.RefreshToken, scope); err != nil {
				return issued{}, err
			}
		}
	} else if g.SID != "" && (p.spec.refreshAlways || slices.Contains(g.Scope, oidc.ScopeOfflineAccess)) {
		fam := g.IDs.Grant
		if fam == "" {
			fam = randomID(12)
		}
		value := g.IDs.Refresh
		if value == "" {
			value = randomID(32)
		}
		rt := &refreshToken{Value: value, Family: fam, ClientID: g.Client.ClientID, Sub: g.Sub, SID: g.SID,
			Scope: g.Scope, Audience: g.Audience, Org: g.Org, AuthTime: g.AuthTime, AMR: g.AMR, Expires: p.now().Add(life.RefreshToken)}
		if !p.store.putRefresh(rt, p.now()) {
			return issued{}, errGrantRevoked
		}
		out.resp.RefreshToken, out.family = rt.Value, fam
		if p.spec.refreshJWT {
			if out.resp.RefreshToken, err = p.signRefresh(&g, value, now, life.RefreshToken, scope); err != nil {
				return issued{}, err
			}
		}
	}
	return out, nil
}

// standard claims released per scope (OIDC Core §5.4).
var scopeClaims = map[string][]string{
	oidc.ScopeProfile: {"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
		"profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	oidc.ScopeEmail: {"email", "email_verified"},
	"phone":         {"phone_number", "phone_number_verified"},
	"address":       {"address"},
}

// reserved claims a user's config may not override.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "azp", "sid", "at_hash", "jti", "amr"}

// addUserClaims copies the user's claims that the scopes release, plus any
// non-standard claims (always released: they are the developer's own test data).
func addUserClaims(reg *registry, dst map[string]any, sub string, scopes []string) {
	u, ok := reg.user(sub)
	if !ok {
		return
	}
	standard := map[string]string{}
	for sc, names := range scopeClaims {
		for _, n := range names {
			standard[n] = sc
		}
	}
	for k, v := range u.Claims {
		if slices.Contains(reservedClaims, k) {
			continue
		}
		if sc, std := standard[k]; std && !slices.Contains(scopes, sc) {
			continue
		}
		dst[k] = v
	}
}

func joinScope(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

// addExtraClaims adds a session's extra claims over the user's, never
// over the reserved ones.
func addExtraClaims(dst, extra map[string]any) {
	for k, v := range extra {
		if !slices.Contains(reservedClaims, k) {
			dst[k] = v
		}
	}
}
