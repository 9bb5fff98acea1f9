package inspect

import (
	"context"
	"time"

	"github.com/ssokit/ssokit/pkg/token"
)

// Verifier checks a token for the inspector. refresh asks it to refetch
// remote keys first (the `v` key: the provider may have rotated).
type Verifier interface {
	Verify(ctx context.Context, raw string, refresh bool) (*token.Result, error)
}

// KeyVerifier verifies with a token.KeySet: static keys, or keys fetched
// from an issuer or JWKS URL and cached (an unknown kid refetches once).
type KeyVerifier struct {
	Keys   *token.KeySet
	Now    func() time.Time
	Leeway time.Duration
}

// Verify implements Verifier.
func (v *KeyVerifier) Verify(ctx context.Context, raw string, refresh bool) (*token.Result, error) {
	if refresh {
		if err := v.Keys.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	return v.Keys.Verify(ctx, raw, token.VerifyOptions{Now: v.Now, Leeway: v.Leeway})
}
