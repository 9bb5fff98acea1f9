package provider

import (
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// grant is what a token response is minted from.
type grant struct {
	Reg      *registry // the request's registry snapshot
	Client   *client
	Sub      string
	SID      string
	Scope    []string
	Audience string
	Nonce    string
	AuthTime time.Time
	AMR      []string
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
	// extra claims the test API gave the session ride in every token
	// issued through it, as an identity provider's rules would add them
	extra := g.Extra
	if extra == nil {
		extra = p.store.sessionClaims(g.SID)
	}
	var atClaims any = at
	if len(extra) > 0 {
		atClaims = withExtraClaims(at, extra)
	}
	access, err := p.keys.Sign(atClaims, "at+jwt")
	if err != nil {
		return issued{}, err
	}
	out := issued{jti: jti, resp: tokenResponse{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(life.AccessToken / time.Second), Scope: scope,
	}}
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
		addExtraClaims(idc, extra)
		if out.resp.IDToken, err = p.keys.Sign(idc, "JWT"); err != nil {
			return issued{}, err
		}
	}
	if g.Successor != "" {
		// a repeat within the reuse interval: the successor already exists
		out.resp.RefreshToken, out.family = g.Successor, g.IDs.Grant
	} else if g.SID != "" && slices.Contains(g.Scope, oidc.ScopeOfflineAccess) {
		fam := g.IDs.Grant
		if fam == "" {
			fam = randomID(12)
		}
		value := g.IDs.Refresh
		if value == "" {
			value = randomID(32)
		}
		rt := &refreshToken{Value: value, Family: fam, ClientID: g.Client.ClientID, Sub: g.Sub, SID: g.SID,
			Scope: g.Scope, Audience: g.Audience, AuthTime: g.AuthTime, AMR: g.AMR, Expires: p.now().Add(life.RefreshToken)}
		if !p.store.putRefresh(rt, p.now()) {
			return issued{}, errGrantRevoked
		}
		out.resp.RefreshToken, out.family = rt.Value, fam
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

// withExtraClaims is the access token's claims plus extra ones; the
// provider's own claims win over any extra of the same name.
func withExtraClaims(at accessClaims, extra map[string]any) map[string]any {
	b, _ := json.Marshal(at)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	for k, v := range extra {
		if _, own := m[k]; !own && !slices.Contains(reservedClaims, k) {
			m[k] = v
		}
	}
	return m
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
