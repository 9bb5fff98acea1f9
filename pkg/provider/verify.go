package provider

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ssokit/ssokit/pkg/token"
)

// ownClaims are the claims the provider reads back from tokens it signed.
type ownClaims struct {
	Iss      string          `json:"iss"`
	Sub      string          `json:"sub"`
	Aud      json.RawMessage `json:"aud"`
	Azp      string          `json:"azp"`
	ClientID string          `json:"client_id"`
	Scope    string          `json:"scope"`
	Exp      int64           `json:"exp"`
	Iat      int64           `json:"iat"`
	JTI      string          `json:"jti"`
	SID      string          `json:"sid"`
	AuthTime int64           `json:"auth_time"`
}

// verifyOwn checks that token was signed by one of our keys (active or
// retired), with the key set's algorithm only, of the wanted typ, and
// issued by us. Expiry is checked unless allowExpired.
func (p *Provider) verifyOwn(raw, typ string, allowExpired bool) (ownClaims, map[string]any, error) {
	var c ownClaims
	u, err := token.VerifySignature(raw, []string{p.keys.Alg()}, func(kid string) (any, bool) {
		k, ok := p.keys.PublicKey(kid)
		return k, ok
	})
	if err != nil {
		return c, nil, fmt.Errorf("not a token this provider signed with %s: %w", p.keys.Alg(), err)
	}
	if typ != "" && u.Type() != typ {
		return c, nil, fmt.Errorf("token type %q is not %q", u.Type(), typ)
	}
	if u.Type() == refreshJWTType {
		// only the store says whether a refresh token is live: its
		// signature outlives rotation, revocation and logout
		return c, nil, fmt.Errorf("a refresh token is not accepted here")
	}
	if err := json.Unmarshal(u.ClaimsJSON, &c); err != nil {
		return c, nil, fmt.Errorf("claims are not the expected JSON: %w", err)
	}
	var all map[string]any
	_ = json.Unmarshal(u.ClaimsJSON, &all)
	if c.Iss != p.issuer {
		return c, nil, fmt.Errorf("issuer %q is not %q", c.Iss, p.issuer)
	}
	if !allowExpired && p.now().After(time.Unix(c.Exp, 0)) {
		return c, nil, fmt.Errorf("expired %s ago", p.now().Sub(time.Unix(c.Exp, 0)).Round(time.Second))
	}
	return c, all, nil
}

// audiences decodes aud as a string or an array.
func (c ownClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Aud, &many)
	return many
}

// hintSubject returns the sub of an id_token_hint we issued; expired hints
// are fine (OIDC Core §3.1.2.1).
func (p *Provider) hintSubject(hint string) (string, bool) {
	c, _, err := p.verifyOwn(hint, "", true)
	if err != nil {
		return "", false
	}
	return c.Sub, true
}
