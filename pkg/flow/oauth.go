package flow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// Discovery is the part of a provider's discovery document flows use.
type Discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	EndSessionEndpoint    string `json:"end_session_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

// ErrUnreachable wraps a failure to reach the issuer at all.
var ErrUnreachable = errors.New("issuer unreachable")

// Discover fetches issuer's discovery document.
func Discover(ctx context.Context, client *http.Client, issuer string) (*Discovery, error) {
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", issuer, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot fetch %s: %v (is the provider running?)", ErrUnreachable, u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s, not a discovery document (is %s an OpenID provider's issuer?)", ErrUnreachable, u, resp.Status, issuer)
	}
	var d Discovery
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %s is not JSON: %v", ErrUnreachable, u, err)
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: %s lacks authorization_endpoint or token_endpoint", ErrUnreachable, u)
	}
	return &d, nil
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

// pkceChallenge is the S256 code_challenge of verifier (RFC 7636).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tokenSet is what an app holds after a token response.
type tokenSet struct {
	AccessToken  string
	IDToken      string
	RefreshToken string
	ExpiresIn    int64
	IDClaims     map[string]any
}

// oauthError is an error response from the provider.
type oauthError struct {
	Code, Description string
	Status            int
}

func (e *oauthError) Error() string {
	if e.Description != "" {
		return e.Code + ": " + e.Description
	}
	return e.Code
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
		return nil, &oauthError{Code: tr.Error, Description: tr.ErrorDescription, Status: resp.StatusCode}
	}
	ts := &tokenSet{AccessToken: tr.AccessToken, IDToken: tr.IDToken, RefreshToken: tr.RefreshToken, ExpiresIn: tr.ExpiresIn}
	if tr.IDToken != "" {
		c, err := decodeClaims(tr.IDToken)
		if err != nil {
			return nil, fmt.Errorf("the ID token is not a JWT: %v", err)
		}
		ts.IDClaims = c
	}
	return ts, nil
}

// decodeClaims reads a JWT's payload without verifying it.
func decodeClaims(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d dot-separated parts, want 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// allowedAlgs are the signature algorithms an ID token may use; "none"
// and HMAC never verify here.
var allowedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

// verifySignature checks jwt against the JWKS at jwksURI.
func verifySignature(ctx context.Context, client *http.Client, jwksURI, jwt string) error {
	if jwksURI == "" {
		return errors.New("the provider publishes no jwks_uri")
	}
	sig, err := jose.ParseSigned(jwt, allowedAlgs)
	if err != nil {
		return fmt.Errorf("not a JWS with an allowed algorithm: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURI, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch JWKS: %v", unwrapURLError(err))
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("JWKS at %s is not a key set: %v", jwksURI, err)
	}
	kid := sig.Signatures[0].Header.KeyID
	keys := set.Keys
	if kid != "" {
		keys = set.Key(kid)
		if len(keys) == 0 {
			return fmt.Errorf("no key with kid %q in the JWKS", kid)
		}
	}
	for _, k := range keys {
		if _, err := sig.Verify(k); err == nil {
			return nil
		}
	}
	return errors.New("the signature does not verify with any published key")
}

func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
