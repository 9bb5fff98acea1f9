// Package ssokittest starts ssokit's OpenID provider inside a Go test, as
// net/http/httptest starts an HTTP server: one call gives a real provider
// on a loopback port — discovery, JWKS, authorize, token, userinfo,
// logout — with the users and clients the test names, cleaned up with the
// test. Tokens come from the provider itself (Token, Tokens), so a
// service's middleware is tested against exactly what it will meet.
//
//	func TestOrders(t *testing.T) {
//		op := ssokittest.New(t, ssokittest.WithUser("alice", map[string]any{"email": "alice@example.com"}))
//		api := httptest.NewServer(myapi.Handler(op.Issuer(), "orders-api"))
//		defer api.Close()
//		req, _ := http.NewRequest("GET", api.URL+"/orders", nil)
//		req.Header.Set("Authorization", "Bearer "+op.Token(t, "alice",
//			ssokittest.Audience("orders-api"), ssokittest.Claims(map[string]any{"roles": []string{"admin"}})))
//		...
//	}
//
// Nothing in ssokit imports this package; it is for its users' tests.
package ssokittest

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/provider"
)

// Provider is a running in-process OpenID provider.
type Provider struct {
	op      *provider.Provider
	srv     *httptest.Server
	cleanup func()
}

// Option configures New and Start.
type Option func(*settings)

type settings struct {
	cfg   config.Config
	now   func() time.Time
	alg   string
	fresh bool
}

// WithUser adds a user with claims (name, email …), released in ID tokens
// and userinfo by scope as in ssokit.yaml; access tokens carry only the
// claims given to Token (Claims). Without any WithUser the provider has
// ssokit's default users alice and bob. Any password signs the user in;
// WithConfig sets passwords.
func WithUser(username string, claims map[string]any) Option {
	return func(s *settings) {
		s.cfg.Users = append(s.cfg.Users, config.User{Username: username, Claims: claims})
	}
}

// WithClient registers a client, as under clients: in ssokit.yaml. Without
// any, the provider accepts every client_id with loopback redirect URIs
// (zero-config mode) and tokens are minted for provider.DefaultTestClient.
func WithClient(c config.Client) Option {
	return func(s *settings) { s.cfg.Clients = append(s.cfg.Clients, c) }
}

// WithConfig starts from a whole config (users, clients, lifetimes,
// faults), e.g. the project's ssokit.yaml read with config.Load. Options
// after it add to it.
func WithConfig(cfg *config.Config) Option {
	return func(s *settings) {
		if cfg != nil {
			s.cfg = *cfg
		}
	}
}

// WithClock sets the provider's clock, for exact iat and exp.
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// WithSigningAlg signs with RS256 (the default) or ES256.
func WithSigningAlg(alg string) Option { return func(s *settings) { s.alg = alg } }

// WithFreshKeys generates signing keys for this provider alone. By default
// the providers of one test binary start from the same key (generated
// once: an RSA key takes about 0.4 s), each with its own copy; their
// tokens still differ by issuer.
func WithFreshKeys() Option { return func(s *settings) { s.fresh = true } }

// New starts a provider for the test; t.Cleanup stops it.
func New(t testing.TB, opts ...Option) *Provider {
	t.Helper()
	p, err := start(opts)
	if err != nil {
		t.Fatalf("ssokittest: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// Start starts a provider outside a test (an Example, TestMain); it
// panics on error, as httptest.NewServer does. Call Close when done.
func Start(opts ...Option) *Provider {
	p, err := start(opts)
	if err != nil {
		panic("ssokittest: " + err.Error())
	}
	return p
}

func start(opts []Option) (*Provider, error) {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	if errs := s.cfg.Validate(); len(errs) > 0 {
		return nil, errs
	}
	if s.alg == "" {
		s.alg = s.cfg.Provider.SigningAlg
	}
	ks, cleanup, err := loadKeys(s.alg, s.fresh, s.now)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	cfg := s.cfg
	cfg.Issuer = issuer
	op, err := provider.New(provider.Options{Issuer: issuer, Config: &cfg, Keys: ks, Now: s.now})
	if err != nil {
		srv.Close()
		cleanup()
		return nil, err
	}
	srv.Config.Handler = op
	srv.Start()
	return &Provider{op: op, srv: srv, cleanup: cleanup}, nil
}

// Close stops the provider. New's cleanup calls it.
func (p *Provider) Close() {
	p.srv.Close()
	_ = p.op.Close()
	p.cleanup()
}

// Issuer is the provider's issuer, e.g. http://127.0.0.1:PORT/; discovery
// is at Issuer()+".well-known/openid-configuration".
func (p *Provider) Issuer() string { return p.op.Issuer() }

// JWKSURL is the URL of the provider's signing keys.
func (p *Provider) JWKSURL() string { return p.op.Issuer() + provider.PathJWKS[1:] }

// Client is an HTTP client for the provider (httptest's).
func (p *Provider) Client() *http.Client { return p.srv.Client() }

// Provider is the provider itself, for what this package does not wrap:
// Reset, PutUser, PutClient, Sessions, EndSession, Keys().Rotate, Events …
func (p *Provider) Provider() *provider.Provider { return p.op }

// TokenOption shapes a minted token.
type TokenOption func(*provider.MintRequest)

// Audience sets the access token's aud (default the client id).
func Audience(aud string) TokenOption { return func(r *provider.MintRequest) { r.Audience = aud } }

// ClientID sets the client the tokens are issued to.
func ClientID(id string) TokenOption { return func(r *provider.MintRequest) { r.ClientID = id } }

// Scope sets the space-separated scopes (for a user the default is
// "openid profile email offline_access").
func Scope(scope string) TokenOption { return func(r *provider.MintRequest) { r.Scope = scope } }

// Claims adds claims to the tokens and userinfo (reserved ones refused).
func Claims(claims map[string]any) TokenOption {
	return func(r *provider.MintRequest) { r.Claims = claims }
}

// Lifetime sets the access and ID tokens' lifetime.
func Lifetime(d time.Duration) TokenOption {
	return func(r *provider.MintRequest) { r.Lifetime = provider.Duration(d) }
}

// Expired mints tokens that expired a minute ago (their refresh token
// stays valid).
func Expired() TokenOption { return func(r *provider.MintRequest) { r.Expired = true } }

// Token returns an access token the provider issued to user. t may be nil
// outside tests; errors then panic.
func (p *Provider) Token(t testing.TB, user string, opts ...TokenOption) string {
	if t != nil {
		t.Helper()
	}
	return p.Tokens(t, user, opts...).AccessToken
}

// Tokens returns the whole token response for user: access, ID and (with
// offline_access, the default) a stored refresh token that really rotates.
func (p *Provider) Tokens(t testing.TB, user string, opts ...TokenOption) provider.MintResponse {
	if t != nil {
		t.Helper()
	}
	if user == "" {
		fail(t, "Tokens needs a user; use ClientToken for a client token")
	}
	return p.mint(t, provider.MintRequest{User: user}, opts)
}

// ClientToken returns an access token as client_credentials issues it to
// a confidential client (one registered with a Secret).
func (p *Provider) ClientToken(t testing.TB, clientID string, opts ...TokenOption) string {
	if t != nil {
		t.Helper()
	}
	return p.mint(t, provider.MintRequest{ClientID: clientID}, opts).AccessToken
}

func (p *Provider) mint(t testing.TB, req provider.MintRequest, opts []TokenOption) provider.MintResponse {
	if t != nil {
		t.Helper()
	}
	for _, o := range opts {
		o(&req)
	}
	res, err := p.op.Mint(req)
	if err != nil {
		fail(t, "mint: %v", err)
	}
	return res
}

// SignedInClient returns an HTTP client whose cookie jar holds a new SSO
// session of user (with extra claims): following an app's redirect to the
// provider's /authorize, it comes back with a code without any form.
func (p *Provider) SignedInClient(t testing.TB, user string, claims map[string]any) *http.Client {
	if t != nil {
		t.Helper()
	}
	res, err := p.op.SignIn(provider.SignInRequest{User: user, Claims: claims})
	if err != nil {
		fail(t, "sign in: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(p.Issuer())
	var cks []*http.Cookie
	for _, c := range res.Cookies {
		cks = append(cks, &http.Cookie{Name: c.Name, Value: c.Value, Path: c.Path})
	}
	jar.SetCookies(u, cks)
	return &http.Client{Jar: jar, Transport: p.srv.Client().Transport}
}

func fail(t testing.TB, format string, args ...any) {
	if t == nil {
		panic("ssokittest: " + fmt.Sprintf(format, args...))
	}
	t.Helper()
	t.Fatalf("ssokittest: "+format, args...)
}
