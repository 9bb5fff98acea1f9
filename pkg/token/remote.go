package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// DefaultFetchTimeout bounds each discovery or JWKS request.
const DefaultFetchTimeout = 10 * time.Second

// NetworkError means a remote document could not be fetched: the issuer is
// unreachable, slow, or answered with something unusable. It is never an
// "invalid token" verdict; commands map it to exit code 2.
type NetworkError struct {
	URL string
	Err error
}

func (e *NetworkError) Error() string { return fmt.Sprintf("fetching %s: %v", e.URL, e.Err) }
func (e *NetworkError) Unwrap() error { return e.Err }

// IssuerMismatchError means the discovery document names another issuer
// than the one asked for: OpenID Connect Discovery §4.3 forbids using it.
type IssuerMismatchError struct{ URL, Want, Got string }

func (e *IssuerMismatchError) Error() string {
	return fmt.Sprintf("%s names issuer %q, not %q; tokens from it carry that iss, so use --issuer %s", e.URL, e.Got, e.Want, e.Got)
}

// Discover fetches issuer's /.well-known/openid-configuration and checks
// that the document's issuer is the one asked for (a trailing slash aside).
func Discover(ctx context.Context, client *http.Client, issuer string) (*oidc.Discovery, error) {
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	var d oidc.Discovery
	if err := getJSON(ctx, client, u, &d); err != nil {
		var ne *NetworkError
		if errors.As(err, &ne) && strings.HasPrefix(ne.Err.Error(), "HTTP ") {
			ne.Err = fmt.Errorf("%v, not a discovery document (is %s an OpenID provider's issuer?)", ne.Err, issuer)
		}
		return nil, err
	}
	if strings.TrimSuffix(d.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return nil, &IssuerMismatchError{URL: u, Want: issuer, Got: d.Issuer}
	}
	if d.JWKSURI == "" {
		return nil, &NetworkError{URL: u, Err: errors.New("discovery document has no jwks_uri")}
	}
	return &d, nil
}

// FetchJWKS fetches and parses a JWK set.
func FetchJWKS(ctx context.Context, client *http.Client, url string) ([]jose.JSONWebKey, error) {
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, client, url, &set); err != nil {
		return nil, err
	}
	if len(set.Keys) == 0 {
		return nil, &NetworkError{URL: url, Err: errors.New("JWKS has no keys")}
	}
	return set.Keys, nil
}

func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	if client == nil {
		client = http.DefaultClient
	}
	timeout := DefaultFetchTimeout
	if client.Timeout > 0 {
		timeout = client.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &NetworkError{URL: url, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return &NetworkError{URL: url, Err: unwrapURLError(err, timeout)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &NetworkError{URL: url, Err: fmt.Errorf("HTTP %s", resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxInputSize))
	if err != nil {
		return &NetworkError{URL: url, Err: unwrapURLError(err, timeout)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &NetworkError{URL: url, Err: fmt.Errorf("response is not the expected JSON: %v", err)}
	}
	return nil
}

// unwrapURLError drops *url.Error's "Get "…":" prefix, since NetworkError
// already names the URL.
func unwrapURLError(err error, timeout time.Duration) error {
	var te interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout()) {
		return fmt.Errorf("no answer within %s (timeout)", timeout)
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && strings.HasPrefix(err.Error(), "Get ") {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
