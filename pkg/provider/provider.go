package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/netutil"
)

// Default lifetimes.
const (
	DefaultAccessTokenTTL  = time.Hour
	DefaultIDTokenTTL      = time.Hour
	DefaultRefreshTokenTTL = 24 * time.Hour
	DefaultSessionTTL      = 12 * time.Hour
	CodeTTL                = 60 * time.Second
	InteractionTTL         = 15 * time.Minute
	DefaultBackchannelWait = 5 * time.Second
)

// Cookie names on the provider's origin.
const (
	SessionCookie      = "ssokit_session"
	BrowserStateCookie = "ssokit_bs"   // readable by the check_session iframe
	CSRFCookie         = "ssokit_csrf" // + "_" + the pending login's id start, Path=/login
)

// Options configure a Provider.
type Options struct {
	// Issuer is the exact `iss` of every token and discovery's issuer.
	// Empty means the config's issuer, else config.DefaultIssuer.
	Issuer string
	// Profile is the vendor surface (paths, discovery, token shapes,
	// logout); empty means ProfileGeneric. Keycloak wants an issuer
	// ending in /realms/{realm}, entra one ending in /{tenant}/v2.0.
	Profile Profile
	// Config holds users, clients, lifetimes and faults. Nil means zero-config.
	Config *config.Config
	// Keys signs tokens. Nil means fresh ephemeral keys of the config's alg.
	Keys *keys.Set
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives one structured line per request; discarded when nil.
	Logger *slog.Logger
	// AutoLogin signs interactive requests in as this user without a form.
	AutoLogin string
	// Claims are extra claims for every sign-in, a JSON object
	// (ParseExtraClaims) kept as the session's claims: auto-login
	// sign-ins carry them, and the login form's extra-claims box starts
	// with them.
	Claims string
	// Events receives every login, token, refresh, logout and error. A bus
	// keeping 1000 events is made when nil.
	Events *events.Bus
	// HTTPClient delivers back-channel logout tokens; a client with
	// BackchannelTimeout when nil.
	HTTPClient *http.Client
	// BackchannelTimeout bounds each back-channel delivery.
	BackchannelTimeout time.Duration
	// AllowedHosts are Host names answered besides the issuer's host,
	// loopback names and IP addresses (netutil.NewHostPolicy: a name, a
	// ".domain", or "*"). Every other Host is refused: it is how a DNS
	// rebinding page would arrive, and the admin API and event stream
	// answer loopback peers, which such a page's requests are.
	AllowedHosts []string
	// InternalURLs are the provider's own base URLs as other containers
	// or servers reach it, e.g. http://ssokit:9400/ in docker compose,
	// when that differs from the issuer browsers use
	// (http://localhost:9400/). Discovery requested with such a Host
	// names the back-channel endpoints (token, userinfo, JWKS, revocation,
	// introspection) on that URL, and the browser-facing ones
	// (authorization, end_session, check_session) on the issuer, as
	// Keycloak's hostname-backchannel-dynamic does. The issuer, and the
	// iss of every token, never change: a client fetching discovery from
	// an internal URL checks iss against the public issuer (go-oidc:
	// oidc.InsecureIssuerURLContext). Their hosts are answered like
	// AllowedHosts.
	InternalURLs []string
	// Tenant names this provider when it is a tenant of a Tenants router:
	// its events carry the name, and its admin event stream shows only
	// them. Empty for the root issuer.
	Tenant string

	// limits replaces the store limits (tenants created on first use).
	limits *storeLimits
}

// Provider is the OpenID provider. Create it with New; Close stops its sweeper.
type Provider struct {
	issuer     string   // exactly as given, e.g. http://localhost:9400/
	base       *url.URL // issuer without the trailing slash
	root       *url.URL // where the endpoints hang from (Root); base but for entra
	spec       *profileSpec
	cookiePath string
	now        func() time.Time
	log        *slog.Logger
	keys       *keys.Set
	events     *events.Bus
	store      *memStore
	throttle   *throttle // wrong passwords per username and address
	faults     *faultSet
	http       *http.Client
	bcWait     time.Duration
	autoLogin  string
	// autoLoginClaims are Options.Claims parsed; defaultClaims their text
	// for the login form.
	autoLoginClaims map[string]any
	sessionJSON     *jsonCache // sid → its claims' JSON
	defaultClaims   string
	hosts           *netutil.HostPolicy
	tenant          string
	tenants         func() []TenantInfo // the root of a Tenants router: its tenants

	reg  atomic.Pointer[registry]
	over overlay // the test API's users and clients over the config

	mux       *http.ServeMux
	discovery []byte
	// internal maps an InternalURLs host (lower case, with port) to its
	// discovery document.
	internal map[string][]byte

	closeOnce sync.Once
	stop      chan struct{}
	bg        sync.WaitGroup
}

// New builds a provider from opts.
func New(opts Options) (*Provider, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = &config.Config{}
	}
	iss := opts.Issuer
	if iss == "" {
		iss = cfg.IssuerOrDefault()
	}
	base, err := url.Parse(strings.TrimSuffix(iss, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("issuer %q is not an http(s) URL; e.g. %s", iss, config.DefaultIssuer)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("issuer %q must not have a query or fragment (OpenID Connect Discovery §3)", iss)
	}
	internal, err := parseInternalURLs(base, opts.InternalURLs)
	if err != nil {
		return nil, err
	}
	allowed := append([]string{base.Host}, opts.AllowedHosts...)
	for _, u := range internal {
		allowed = append(allowed, u.Host)
	}
	spec, err := specOf(opts.Profile)
	if err != nil {
		return nil, err
	}
	root := *base
	if spec.root != nil {
		rp, err := spec.root(base.Path)
		if err != nil {
			return nil, fmt.Errorf("issuer %q does not fit the %s profile: %w", iss, spec.name, err)
		}
		root.Path, root.RawPath = rp, ""
	}
	p := &Provider{
		issuer:    iss,
		base:      base,
		root:      &root,
		spec:      spec,
		now:       opts.Now,
		log:       opts.Logger,
		keys:      opts.Keys,
		events:    opts.Events,
		http:      opts.HTTPClient,
		bcWait:    opts.BackchannelTimeout,
		autoLogin: opts.AutoLogin,
		tenant:    opts.Tenant,
		hosts:     netutil.NewHostPolicy(allowed...),
		stop:      make(chan struct{}),
	}
	p.cookiePath = root.Path + "/"
	if p.autoLoginClaims, err = ParseExtraClaims(opts.Claims); err != nil {
		return nil, fmt.Errorf("claims %s: %v", opts.Claims, err)
	}
	p.defaultClaims = strings.TrimSpace(opts.Claims)
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.events == nil {
		p.events = events.NewBus(1000)
	}
	if p.bcWait == 0 {
		p.bcWait = DefaultBackchannelWait
	}
	if p.http == nil {
		p.http = &http.Client{Timeout: p.bcWait}
	}
	if p.keys == nil {
		p.keys, err = keys.Load(keys.Options{Alg: cfg.Provider.SigningAlg, Ephemeral: true, Now: p.now})
		if err != nil {
			return nil, err
		}
	}
	p.store = newMemStore()
	if opts.limits != nil {
		p.store = newMemStoreLimits(*opts.limits)
	}
	p.sessionJSON = newJSONCache(defaultLimits.Sessions)
	p.throttle = newThrottle()
	p.faults = newFaultSet(p.now)
	if err := p.Reload(cfg); err != nil {
		return nil, err
	}
	if p.autoLogin != "" {
		if _, ok := p.reg.Load().user(p.autoLogin); !ok {
			if p.reg.Load().dynamicUsers {
				return nil, fmt.Errorf("--auto-login %q is not a username: use %s", p.autoLogin, dynamicUsernameRule)
			}
			return nil, fmt.Errorf("--auto-login %q is not a known user; known: %s", p.autoLogin, strings.Join(p.reg.Load().usernames(), ", "))
		}
	}
	p.discovery = p.buildDiscovery(nil)
	for _, u := range internal {
		if p.internal == nil {
			p.internal = map[string][]byte{}
		}
		p.internal[strings.ToLower(u.Host)] = p.buildDiscovery(u)
	}
	p.routes()
	p.bg.Add(1)
	go p.sweep()
	return p, nil
}

// Issuer returns the issuer exactly as tokens carry it.
func (p *Provider) Issuer() string { return p.issuer }

// Tenant is the provider's tenant name; empty for the root issuer.
func (p *Provider) Tenant() string { return p.tenant }

// Keys returns the signing key set.
func (p *Provider) Keys() *keys.Set { return p.keys }

// Events returns the event bus.
func (p *Provider) Events() *events.Bus { return p.events }

// Reload replaces users, clients, lifetimes and configured faults without
// dropping sessions, codes or tokens. Users and clients added or removed
// through the test API stay so until Reset.
func (p *Provider) Reload(cfg *config.Config) error {
	if cfg == nil {
		cfg = &config.Config{}
	}
	o := &p.over
	o.mu.Lock()
	defer o.mu.Unlock()
	prev := o.base
	o.base = cfg
	r, err := o.buildLocked()
	if err != nil {
		o.base = prev
		return err
	}
	p.reg.Store(r)
	p.faults.setConfigured(cfg.Faults)
	return nil
}

// Close stops the background sweeper and waits for back-channel deliveries.
func (p *Provider) Close() error {
	p.closeOnce.Do(func() { close(p.stop) })
	p.bg.Wait()
	return nil
}

// ServeHTTP routes a request to its endpoint, the admin API included, after
// the Host check.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.route(w, p.local(r))
	})).ServeHTTP(w, r)
}

// local strips the root's path (a keycloak issuer's /realms/{realm}) from a
// request that still carries it, so the provider answers at its issuer's
// URLs when served directly, and at root-relative paths when a server in
// front of it (the proxy's mount, a tenant router) stripped them already.
func (p *Provider) local(r *http.Request) *http.Request {
	rp := p.root.Path
	if rp == "" || rp == "/" || (r.URL.Path != rp && !strings.HasPrefix(r.URL.Path, rp+"/")) {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = strings.TrimPrefix(u.Path, rp)
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawPath = ""
	r2.URL = &u
	return r2
}

const hostCheckName = "ssokit provider"

// MountHandler serves the provider without its admin API, for mounting
// under the proxy (provider.mount): there it shares the apps' origin, and
// any script of any app could otherwise read every token from the event
// stream and drive faults. Serve AdminHandler on a listener of its own.
func (p *Provider) MountHandler() http.Handler {
	return p.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serveAs(w, p.local(r), serveMount) }))
}

// AdminHandler serves only the admin API and event stream (/_ssokit/…), for
// the provider's own listener when the rest is mounted under the proxy.
func (p *Provider) AdminHandler() http.Handler {
	return p.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serveAs(w, p.local(r), serveAdmin) }))
}

func isAdminPath(path string) bool {
	return path+"/" == PathAdmin || strings.HasPrefix(path, PathAdmin)
}

// route serves a request from the mux with the registry read once: a reload
// in the middle of a request never mixes two configs.
func (p *Provider) route(w http.ResponseWriter, r *http.Request) {
	ri := &reqInfo{reg: p.reg.Load()}
	p.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, ri)))
}

// regOf is the registry snapshot of the request.
func (p *Provider) regOf(r *http.Request) *registry {
	if ri, ok := r.Context().Value(infoKey{}).(*reqInfo); ok && ri.reg != nil {
		return ri.reg
	}
	return p.reg.Load()
}

// url returns the absolute URL of an endpoint path (relative to the root)
// such as p.spec.layout.Authorize.
func (p *Provider) url(path string) string {
	u := *p.root
	u.Path = p.root.Path + path
	return u.String()
}

func (p *Provider) sweep() {
	defer p.bg.Done()
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.store.sweep(p.now())
		}
	}
}

// publish sends an event stamped with the provider's clock.
func (p *Provider) publish(e events.Event) {
	e.Time = p.now()
	e.Tenant = p.tenant
	p.events.Publish(e)
}

// reqInfo is filled by handlers for the request log.
type reqInfo struct {
	reg      *registry // the registry snapshot for the whole request
	endpoint string
	clientID string
	outcome  string
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// endpoint wraps a handler with the request log, panic safety, fault
// injection and the endpoint's name.
func (p *Provider) endpoint(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri, ok := r.Context().Value(infoKey{}).(*reqInfo)
		if !ok {
			ri = &reqInfo{reg: p.reg.Load()}
			r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
		}
		ri.endpoint = name
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if errors.Is(asError(v), http.ErrAbortHandler) {
					panic(v)
				}
				p.log.Error("panic", "endpoint", name, "panic", fmt.Sprint(v))
				if sw.status == 0 {
					writeOAuthError(sw, errServer("internal error: %v", v))
				}
			}
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			outcome := ri.outcome
			if outcome == "" {
				outcome = http.StatusText(sw.status)
			}
			p.log.LogAttrs(r.Context(), level, "request",
				slog.String("endpoint", name),
				slog.String("method", r.Method),
				slog.String("client_id", ri.clientID),
				slog.Int("status", sw.status),
				slog.String("outcome", outcome),
				slog.Duration("latency", time.Since(start)))
		}()
		h(sw, r)
	}
}

func asError(v any) error {
	if err, ok := v.(error); ok {
		return err
	}
	return nil
}
