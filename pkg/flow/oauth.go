package flow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/token"
)

// ErrUnreachable wraps a failure to reach the issuer at all.
var ErrUnreachable = errors.New("issuer unreachable")

// Discover fetches issuer's discovery document with token.Discover (which
// checks that it names this issuer) and checks the endpoints flows need.
func Discover(ctx context.Context, client *http.Client, issuer string) (*oidc.Discovery, error) {
	d, err := token.Discover(ctx, client, issuer)
	var ne *token.NetworkError
	switch {
	case errors.As(err, &ne):
		return nil, fmt.Errorf("%w: %v (is the provider running?)", ErrUnreachable, err)
	case err != nil:
		return nil, err
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: %s's discovery document lacks authorization_endpoint or token_endpoint", ErrUnreachable, issuer)
	}
	return d, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenSet is what an app holds after a token response.
type tokenSet struct {
	AccessToken  string
	IDToken      string
	RefreshToken string
	ExpiresIn    int64
	IDClaims     map[string]any
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	IDToken          string `json:"id_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// tokenRequest posts to the token endpoint from the app's origin, as a
// public client (no secret) would.
func tokenRequest(ctx context.Context, b *browser.Browser, app *App, endpoint string, form url.Values) (*tokenSet, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	from, _ := url.Parse(app.Origin + "/")
	resp, body, err := b.Fetch(ctx, browser.FetchRequest{From: from, Method: http.MethodPost, URL: u, Form: form})
	if err != nil {
		return nil, fmt.Errorf("token endpoint %s: %v", endpoint, unwrapURLError(err))
	}
	var tr tokenResponse
	if jerr := json.Unmarshal(body, &tr); jerr != nil {
		return nil, fmt.Errorf("token endpoint answered %s with no JSON: %s", resp.Status, excerpt(body))
	}
	if tr.Error != "" || resp.StatusCode != http.StatusOK {
		if tr.Error == "" {
			tr.Error = "http_" + fmt.Sprint(resp.StatusCode)
		}
		return nil, &oidc.Error{Code: tr.Error, Description: tr.ErrorDescription, Status: resp.StatusCode}
	}
	ts := &tokenSet{AccessToken: tr.AccessToken, IDToken: tr.IDToken, RefreshToken: tr.RefreshToken, ExpiresIn: tr.ExpiresIn}
	if tr.IDToken != "" {
		u, err := token.Decode(tr.IDToken)
		if err != nil {
			return nil, fmt.Errorf("the ID token is not a JWT: %v", err)
		}
		ts.IDToken, ts.IDClaims = u.Raw, u.Claims
	}
	return ts, nil
}

func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
