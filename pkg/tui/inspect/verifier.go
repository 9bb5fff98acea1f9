package inspect

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
)

// Verifier checks a token for the inspector. refresh asks it to refetch
// remote keys first (the `v` key: the provider may have rotated).
type Verifier interface {
	Verify(ctx context.Context, raw string, refresh bool) (*token.Result, error)
}

// KeyVerifier verifies with static keys, or with keys fetched from an
// issuer's discovery document and cached; an unknown kid triggers one
// refetch, since the provider may have rotated its keys.
type KeyVerifier struct {
	// Keys are static keys; used when Issuer is empty.
	Keys []jose.JSONWebKey
	// Issuer, when set, is where keys are discovered; tokens' iss must match.
	Issuer string
	HTTP   *http.Client
	Now    func() time.Time
	Leeway time.Duration

	mu      sync.Mutex
	fetched []jose.JSONWebKey
	iss     string
}

func (v *KeyVerifier) keys(ctx context.Context, refresh bool) ([]jose.JSONWebKey, string, error) {
	if v.Issuer == "" {
		return v.Keys, "", nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fetched != nil && !refresh {
		return v.fetched, v.iss, nil
	}
	d, err := token.Discover(ctx, v.HTTP, v.Issuer)
	if err != nil {
		return nil, "", err
	}
	keys, err := token.FetchJWKS(ctx, v.HTTP, d.JWKSURI)
	if err != nil {
		return nil, "", err
	}
	v.fetched, v.iss = keys, d.Issuer
	return keys, d.Issuer, nil
}

// Verify implements Verifier.
func (v *KeyVerifier) Verify(ctx context.Context, raw string, refresh bool) (*token.Result, error) {
	keys, iss, err := v.keys(ctx, refresh)
	if err != nil {
		return nil, err
	}
	opts := token.VerifyOptions{Keys: keys, Now: v.Now, Leeway: v.Leeway, Issuer: iss}
	r, err := token.Verify(raw, opts)
	if err == nil && !refresh && v.Issuer != "" && strings.HasPrefix(r.Reason, "unknown kid") {
		return v.Verify(ctx, raw, true)
	}
	return r, err
}
