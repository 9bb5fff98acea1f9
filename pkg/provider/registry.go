package provider

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/netutil"
)

// registry is the reloadable part of the provider: who may sign in and
// which clients exist. It is immutable once built and swapped atomically.
type registry struct {
	// zeroConfig accepts any client_id as a public client whose URIs are
	// loopback, because no clients are registered.
	zeroConfig bool
	clients    map[string]*client
	users      []config.User
	// orgs are the Auth0 Organizations (organizations.go).
	orgs     organizations
	origins  map[string]bool // registered web origins, for CORS
	life     config.Lifetimes
	sameSite http.SameSite
	secure   bool
	apps     map[string]string // client_id → app name in ssokit.yaml (dashboard colours)
	// apis by audience; audiences in config order, for messages.
	apis      map[string]*config.API
	audiences []string
	// dynamicUsers: no configured user has a password, so any valid
	// username signs in as a user made on the fly (dynamicUser).
	dynamicUsers bool
	// mapped memoises mappedClaims: aud, client and user → *claimSet.
	// The only part of a registry that changes, and only by adding what
	// the rest of it determines.
	mapped sync.Map
}

type client struct {
	config.Client
	// origins the client may receive web_message responses on and be framed by.
	origins []string
}

func (c *client) public() bool { return c.Secret == "" }

func newRegistry(cfg *config.Config) (*registry, error) {
	r := &registry{
		zeroConfig: len(cfg.Clients) == 0,
		clients:    map[string]*client{},
		origins:    map[string]bool{},
		users:      cfg.UsersOrDefault(),
		life:       cfg.Provider.Tokens,
		apps:       appNames(cfg),
		apis:       map[string]*config.API{},
		audiences:  cfg.Audiences(),
		orgs:       newOrganizations(cfg.Organizations),
	}
	for i := range cfg.APIs {
		r.apis[cfg.APIs[i].Audience] = &cfg.APIs[i]
	}
	r.dynamicUsers = !slices.ContainsFunc(r.users, func(u config.User) bool { return u.Password != "" })
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&r.life.AccessToken, DefaultAccessTokenTTL)
	def(&r.life.IDToken, DefaultIDTokenTTL)
	def(&r.life.RefreshToken, DefaultRefreshTokenTTL)
	def(&r.life.Session, DefaultSessionTTL)
	switch strings.ToLower(cfg.Provider.SessionCookie.SameSite) {
	case "", "lax":
		r.sameSite = http.SameSiteLaxMode
	case "strict":
		r.sameSite = http.SameSiteStrictMode
	case "none":
		r.sameSite, r.secure = http.SameSiteNoneMode, true
	default:
		return nil, fmt.Errorf("session_cookie.same_site %q is not lax, strict or none", cfg.Provider.SessionCookie.SameSite)
	}
	for _, c := range cfg.Clients {
		cl := &client{Client: c}
		add := func(o string) {
			if o != "" && !slices.Contains(cl.origins, o) {
				cl.origins = append(cl.origins, o)
			}
			r.origins[o] = true
		}
		for _, o := range c.WebOrigins {
			add(strings.TrimSuffix(o, "/"))
		}
		for _, u := range c.RedirectURIs {
			add(originOf(u))
		}
		r.clients[c.ClientID] = cl
	}
	return r, nil
}

// lookup returns the client with id: the registered one, or in zero-config
// mode a public client whose redirect URIs are checked for loopback.
func (r *registry) lookup(id string) (*client, bool) {
	if c, ok := r.clients[id]; ok {
		return c, true
	}
	if r.zeroConfig && id != "" {
		return &client{Client: config.Client{ClientID: id}}, true
	}
	return nil, false
}

// redirectAllowed checks a redirect_uri: exact string match against the
// registered values, except that a registered loopback IP URI allows any
// port (RFC 8252 §7.3); or in zero-config mode any http(s) URI with a
// loopback host.
func (r *registry) redirectAllowed(c *client, uri string) bool {
	if len(c.RedirectURIs) > 0 || !r.zeroConfig {
		return slices.Contains(c.RedirectURIs, uri) || slices.ContainsFunc(c.RedirectURIs, func(reg string) bool { return loopbackIPAnyPort(reg, uri) })
	}
	return loopbackURI(uri)
}

// loopbackIPAnyPort reports whether uri is the registered loopback IP
// redirect URI with another port. RFC 8252 §7.3: the server "MUST allow
// any port to be specified at the time of the request for loopback IP
// redirect URIs", since a native app listens on whatever port the OS gives
// it. Only http with the IP literals 127.0.0.1 and [::1] qualify; the
// scheme, host, path and query stay exact. "localhost" does not (RFC 8252
// §8.3 recommends against it): browser apps registered on
// http://localhost:PORT keep exact matching.
func loopbackIPAnyPort(registered, uri string) bool {
	ru, err1 := url.Parse(registered)
	u, err2 := url.Parse(uri)
	if err1 != nil || err2 != nil || ru.Scheme != "http" || u.Scheme != "http" {
		return false
	}
	if h := ru.Hostname(); h != "127.0.0.1" && h != "::1" {
		return false
	}
	if u.Port() != "" {
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return false
		}
	}
	return u.Hostname() == ru.Hostname() && u.User == nil && ru.User == nil && u.Fragment == "" &&
		u.EscapedPath() == ru.EscapedPath() && u.RawQuery == ru.RawQuery && u.ForceQuery == ru.ForceQuery
}

// postLogoutAllowed is redirectAllowed for post_logout_redirect_uri.
func (r *registry) postLogoutAllowed(c *client, uri string) bool {
	if len(c.PostLogoutRedirectURIs) > 0 || !r.zeroConfig {
		return slices.Contains(c.PostLogoutRedirectURIs, uri)
	}
	return loopbackURI(uri)
}

// originsFor returns the origins a client's pages may live on.
func (r *registry) originAllowed(c *client, origin string) bool {
	if slices.Contains(c.origins, origin) {
		return true
	}
	return r.zeroConfig && len(c.origins) == 0 && loopbackOrigin(origin)
}

// corsAllowed reports whether origin may read the provider's API responses:
// loopback origins always (this is a local development provider), and every
// registered client origin.
func (r *registry) corsAllowed(origin string) bool {
	return r.origins[origin] || loopbackOrigin(origin)
}

// user returns the configured user name, or one made on the fly when no
// configured user has a password (see dynamicUser).
func (r *registry) user(name string) (*config.User, bool) {
	for i := range r.users {
		if r.users[i].Username == name {
			return &r.users[i], true
		}
	}
	if r.dynamicUsers {
		return dynamicUser(name)
	}
	return nil, false
}

func (r *registry) usernames() []string {
	out := make([]string, len(r.users))
	for i, u := range r.users {
		out[i] = u.Username
	}
	return out
}

// checkPassword accepts any password for a user without one (zero-config
// convenience), else compares in constant time.
func checkPassword(u *config.User, password string) bool {
	if u.Password == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1
}

// checkSecret compares client secrets in constant time.
func checkSecret(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// loopbackURI: http(s), a loopback host, no fragment, no userinfo.
func loopbackURI(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && netutil.IsLoopbackHost(u.Hostname())
}

func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" {
		return false
	}
	return netutil.IsLoopbackHost(u.Hostname())
}
