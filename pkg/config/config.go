// Package config describes ssokit.yaml: its schema, defaults, strict loading
// and validation that reports every error with file:line. It never imports
// the engines; turning a Config into running parts is the stack's job.
package config

import (
	"time"

	"github.com/ssokit/ssokit/pkg/fault"
)

// DefaultFile is the config file `ssokit up` and `ssokit new` look for.
const DefaultFile = "ssokit.yaml"

// Defaults.
const (
	DefaultIssuer       = "http://localhost:9400/"
	DefaultProviderAddr = "127.0.0.1:9400"
	DefaultProxyAddr    = "127.0.0.1:9000"
)

// Config is one ssokit.yaml.
type Config struct {
	// Path is the file it was loaded from; empty for built-in defaults.
	Path string `yaml:"-"`

	Issuer string `yaml:"issuer,omitempty"`
	// AllowedHosts are Host names the provider and the proxy answer besides
	// the issuer's host, loopback names and IP addresses: a name
	// (auth.dev.test), a leading-dot domain (.dev.test) or "*" (any; turns
	// the DNS rebinding protection off).
	AllowedHosts []string `yaml:"allowed_hosts,omitempty"`
	Provider     Provider `yaml:"provider,omitempty"`
	Proxy        Proxy    `yaml:"proxy,omitempty"`
	Users        []User   `yaml:"users,omitempty"`
	// APIs are the resource servers access tokens are issued for, with
	// their scopes and the claims their access tokens carry. With APIs
	// configured, an audience or resource parameter naming none of them
	// is refused (invalid_target).
	APIs    []API    `yaml:"apis,omitempty"`
	Clients []Client `yaml:"clients,omitempty"`
	Apps    []App    `yaml:"apps,omitempty"`
	Faults  []Fault  `yaml:"faults,omitempty"`
	// Tenants are more issuers under the same listener (see tenants.go).
	Tenants []Tenant `yaml:"tenants,omitempty"`
	// Organizations are Auth0 Organizations (see organizations.go).
	Organizations []Organization `yaml:"organizations,omitempty"`
}

// Provider configures the OpenID provider.
type Provider struct {
	Addr       string `yaml:"addr,omitempty"`
	SigningAlg string `yaml:"signing_alg,omitempty"` // RS256 (default) or ES256
	// Mount serves the provider under the proxy at this path (e.g. /auth)
	// instead of on its own origin, keeping silent auth first-party.
	Mount         string        `yaml:"mount,omitempty"`
	KeysDir       string        `yaml:"keys_dir,omitempty"`
	EphemeralKeys bool          `yaml:"ephemeral_keys,omitempty"`
	SessionCookie SessionCookie `yaml:"session_cookie,omitempty"`
	Tokens        Lifetimes     `yaml:"tokens,omitempty"`
}

// SessionCookie configures the SSO session cookie on the provider's origin.
type SessionCookie struct {
	// SameSite is lax (default), strict or none. none implies Secure, which
	// Chromium accepts on http://localhost.
	SameSite string `yaml:"same_site,omitempty"`
}

// Lifetimes of what the provider issues. Zero means the default.
type Lifetimes struct {
	AccessToken  time.Duration `yaml:"access_token,omitempty"`
	IDToken      time.Duration `yaml:"id_token,omitempty"`
	RefreshToken time.Duration `yaml:"refresh_token,omitempty"`
	Session      time.Duration `yaml:"session,omitempty"`
	// RefreshReuseInterval lets a rotated refresh token be presented again
	// for this long, answered with the same successor instead of revoking
	// its family (Auth0's "reuse interval", Okta's grace period): what many
	// tabs refreshing at once need. Zero (the default) keeps strict reuse
	// detection. At most MaxRefreshReuseInterval.
	RefreshReuseInterval time.Duration `yaml:"refresh_reuse_interval,omitempty"`
}

// Proxy configures the dev reverse proxy.
type Proxy struct {
	Addr string `yaml:"addr,omitempty"`
}

// User is a test user. Without a password any password signs in.
type User struct {
	Username string `yaml:"username"`
	Password string `yaml:"password,omitempty"`
	// Claims are identity claims about the user (name, email,
	// preferred_username…): they go in the ID token and userinfo as they
	// are.
	Claims map[string]any `yaml:"claims,omitempty"`
	// Attributes are what APIs authorize on: roles, groups, permissions,
	// org or tenant ids. They go in no token by themselves; an API's or a
	// client's access_token_claims (or a profile, such as Keycloak's
	// realm_access.roles) maps them to access-token claims by name.
	Attributes map[string]any `yaml:"attributes,omitempty"`
}

// Client is a registered relying party. With a Secret it is confidential.
type Client struct {
	ClientID               string    `yaml:"client_id"`
	Secret                 string    `yaml:"secret,omitempty"`
	RedirectURIs           []string  `yaml:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs []string  `yaml:"post_logout_redirect_uris,omitempty"`
	WebOrigins             []string  `yaml:"web_origins,omitempty"`
	FrontchannelLogoutURI  string    `yaml:"frontchannel_logout_uri,omitempty"`
	BackchannelLogoutURI   string    `yaml:"backchannel_logout_uri,omitempty"`
	Tokens                 Lifetimes `yaml:"tokens,omitempty"`
	// AccessTokenClaims maps claims of every access token issued to this
	// client to user attributes, as API.AccessTokenClaims does; for a
	// claim both name, the client's mapping wins.
	AccessTokenClaims map[string]string `yaml:"access_token_claims,omitempty"`
}

// App is a micro-frontend behind the proxy.
type App struct {
	Name     string            `yaml:"name"`
	Path     string            `yaml:"path"`
	Upstream string            `yaml:"upstream"`
	Command  string            `yaml:"command,omitempty"`
	Cwd      string            `yaml:"cwd,omitempty"`
	Env      map[string]string `yaml:"env,omitempty"`
	// StripPrefix removes Path before forwarding; default false (dev servers
	// such as Vite are usually configured with the same base path).
	StripPrefix bool              `yaml:"strip_prefix,omitempty"`
	KeepHost    bool              `yaml:"keep_host,omitempty"`
	Headers     map[string]string `yaml:"headers,omitempty"`
	// Auth "required" puts the route behind the proxy's auth gate (BFF):
	// pages need a session. "spa" makes the proxy the backend-for-frontend
	// of a single-page app: pages load freely, the app asks
	// <path>/_ssokit/session who is signed in, and its API calls get the
	// session's bearer token; tokens never reach the browser.
	Auth     string `yaml:"auth,omitempty"`
	ClientID string `yaml:"client_id,omitempty"`
	// API are the upstreams an auth: spa app calls through the proxy with
	// the session's access token: <path><api.path>/x → api.upstream/x.
	API []AppAPI `yaml:"api,omitempty"`
}

// AppAPI is an API an auth: spa app reaches through the proxy.
type AppAPI struct {
	Path     string `yaml:"path"`     // under the app's path, e.g. /api
	Upstream string `yaml:"upstream"` // e.g. http://localhost:5204
}

// Fault is an injected failure (see package fault, which validates it).
type Fault = fault.Fault

// IssuerOrDefault returns the configured issuer or DefaultIssuer.
func (c *Config) IssuerOrDefault() string {
	if c == nil || c.Issuer == "" {
		return DefaultIssuer
	}
	return c.Issuer
}

// Client returns the registered client with id.
func (c *Config) Client(id string) (*Client, bool) {
	for i := range c.Clients {
		if c.Clients[i].ClientID == id {
			return &c.Clients[i], true
		}
	}
	return nil, false
}

// UsersOrDefault returns the configured users, or DefaultUsers when none are.
func (c *Config) UsersOrDefault() []User {
	if c == nil || len(c.Users) == 0 {
		return DefaultUsers()
	}
	return c.Users
}

// DefaultUsers are the zero-config users.
func DefaultUsers() []User {
	return []User{
		{Username: "alice", Claims: map[string]any{
			"name": "Alice Doe", "given_name": "Alice", "family_name": "Doe",
			"email": "alice@example.com", "email_verified": true, "preferred_username": "alice",
		}},
		{Username: "bob", Claims: map[string]any{
			"name": "Bob Smith", "given_name": "Bob", "family_name": "Smith",
			"email": "bob@example.com", "email_verified": true, "preferred_username": "bob",
		}},
	}
}
