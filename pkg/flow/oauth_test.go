package flow

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// unsignedJWT builds a token whose claims the simulator reads before any
// signature check (that one is expect: signature's job).
func unsignedJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	return enc(h) + "." + enc(c) + "." + enc([]byte("sig"))
}

// tokenEndpoint answers every token request with status and body.
func tokenEndpoint(t *testing.T, status int, body string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s.URL + "/token"
}

var testApp = &App{Name: "shell", ClientID: "shell", Origin: "http://localhost:5101", RedirectURI: "http://localhost:5101/callback"}

func TestTokenRequest(t *testing.T) {
	idt := unsignedJWT(map[string]any{"sub": "alice"})
	tests := []struct {
		name   string
		status int
		body   string
		err    string // substring; "" means success
		code   string // the OAuth error code, when the error is one
	}{
		{"tokens", 200, `{"access_token":"a","id_token":"` + idt + `","refresh_token":"r","expires_in":60}`, "", ""},
		{"OAuth error", 400, `{"error":"invalid_grant","error_description":"code used twice"}`, "invalid_grant", "invalid_grant"},
		{"error without a code", 500, `{}`, "http_500", "http_500"},
		{"error with 200", 200, `{"error":"slow_down"}`, "slow_down", "slow_down"},
		{"not JSON", 502, `<html>Bad Gateway</html>`, "token endpoint answered 502 Bad Gateway with no JSON: <html>Bad Gateway</html>", ""},
		{"ID token not a JWT", 200, `{"access_token":"a","id_token":"nope"}`, "the ID token is not a JWT", ""},
	}
	b := browser.New(browser.Options{})
	for _, tt := range tests {
		ts, err := tokenRequest(context.Background(), b, testApp, tokenEndpoint(t, tt.status, tt.body), url.Values{"grant_type": {"x"}})
		if tt.err == "" {
			if err != nil || ts.AccessToken != "a" || ts.RefreshToken != "r" || ts.ExpiresIn != 60 || ts.IDClaims["sub"] != "alice" || ts.IDToken != idt {
				t.Errorf("%s: %+v, %v", tt.name, ts, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.err)
			continue
		}
		var oe *oidc.Error
		if isOAuth := errors.As(err, &oe); isOAuth != (tt.code != "") || isOAuth && (oe.Code != tt.code || oe.Status != tt.status) {
			t.Errorf("%s: err %#v, want OAuth error %q", tt.name, err, tt.code)
		}
	}
	if _, err := tokenRequest(context.Background(), b, testApp, "http://127.0.0.1:1/token", nil); err == nil || !strings.HasPrefix(err.Error(), "token endpoint http://127.0.0.1:1/token: ") {
		t.Errorf("unreachable: err = %v", err)
	}
}

// finishRun is a flow run between the authorization response and the
// token request, against a token endpoint that answers body.
func finishRun(t *testing.T, status int, body string, now time.Time) *flowRun {
	return &flowRun{
		r:      &Runner{Now: func() time.Time { return now }},
		disc:   &oidc.Discovery{Issuer: "http://op.test", TokenEndpoint: tokenEndpoint(t, status, body)},
		b:      browser.New(browser.Options{}),
		tokens: map[string]*tokenSet{},
	}
}

// The checks between the authorization response and the tokens: state,
// error, iss (RFC 9207), code, the exchange, and the ID token's nonce,
// issuer and times.
func TestFinishAuth(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	good := map[string]any{"iss": "http://op.test", "sub": "alice", "aud": "shell", "nonce": "n", "iat": now.Unix(), "exp": now.Unix() + 300}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range good {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	tokens := func(c map[string]any) string {
		return `{"access_token":"a","id_token":"` + unsignedJWT(c) + `"}`
	}
	tests := []struct {
		name    string
		resp    url.Values
		status  int
		body    string
		err     string // o.err
		authErr string // o.authErr's code and description
	}{
		{"tokens", url.Values{"state": {"s"}, "code": {"c"}, "iss": {"http://op.test"}}, 200, tokens(good), "", ""},
		{"forged state", url.Values{"state": {"x"}, "code": {"c"}}, 200, tokens(good), `the authorization response's state "x" is not the one sent`, ""},
		{"OAuth error", url.Values{"state": {"s"}, "error": {"access_denied"}, "error_description": {"no"}}, 200, "", "", "access_denied: no"},
		{"mix-up", url.Values{"state": {"s"}, "code": {"c"}, "iss": {"http://evil.test"}}, 200, tokens(good), `iss "http://evil.test" is not the issuer "http://op.test" (RFC 9207)`, ""},
		{"neither code nor error", url.Values{"state": {"s"}}, 200, "", "the authorization response has neither code nor error", ""},
		{"code refused", url.Values{"state": {"s"}, "code": {"c"}}, 400, `{"error":"invalid_grant","error_description":"expired"}`, "", "invalid_grant: token endpoint refused the code: expired"},
		{"token endpoint down", url.Values{"state": {"s"}, "code": {"c"}}, 502, "Bad Gateway", "with no JSON", ""},
		{"no ID token", url.Values{"state": {"s"}, "code": {"c"}}, 200, `{"access_token":"a"}`, "the token response has no id_token", ""},
		{"wrong nonce", url.Values{"state": {"s"}, "code": {"c"}}, 200, tokens(with("nonce", "m")), `the ID token's nonce "m"`, ""},
		{"wrong issuer", url.Values{"state": {"s"}, "code": {"c"}}, 200, tokens(with("iss", "http://evil.test")), `the ID token's iss "http://evil.test"`, ""},
		{"expired by this clock", url.Values{"state": {"s"}, "code": {"c"}}, 200, tokens(with("exp", now.Unix()-120)), "", "invalid_id_token: the ID token: "},
		{"within the leeway", url.Values{"state": {"s"}, "code": {"c"}}, 200, tokens(with("exp", now.Unix()-30)), "", ""},
		{"issued in the future", url.Values{"state": {"s"}, "code": {"c"}}, 200, tokens(with("iat", now.Unix()+600)), "", "invalid_id_token"},
	}
	for _, tt := range tests {
		fr := finishRun(t, tt.status, tt.body, now)
		o := fr.finishAuth(context.Background(), outcome{}, testApp, tt.resp, "s", "n", "v")
		switch {
		case tt.err != "":
			if o.err == nil || !strings.Contains(o.err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want it to contain %q", tt.name, o.err, tt.err)
			}
		case tt.authErr != "":
			if o.authErr == nil || !strings.HasPrefix(o.authErr.Error(), tt.authErr) {
				t.Errorf("%s: OAuth error %v, want %q (err %v)", tt.name, o.authErr, tt.authErr, o.err)
			}
		default:
			if o.err != nil || o.authErr != nil || o.tokens == nil || o.claims["sub"] != "alice" || fr.tokens["shell"] != o.tokens {
				t.Errorf("%s: %+v", tt.name, o)
			}
		}
		if (tt.err != "" || tt.authErr != "") && fr.tokens["shell"] != nil {
			t.Errorf("%s: a failed sign-in kept tokens", tt.name)
		}
	}
}

func TestDiscoverNeedsEndpoints(t *testing.T) {
	var s *httptest.Server
	s = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"issuer": s.URL, "authorization_endpoint": s.URL + "/authorize", "jwks_uri": s.URL + "/jwks"})
	}))
	defer s.Close()
	_, err := Discover(context.Background(), s.Client(), s.URL)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "lacks authorization_endpoint or token_endpoint") {
		t.Errorf("err = %v", err)
	}
}

func TestUnwrapURLError(t *testing.T) {
	inner := errors.New("connection refused")
	if got := unwrapURLError(&url.Error{Op: "Get", URL: "http://x", Err: inner}); got != inner {
		t.Errorf("got %v", got)
	}
	if got := unwrapURLError(inner); got != inner {
		t.Errorf("a plain error changed: %v", got)
	}
}

func TestRandomStringIsURLSafeAndFresh(t *testing.T) {
	a, b := randomString(32), randomString(32)
	if a == b || len(a) != 43 || strings.ContainsAny(a, "+/=") {
		t.Errorf("randomString: %q, %q", a, b)
	}
}
