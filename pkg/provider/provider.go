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
}

// Provider is the OpenID provider. Create it with New; Close stops its sweeper.
type Provider struct {
	issuer     string   // exactly as given, e.g. http://localhost:9400/
	base       *url.URL // issuer without the trailing slash, for endpoint URLs
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
	hosts      *netutil.HostPolicy

	reg  atomic.Pointer[registry]
	over overlay // the test API's users and clients over the config

	mux       *http.ServeMux
	discovery []byte

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
	p := &Provider{
		issuer:    iss,
		base:      base,
		now:       opts.Now,
		log:       opts.Logger,
		keys:      opts.Keys,
		events:    opts.Events,
		http:      opts.HTTPClient,
		bcWait:    opts.BackchannelTimeout,
		autoLogin: opts.AutoLogin,
		hosts:     netutil.NewHostPolicy(append([]string{base.Host}, opts.AllowedHosts...)...),
		stop:      make(chan struct{}),
	}
	p.cookiePath = base.Path + "/"
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
	p.throttle = newThrottle()
	p.faults = newFaultSet(p.now)
	if err := p.Reload(cfg); err != nil {
		return nil, err
	}
	if p.autoLogin != "" {
		if _, ok := p.reg.Load().user(p.autoLogin); !ok {
			return nil, fmt.Errorf("--auto-login %q is not a known user; known: %s", p.autoLogin, strings.Join(p.reg.Load().usernames(), ", "))
		}
	}
	p.discovery = p.buildDiscovery()
	p.routes()
	p.bg.Add(1)
	go p.sweep()
	return p, nil
}

// Issuer returns the issuer exactly as tokens carry it.
func (p *Provider) Issuer() string { return p.issuer }

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
	p.hosts.Handler(hostCheckName, http.HandlerFunc(p.route)).ServeHTTP(w, r)
}

const hostCheckName = "ssokit provider"

// MountHandler serves the provider without its admin API, for mounting
// under the proxy (provider.mount): there it shares the apps' origin, and
// any script of any app could otherwise read every token from the event
// stream and drive faults. Serve AdminHandler on a listener of its own.
func (p *Provider) MountHandler() http.Handler {
	return p.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAdminPath(r.URL.Path) {
			http.Error(w, "the ssokit admin API and event stream are not served on the apps' origin (provider.mount); use the provider's own admin listener (provider.addr, default "+config.DefaultProviderAddr+")", http.StatusNotFound)
			return
		}
		p.route(w, r)
	}))
}

// AdminHandler serves only the admin API and event stream (/_ssokit/…), for
// the provider's own listener when the rest is mounted under the proxy.
func (p *Provider) AdminHandler() http.Handler {
	return p.hosts.Handler(hostCheckName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAdminPath(r.URL.Path) {
			http.Error(w, "this listener serves only the ssokit admin API ("+PathAdmin+"…); the provider itself is at "+p.issuer, http.StatusNotFound)
			return
		}
		p.route(w, r)
	}))
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

// url returns the absolute URL of an endpoint path such as /authorize.
func (p *Provider) url(path string) string {
	u := *p.base
	u.Path = p.base.Path + path
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
