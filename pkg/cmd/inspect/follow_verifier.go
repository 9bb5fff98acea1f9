package inspect

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/token"
	tui "github.com/ssokit/ssokit/pkg/tui/inspect"
)

// maxFollowIssuers bounds the issuers a followVerifier keeps keys for.
const maxFollowIssuers = 128

// followVerifier verifies each followed token with the keys of the issuer
// it names when that issuer is the followed provider or one of its tenants
// (an issuer under the followed URL, such as <url>/acme/ or
// <url>/realms/demo): the root's event stream carries every tenant's
// tokens. Any other issuer is checked against the followed provider's own
// keys, and fails as it should. The token's unverified iss only chooses
// among keys the followed provider publishes; the signature and iss are
// still checked against them.
type followVerifier struct {
	base   string // the followed URL without a trailing slash
	client *http.Client
	now    func() time.Time
	leeway time.Duration

	mu    sync.Mutex
	byIss map[string]*tui.KeyVerifier
}

func newFollowVerifier(follow string, client *http.Client, now func() time.Time, leeway time.Duration) (*followVerifier, error) {
	v := &followVerifier{base: strings.TrimSuffix(follow, "/"), client: client, now: now, leeway: leeway, byIss: map[string]*tui.KeyVerifier{}}
	if _, err := v.keysFor(follow); err != nil { // a follow value that is no URL is a usage error now
		return nil, err
	}
	return v, nil
}

// Verify implements tui.Verifier.
func (v *followVerifier) Verify(ctx context.Context, raw string, refresh bool) (*token.Result, error) {
	iss := v.base + "/"
	if u, err := token.Decode(raw); err == nil {
		if s, _ := u.Claims["iss"].(string); v.under(s) {
			iss = s
		}
	}
	kv, err := v.keysFor(iss)
	if err != nil {
		return nil, err
	}
	return kv.Verify(ctx, raw, refresh)
}

// under reports whether iss is the followed provider or an issuer below it.
func (v *followVerifier) under(iss string) bool {
	return strings.TrimSuffix(iss, "/") == v.base || strings.HasPrefix(iss, v.base+"/")
}

func (v *followVerifier) keysFor(iss string) (*tui.KeyVerifier, error) {
	key := strings.TrimSuffix(iss, "/")
	v.mu.Lock()
	defer v.mu.Unlock()
	if kv, ok := v.byIss[key]; ok {
		return kv, nil
	}
	if len(v.byIss) >= maxFollowIssuers {
		return nil, fmt.Errorf("tokens of more than %d issuers under %s: not verifying %s", maxFollowIssuers, v.base, iss)
	}
	keys, err := token.ResolveKeys(token.KeySource{Issuer: iss}, v.client)
	if err != nil {
		return nil, err
	}
	kv := &tui.KeyVerifier{Keys: keys, Now: v.now, Leeway: v.leeway}
	v.byIss[key] = kv
	return kv, nil
}
