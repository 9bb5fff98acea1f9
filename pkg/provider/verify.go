package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
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
func (p *Provider) verifyOwn(token, typ string, allowExpired bool) (ownClaims, map[string]any, error) {
	var c ownClaims
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(p.keys.Alg())})
	if err != nil {
		return c, nil, fmt.Errorf("not a JWS signed with %s: %w", p.keys.Alg(), err)
	}
	if len(jws.Signatures) != 1 {
		return c, nil, errors.New("the token must carry exactly one signature")
	}
	h := jws.Signatures[0].Protected
	if typ != "" {
		if t, _ := h.ExtraHeaders[jose.HeaderType].(string); t != typ {
			return c, nil, fmt.Errorf("token type %q is not %q", t, typ)
		}
	}
	key, ok := p.keys.PublicKey(h.KeyID)
	if !ok {
		return c, nil, fmt.Errorf("key %q is not one of this provider's keys", h.KeyID)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return c, nil, errors.New("signature does not verify")
	}
	var all map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, nil, fmt.Errorf("claims are not JSON: %w", err)
	}
	_ = json.Unmarshal(payload, &all)
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
