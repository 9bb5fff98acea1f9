package provider

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// DefaultMaxTenants bounds the tenants created on first use: each has its
// own keys and stores, and any path can name one.
const DefaultMaxTenants = 100

// lazyLimits are the stores' limits of a tenant created on first use: a
// twentieth of a configured issuer's, so DefaultMaxTenants of them hold at
// most five times what the root can (any URL can make one).
var lazyLimits = storeLimits{
	Sessions: defaultLimits.Sessions / 20, Interactions: defaultLimits.Interactions / 20, Codes: defaultLimits.Codes / 20,
	Refresh: defaultLimits.Refresh / 20, Grants: defaultLimits.Grants / 20, Revoked: defaultLimits.Revoked / 20,
}

// TenantsOptions configure a Tenants router.
type TenantsOptions struct {
	// Options are the root issuer's. Tenants share its clock, logger,
	// event bus, back-channel client, Host policy, auto-login, signing
	// algorithm, cookie and lifetime settings; each has its own issuer,
	// keys, users, clients and sessions.
	Options
	// MaxTenants bounds the tenants created on first use (zero-config);
	// DefaultMaxTenants when 0. Configured tenants do not count.
	MaxTenants int
	// TenantKeys returns the signing keys of a configured tenant (persisted
	// keys, say). Nil means fresh ephemeral keys; tenants created on first
	// use always get ephemeral keys, so a URL never writes to disk.
	TenantKeys func(name string) (*keys.Set, error)
}

// Tenants serves several issuers under one listener: the root provider
// (http://localhost:9400/, the default) and tenants found by path prefix,
// each a Provider of its own:
//
//	generic, auth0  /{name}/…         issuer <root>/{name}/
//	keycloak        /realms/{name}/…  issuer <root>/realms/{name}
//	entra           /{name}/…         issuer <root>/{name}/v2.0
//
// A tenant's request reaches its Provider with the prefix removed, exactly
// as the root's requests arrive, so every endpoint, cookie path
// (<prefix>/) and URL the tenant builds stays inside its prefix. Nothing
// is shared between issuers but the event bus: a session, code or token of
// one is unknown to every other (each has its own store and keys).
//
// In zero-config mode (no clients and no tenants configured) any valid
// name works on first use, up to MaxTenants: a request to one of a
// profile's endpoints creates the tenant with that profile.
// /acme/.well-known/openid-configuration makes a generic tenant acme,
// /realms/demo/protocol/openid-connect/… a Keycloak realm demo (so
// keycloak-js works with only url and realm set), and
// /contoso/v2.0/.well-known/openid-configuration or
// /contoso/oauth2/v2.0/… an Entra tenant contoso.
type Tenants struct {
	root  *Provider
	opts  TenantsOptions
	max   int
	table atomic.Pointer[tenantTable] // read per request without a lock

	mu     sync.Mutex // creation, reload and close
	closed bool

	all, mount, admin http.Handler
}

// tenantTable is immutable once published; changes copy it.
type tenantTable struct {
	cfg      *config.Config
	lazy     bool
	byPrefix map[string]*tenant
	lazyN    int
}

type tenant struct {
	name, prefix string
	profile      Profile
	lazy         bool
	p            *Provider
}

// TenantInfo describes one tenant.
type TenantInfo struct {
	Name    string  `json:"name"`
	Profile Profile `json:"profile"`
	Issuer  string  `json:"issuer"`
	// Lazy is true for a tenant created on first use.
	Lazy bool `json:"created_on_first_use,omitempty"`
}

// ErrTenantLimit is returned (and answered) when a tenant would be created
// on first use beyond MaxTenants.
var ErrTenantLimit = errors.New("tenant limit reached")

// ErrTenantNameTaken: a tenant of another profile has the name already.
var ErrTenantNameTaken = errors.New("tenant name taken")

// NewTenants builds the root provider and every configured tenant.
func NewTenants(opts TenantsOptions) (*Tenants, error) {
	root, err := New(opts.Options)
	if err != nil {
		return nil, err
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = &config.Config{}
	}
	t := &Tenants{root: root, opts: opts, max: opts.MaxTenants}
	if t.max <= 0 {
		t.max = DefaultMaxTenants
	}
	t.opts.Events = root.events // one bus: events name their tenant
	tbl := &tenantTable{cfg: cfg, lazy: zeroConfig(cfg), byPrefix: map[string]*tenant{}}
	for _, tc := range cfg.Tenants {
		tn, err := t.newTenant(tc, cfg, false)
		if err != nil {
			t.closeTable(tbl)
			root.Close()
			return nil, err
		}
		tbl.byPrefix[tn.prefix] = tn
	}
	t.table.Store(tbl)
	root.tenants = t.List // the root's admin status lists them
	t.all = root.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.serve(w, r, serveAll) }))
	t.mount = root.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.serve(w, r, serveMount) }))
	t.admin = root.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.serve(w, r, serveAdmin) }))
	return t, nil
}

// zeroConfig: nothing registered, so any client and any tenant works.
func zeroConfig(cfg *config.Config) bool { return len(cfg.Clients) == 0 && len(cfg.Tenants) == 0 }

// Root returns the root issuer's provider.
func (t *Tenants) Root() *Provider { return t.root }

// Lazy reports whether tenants are created on first use.
func (t *Tenants) Lazy() bool { return t.table.Load().lazy }

// MaxTenants is the cap on tenants created on first use.
func (t *Tenants) MaxTenants() int { return t.max }

// Tenant returns the tenant named name.
func (t *Tenants) Tenant(name string) (*Provider, bool) {
	for _, tn := range t.table.Load().byPrefix {
		if tn.name == name {
			return tn.p, true
		}
	}
	return nil, false
}

// List describes every tenant, configured ones first, each group by name.
func (t *Tenants) List() []TenantInfo {
	var out []TenantInfo
	for _, tn := range t.table.Load().byPrefix {
		out = append(out, TenantInfo{Name: tn.name, Profile: tn.profile, Issuer: tn.p.issuer, Lazy: tn.lazy})
	}
	slices.SortFunc(out, func(a, b TenantInfo) int {
		if a.Lazy != b.Lazy {
			if a.Lazy {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// TenantIssuer is the issuer a tenant of this name and profile has:
// <root>/{name}/ (generic, auth0: the trailing slash the Auth0 SDK needs),
// <root>/realms/{name} (keycloak, as Keycloak spells it) or
// <root>/{name}/v2.0 (entra).
func (t *Tenants) TenantIssuer(name string, pr Profile) string {
	iss := t.root.root.String() + tenantPrefix(name, pr) // under the root's Root, as serve strips it
	switch pr {
	case ProfileKeycloak:
		return iss
	case ProfileEntra:
		return iss + "/v2.0"
	}
	return iss + "/"
}

// tenantPrefix is where a tenant's endpoints hang (its Provider's Root),
// relative to the root issuer.
func tenantPrefix(name string, pr Profile) string {
	if pr == ProfileKeycloak {
		return "/realms/" + name
	}
	return "/" + name
}

// ServeHTTP serves every issuer, admin APIs included, after the Host check.
func (t *Tenants) ServeHTTP(w http.ResponseWriter, r *http.Request) { t.all.ServeHTTP(w, r) }

// MountHandler serves every issuer without the admin APIs (see
// Provider.MountHandler).
func (t *Tenants) MountHandler() http.Handler { return t.mount }

// AdminHandler serves only the admin APIs: the root's /_ssokit/… and each
// tenant's /{name}/_ssokit/….
func (t *Tenants) AdminHandler() http.Handler { return t.admin }

type serveMode int

const (
	serveAll serveMode = iota
	serveMount
	serveAdmin
)

// serveAs serves a request already past the Host check, as mode allows.
func (p *Provider) serveAs(w http.ResponseWriter, r *http.Request, mode serveMode) {
	switch {
	case mode == serveMount && isAdminPath(r.URL.Path):
		http.Error(w, "the ssokit admin API and event stream are not served on the apps' origin (provider.mount); use the provider's own admin listener (provider.addr, default "+config.DefaultProviderAddr+")", http.StatusNotFound)
	case mode == serveAdmin && !isAdminPath(r.URL.Path):
		http.Error(w, "this listener serves only the ssokit admin API ("+PathAdmin+"…); the provider itself is at "+p.issuer, http.StatusNotFound)
	default:
		p.route(w, r)
	}
}

func (t *Tenants) serve(w http.ResponseWriter, r *http.Request, mode serveMode) {
	// an issuer with a path (http://host/base/) served directly: tenants
	// live under it, /base/acme/…
	r = t.root.local(r)
	prefix, name, rest := splitTenant(r.URL.Path)
	if prefix == "" {
		t.root.serveAs(w, r, mode)
		return
	}
	tbl := t.table.Load()
	tn := tbl.byPrefix[prefix]
	if tn == nil {
		pr, ok := lazyProfile(prefix, rest)
		// a listener that would refuse the path anyway creates nothing
		refused := mode == serveMount && isAdminPath(rest) || mode == serveAdmin && !isAdminPath(rest)
		if !tbl.lazy && isAdminPath(rest) && mode != serveMount {
			// a test or script naming a tenant the config does not have
			// (a storageState for it would sign nobody in)
			var names []string
			for _, tn := range tbl.byPrefix {
				names = append(names, tn.name)
			}
			slices.Sort(names)
			known := "none"
			if len(names) > 0 {
				known = strings.Join(names, ", ")
			}
			writeOAuthError(w, oauthErr(http.StatusNotFound, oidc.ErrInvalidRequest, "there is no tenant %q in the config (tenants: %s); add it under tenants: in ssokit.yaml", name, known))
			return
		}
		if !tbl.lazy || !ok || refused || slices.Contains(config.ReservedTenantNames, name) {
			t.root.serveAs(w, r, mode)
			return
		}
		if msg := config.CheckTenantName(name); msg != "" {
			writeOAuthError(w, oauthErr(http.StatusNotFound, oidc.ErrInvalidRequest, "%s (with no config file, /{tenant}/… creates that tenant on first use)", msg))
			return
		}
		var err error
		if tn, err = t.createLazy(name, pr); err != nil {
			status, code := http.StatusInternalServerError, oidc.ErrServerError
			switch {
			case errors.Is(err, ErrTenantLimit):
				status, code = http.StatusServiceUnavailable, oidc.ErrTemporarilyUnavailable
			case errors.Is(err, ErrTenantNameTaken):
				status, code = http.StatusConflict, oidc.ErrInvalidRequest
			}
			writeOAuthError(w, oauthErr(status, code, "%v", err))
			return
		}
	}
	tn.p.serveAs(w, stripPrefix(r, prefix, rest), mode)
}

// realmsPrefix is where Keycloak realms live.
const realmsPrefix = "/realms/"

// splitTenant splits /{name}/rest (or /realms/{name}/rest) into its prefix
// (/{name}, a substring of path: no allocation), name and /rest. A path
// of one segment has no tenant: "/acme" alone is the root's (not found).
func splitTenant(path string) (prefix, name, rest string) {
	start := 1
	if strings.HasPrefix(path, realmsPrefix) {
		start = len(realmsPrefix)
	}
	if len(path) <= start || path[0] != '/' {
		return "", "", ""
	}
	i := strings.IndexByte(path[start:], '/')
	if i <= 0 {
		return "", "", ""
	}
	return path[:start+i], path[start : start+i], path[start+i:]
}

// lazyProfile is the profile a tenant created on first use by a request to
// prefix+rest gets: only a request to one of that profile's endpoints
// creates a tenant, never /favicon.ico/x or any stray URL.
func lazyProfile(prefix, rest string) (Profile, bool) {
	if strings.HasPrefix(prefix, realmsPrefix) {
		// keycloak-js asks for more than the layout (3p-cookies pages …)
		return ProfileKeycloak, strings.HasPrefix(rest, keycloakOIDC+"/") || layoutHas(ProfileKeycloak, rest)
	}
	for _, pr := range []Profile{ProfileGeneric, ProfileEntra} {
		if layoutHas(pr, rest) {
			return pr, true
		}
	}
	return "", false
}

// layoutHas reports whether path is an endpoint of the profile's layout,
// its home page or its admin API.
func layoutHas(pr Profile, path string) bool {
	spec, ok := profileSpecs[pr]
	if !ok {
		return false
	}
	l := spec.layout
	if path == "/" && pr != ProfileEntra || strings.HasPrefix(path, PathAdmin) && pr != ProfileEntra {
		return true // entra shares /{name}/ with generic: let the generic one have them
	}
	for _, p := range []string{l.Discovery, l.JWKS, l.Authorize, l.Login, l.Token, l.Userinfo, l.Revoke, l.Introspect, l.Logout, l.CheckSession} {
		if p != "" && p == path {
			return true
		}
	}
	for _, as := range l.Aliases {
		if slices.Contains(as, path) {
			return true
		}
	}
	return false
}

// stripPrefix is r with prefix removed from its path, as the tenant's
// Provider expects (its endpoints are relative to its issuer).
func stripPrefix(r *http.Request, prefix, rest string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = rest
	u.RawPath = ""
	if raw, ok := strings.CutPrefix(r.URL.RawPath, prefix); ok {
		u.RawPath = raw
	}
	r2.URL = &u
	return r2
}

// createLazy makes a zero-config tenant on its first request.
func (t *Tenants) createLazy(name string, profile Profile) (*tenant, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tbl := t.table.Load()
	prefix := tenantPrefix(name, profile)
	if tn := tbl.byPrefix[prefix]; tn != nil {
		return tn, nil // made by a request that won the lock
	}
	if t.closed {
		return nil, errors.New("the provider is shutting down")
	}
	for _, other := range tbl.byPrefix {
		if other.name == name {
			// one name, one tenant: events and the admin API name it alone
			return nil, fmt.Errorf("%w: tenant %q exists already as a %s tenant with issuer %s; use another name for a %s tenant", ErrTenantNameTaken, name, other.profile, other.p.issuer, profile)
		}
	}
	if tbl.lazyN >= t.max {
		return nil, fmt.Errorf("%w: tenant %q was not created: %d tenants were already created on first use, the limit (ssokit provider --max-tenants); list the tenants you use under tenants: in ssokit.yaml, or restart the provider", ErrTenantLimit, name, t.max)
	}
	tn, err := t.newTenant(config.Tenant{Name: name, Profile: string(profile)}, tbl.cfg, true)
	if err != nil {
		return nil, err
	}
	next := tbl.with(tn)
	next.lazyN++
	t.table.Store(next)
	t.root.log.Info("tenant created on first use", "tenant", name, "issuer", tn.p.issuer)
	return tn, nil
}

// with is a copy of the table with tn added.
func (tbl *tenantTable) with(tn *tenant) *tenantTable {
	next := *tbl
	next.byPrefix = make(map[string]*tenant, len(tbl.byPrefix)+1)
	for k, v := range tbl.byPrefix {
		next.byPrefix[k] = v
	}
	next.byPrefix[tn.prefix] = tn
	return &next
}

// newTenant builds a tenant's Provider. A lazy tenant has the root's users
// and, like the root in zero-config mode, accepts any client for loopback
// redirect URIs.
func (t *Tenants) newTenant(tc config.Tenant, rootCfg *config.Config, lazy bool) (*tenant, error) {
	profile, err := ParseProfile(tc.Profile)
	if err != nil {
		return nil, fmt.Errorf("tenant %q: %w", tc.Name, err)
	}
	if msg := config.CheckTenantName(tc.Name); msg != "" {
		return nil, errors.New(msg)
	}
	sub := tenantConfig(tc, rootCfg, lazy)
	var ks *keys.Set
	if !lazy && t.opts.TenantKeys != nil {
		ks, err = t.opts.TenantKeys(tc.Name)
	} else {
		ks, err = keys.Load(keys.Options{Alg: rootCfg.Provider.SigningAlg, Ephemeral: true, Now: t.opts.Now})
	}
	if err != nil {
		return nil, fmt.Errorf("tenant %q: keys: %w", tc.Name, err)
	}
	o := t.opts.Options
	o.Issuer = t.TenantIssuer(tc.Name, profile)
	o.InternalURLs = tenantInternalURLs(t.opts.InternalURLs, o.Issuer)
	o.Config = sub
	o.Keys = ks
	o.Tenant = tc.Name
	o.Profile = profile
	o.Logger = t.root.log.With("tenant", tc.Name)
	if lazy {
		o.limits = &lazyLimits
	}
	p, err := New(o)
	if err != nil {
		return nil, fmt.Errorf("tenant %q: %w", tc.Name, err)
	}
	return &tenant{name: tc.Name, profile: profile, prefix: tenantPrefix(tc.Name, profile), lazy: lazy, p: p}, nil
}

// tenantConfig is the config a tenant's Provider runs on: the tenant's
// users and clients with the root's provider settings (algorithm, cookie,
// lifetimes). Faults stay the root's (a tenant's are installed through
// its own admin API).
func tenantConfig(tc config.Tenant, rootCfg *config.Config, lazy bool) *config.Config {
	sub := &config.Config{Provider: rootCfg.Provider, AllowedHosts: rootCfg.AllowedHosts, Users: tc.Users, Clients: tc.Clients, Organizations: tc.Organizations}
	if lazy {
		sub.Users, sub.Organizations = rootCfg.Users, rootCfg.Organizations
	}
	return sub
}

// Reload applies a new config: the root's, then each configured tenant's
// users and clients (sessions and tokens kept); tenants new to the config
// are created, tenants gone from it stop. Tenants created on first use stay
// while the config is still zero-config.
func (t *Tenants) Reload(cfg *config.Config) error {
	if cfg == nil {
		cfg = &config.Config{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.table.Load()
	next := &tenantTable{cfg: cfg, lazy: zeroConfig(cfg), byPrefix: map[string]*tenant{}}
	var created []*tenant
	fail := func(err error) error {
		for _, tn := range created {
			tn.p.Close()
		}
		return err
	}
	for _, tc := range cfg.Tenants {
		pr, err := ParseProfile(tc.Profile)
		if err != nil {
			return fail(fmt.Errorf("tenant %q: %w", tc.Name, err))
		}
		prefix := tenantPrefix(tc.Name, pr)
		if tn := old.byPrefix[prefix]; tn != nil && !tn.lazy && tn.profile == pr {
			if err := tn.p.Reload(tenantConfig(tc, cfg, false)); err != nil {
				return fail(fmt.Errorf("tenant %q: %w", tc.Name, err))
			}
			next.byPrefix[prefix] = tn
			continue
		}
		tn, err := t.newTenant(tc, cfg, false)
		if err != nil {
			return fail(err)
		}
		created = append(created, tn)
		next.byPrefix[prefix] = tn
	}
	if next.lazy {
		for prefix, tn := range old.byPrefix {
			if tn.lazy {
				next.byPrefix[prefix] = tn
				next.lazyN++
			}
		}
	}
	if err := t.root.Reload(cfg); err != nil {
		return fail(err)
	}
	t.table.Store(next)
	for prefix, tn := range old.byPrefix {
		if next.byPrefix[prefix] != tn {
			tn.p.Close()
		}
	}
	return nil
}

// Close stops every tenant and the root.
func (t *Tenants) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.closeTable(t.table.Load())
	return t.root.Close()
}

func (t *Tenants) closeTable(tbl *tenantTable) {
	if tbl == nil {
		return
	}
	for _, tn := range tbl.byPrefix {
		tn.p.Close()
	}
}

// PersistedTenantKeys is a TenantsOptions.TenantKeys that keeps each
// configured tenant's keys under <dir>/tenants/<name> (dir empty: the
// default keys dir), so its tokens survive restarts as the root's do; a
// valid tenant name is one safe path segment. With ephemeral, fresh keys.
func PersistedTenantKeys(dir, alg string, ephemeral bool, now func() time.Time) func(string) (*keys.Set, error) {
	return func(name string) (*keys.Set, error) {
		if ephemeral {
			return keys.Load(keys.Options{Alg: alg, Ephemeral: true, Now: now})
		}
		d := dir
		if d == "" {
			var err error
			if d, err = keys.DefaultDir(); err != nil {
				return nil, err
			}
		}
		return keys.Load(keys.Options{Dir: filepath.Join(d, "tenants", name), Alg: alg, Now: now})
	}
}

// tenantInternalURLs moves the root's internal URLs (http://ssokit:9400/)
// to a tenant's issuer path: same internal origin, the tenant's routes.
func tenantInternalURLs(raw []string, issuer string) []string {
	iu, err := url.Parse(strings.TrimSuffix(issuer, "/"))
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range raw {
		u, err := url.Parse(s)
		if err != nil {
			continue // the root refused it already
		}
		u.Path, u.RawPath = iu.Path+"/", ""
		out = append(out, u.String())
	}
	return out
}
