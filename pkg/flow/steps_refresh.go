package flow

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// refreshStep redeems the app's refresh token: `refresh: shell`.
type refreshStep struct{ appStep }

func (s *refreshStep) label() string  { return s.appLabel(StepRefresh) }
func (s *refreshStep) yields() string { return "tokens" }

func (s *refreshStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	cur := fr.tokens[app.Name]
	if cur == nil {
		return outcome{err: fmt.Errorf("%s holds no tokens to refresh (sign it in first)", app.Name)}
	}
	if cur.RefreshToken == "" {
		return outcome{err: fmt.Errorf("%s has no refresh token (the provider issued none for scope %q)", app.Name, app.Scope)}
	}
	ts, err := tokenRequest(ctx, fr.b, app, fr.disc.TokenEndpoint, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {cur.RefreshToken}, "client_id": {app.ClientID},
	})
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) {
			return outcome{authErr: oe}
		}
		return outcome{err: err}
	}
	if ts.RefreshToken == "" {
		ts.RefreshToken = cur.RefreshToken
	}
	if ts.IDToken == "" {
		ts.IDToken, ts.IDClaims = cur.IDToken, cur.IDClaims
	}
	fr.tokens[app.Name] = ts
	return outcome{tokens: ts, claims: ts.IDClaims}
}
