package stack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/netutil"
	"github.com/ssokit/ssokit/pkg/provider"
	"github.com/ssokit/ssokit/pkg/proxy"
)

// Options configure a stack.
type Options struct {
	// Config is the loaded ssokit.yaml; nil runs the built-in demo.
	Config *config.Config
	// Demo is the demo's file tree (templates.Demo()); needed when Config is nil.
	Demo fs.FS
	// ProviderAddr and ProxyAddr override the config's listen addresses
	// (tests pass 127.0.0.1:0).
	ProviderAddr, ProxyAddr string
	// NoApps skips starting the apps' commands.
	NoApps bool
	// Keys signs tokens; nil loads the persisted keys of the config's alg.
	Keys *keys.Set
	// Out receives app output and status lines; ErrOut warnings.
	Out, ErrOut io.Writer
	// Color enables ANSI colour in app prefixes and the access log.
	Color bool
	// Logger receives the provider's request log; discarded when nil.
	Logger *slog.Logger
	// TLS serves the proxy and the provider over HTTPS with certificates
	// from the local CA (LoadOrCreateCA in CADir).
	TLS   bool
	CADir string
	// ReadyTimeout bounds the wait for each app's upstream port.
	ReadyTimeout time.Duration
	Now          func() time.Time
	// AllowedHosts are Host names the provider and the proxy answer besides
	// the issuer's host, loopback names and IP addresses, added to the
	// config's allowed_hosts (--allowed-host).
	AllowedHosts []string
}

// Stack is a running provider + proxy + apps.
type Stack struct {
	opts     Options
	cfg      *config.Config
	Provider *provider.Provider // the root issuer's
	// Tenants serves the root issuer and every tenant on the provider's listener.
	Tenants *provider.Tenants
	Proxy   *proxy.Proxy

	providerLn, proxyLn net.Listener
	servers             []*netutil.Server
	tls                 *tls.Config
	apps                []*app

	issuer   string
	adminURL string
	proxyURL string
	demo     bool
	scheme   string
	// CA is the local certificate authority when TLS is on.
	CA *LocalCA

	appFailed chan error
	appsReady chan struct{}

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	runCtx context.Context // ends when the stack closes
	cancel context.CancelFunc
}

// Start binds every listener first, so a port in use is an error before
// anything runs, then starts the provider, the proxy and the apps.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.ErrOut == nil {
		opts.ErrOut = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 60 * time.Second
	}
	s := &Stack{opts: opts, cfg: opts.Config, demo: opts.Config == nil}
	if s.demo {
		s.cfg = &config.Config{}
	}
	ok := false
	defer func() {
		if !ok {
			s.closeListeners()
		}
	}()
	if err := s.validateApps(); err != nil {
		return nil, err
	}
	var err error
	s.scheme = "http"
	var tlsCfg *tls.Config
	transport := proxy.NewTransport()
	if opts.TLS {
		dir := opts.CADir
		if dir == "" {
			if dir, err = DefaultCADir(); err != nil {
				return nil, err
			}
		}
		if s.CA, err = LoadOrCreateCA(dir, opts.Now()); err != nil {
			return nil, err
		}
		if tlsCfg, err = s.CA.ServerConfig(opts.Now()); err != nil {
			return nil, err
		}
		s.scheme = "https"
		// the auth gate talks to the provider over HTTPS: trust the local CA
		transport.TLSClientConfig = &tls.Config{RootCAs: s.CA.Pool(), MinVersion: tls.VersionTLS12}
	}
	proxyAddr := first(opts.ProxyAddr, s.cfg.Proxy.Addr, config.DefaultProxyAddr)
	if s.proxyLn, err = listen(proxyAddr, "proxy", s.addrFix("proxy", opts.ProxyAddr)); err != nil {
		return nil, err
	}
	s.proxyURL = s.scheme + "://" + hostPort(s.proxyLn.Addr())
	mounted := s.cfg.Provider.Mount != ""
	// Mounted, the provider still gets a listener of its own for the admin
	// API and event stream, which must never share the apps' origin.
	providerAddr := first(opts.ProviderAddr, s.cfg.Provider.Addr, config.DefaultProviderAddr)
	if s.providerLn, err = listen(providerAddr, "provider", s.addrFix("provider", opts.ProviderAddr)); err != nil {
		return nil, err
	}
	switch {
	case s.cfg.Issuer != "":
		s.issuer = s.cfg.Issuer
	case mounted:
		// served in process under the proxy: same origin as the apps
		s.issuer = s.proxyURL + s.cfg.Provider.Mount + "/"
	default:
		s.issuer = s.scheme + "://" + hostPort(s.providerLn.Addr()) + "/"
	}
	s.adminURL = strings.TrimSuffix(s.issuer, "/")
	if mounted {
		s.adminURL = s.scheme + "://" + hostPort(s.providerLn.Addr())
	}
	var providerLnAddr net.Addr
	if !mounted {
		providerLnAddr = s.providerLn.Addr()
	}
	for _, w := range contradictions(s.cfg, opts.ProviderAddr, opts.ProxyAddr, providerLnAddr, s.proxyLn.Addr()) {
		fmt.Fprintf(opts.ErrOut, "warning: %s\n", w)
	}
	if !s.demo {
		for _, w := range envContradictions(s.cfg, s.issuer) {
			fmt.Fprintf(opts.ErrOut, "warning: %s\n", w)
		}
	}
	s.tls = tlsCfg // applied by netutil.Server, above its connection cap
	if s.demo {
		if err := s.startDemoServers(); err != nil {
			return nil, err
		}
	}
	ks := opts.Keys
	if ks == nil {
		if ks, err = keys.Load(keys.Options{Dir: s.cfg.Provider.KeysDir, Alg: s.cfg.Provider.SigningAlg, Ephemeral: s.cfg.Provider.EphemeralKeys, Now: opts.Now}); err != nil {
			return nil, err
		}
	}
	allowed := append(append([]string{}, s.cfg.AllowedHosts...), opts.AllowedHosts...)
	if s.Tenants, err = provider.NewTenants(provider.TenantsOptions{
		Options:    provider.Options{Issuer: s.issuer, Config: s.cfg, Keys: ks, Now: opts.Now, Logger: opts.Logger, AllowedHosts: allowed},
		TenantKeys: provider.PersistedTenantKeys(s.cfg.Provider.KeysDir, s.cfg.Provider.SigningAlg, s.cfg.Provider.EphemeralKeys || ks.Path() == "", opts.Now),
	}); err != nil {
		return nil, err
	}
	s.Provider = s.Tenants.Root()
	// the proxy's own listen host (when bound by name) and a mounted
	// provider's issuer, which names the proxy
	proxyHosts := append([]string{proxyAddr, s.issuer}, allowed...)
	if s.Proxy, err = proxy.New(proxy.Options{Routes: s.routes(s.cfg), AccessLog: opts.Out, Color: opts.Color, Now: opts.Now, Transport: transport, AllowedHosts: proxyHosts}); err != nil {
		s.Tenants.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	s.runCtx, s.cancel = runCtx, cancel
	if mounted {
		s.serve(s.providerLn, s.Tenants.AdminHandler(), s.tls)
	} else {
		s.serve(s.providerLn, s.Tenants, s.tls)
	}
	s.serve(s.proxyLn, s.Proxy, s.tls)
	s.startApps(runCtx)
	ok = true
	return s, nil
}

// startApps runs every app's command under supervision.
func (s *Stack) startApps(ctx context.Context) {
	var cmds []config.App
	if !s.opts.NoApps {
		for _, a := range s.cfg.Apps {
			if a.Command != "" {
				a.Cwd = appDir(s.cfg.Path, a.Cwd)
				cmds = append(cmds, a)
			}
		}
	}
	s.appFailed = make(chan error, len(cmds))
	s.appsReady = make(chan struct{})
	var mu sync.Mutex
	pending := len(cmds)
	if pending == 0 {
		close(s.appsReady)
	}
	ready := func() {
		mu.Lock()
		defer mu.Unlock()
		if pending--; pending == 0 {
			close(s.appsReady)
		}
	}
	for _, a := range cmds {
		ap := newApp(a, s.opts.Out, s.opts.ErrOut, s.opts.Color)
		s.apps = append(s.apps, ap)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := ap.run(ctx, s.opts.ReadyTimeout, s.proxyURL, ready); err != nil {
				s.appFailed <- err // the caller reports it (and stops, as `up` does)
			}
		}()
	}
}

// appDir is where an app's command runs: apps[].cwd is relative to the
// config file's directory (as `ssokit new` writes it), so `ssokit up` works
// from any directory, e.g. an app's own after finding ../ssokit.yaml.
func appDir(configPath, cwd string) string {
	base := filepath.Dir(configPath)
	if configPath == "" || base == "." || filepath.IsAbs(cwd) {
		return cwd
	}
	if cwd == "" {
		return base
	}
	return filepath.Join(base, cwd)
}

// AppCount is how many app commands the stack runs.
func (s *Stack) AppCount() int { return len(s.apps) }

// AppFailed delivers an *AppError for each app the stack gave up on (its
// command was not found, or it kept failing the same way).
func (s *Stack) AppFailed() <-chan error { return s.appFailed }

// AppsReady is closed once every app started by the stack answered HTTP
// (at once when there are none).
func (s *Stack) AppsReady() <-chan struct{} { return s.appsReady }

// routes turns the config's apps into proxy routes, plus the provider's
// mount when it is served under the proxy.
func (s *Stack) routes(cfg *config.Config) []proxy.Route {
	rs := RoutesFromConfig(cfg)
	for i := range rs {
		if rs[i].Auth != nil {
			rs[i].Auth.Issuer = s.issuer
		}
	}
	if cfg.Provider.Mount != "" {
		// without the admin API: any app's script could read every token
		rs = append(rs, proxy.Route{Name: "provider", Prefix: cfg.Provider.Mount, StripPrefix: true, Handler: s.Tenants.MountHandler()})
	}
	return rs
}

// serve runs h on ln with the stack's TLS (nil: plain HTTP), as the
// provider and proxy listeners need; the demo's upstreams stay plain, as a
// dev server behind the proxy would.
func (s *Stack) serve(ln net.Listener, h http.Handler, tlsCfg *tls.Config) {
	srv := netutil.NewServer(h, netutil.ServerOptions{TLS: tlsCfg})
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(s.opts.ErrOut, "server on %s stopped: %v\n", ln.Addr(), err)
		}
	}()
}

// Issuer is the provider's issuer.
func (s *Stack) Issuer() string { return s.issuer }

// AdminURL is where the admin API and event stream are served, without a
// trailing slash: the issuer, or with provider.mount the provider's own
// listener (never the apps' origin).
func (s *Stack) AdminURL() string { return s.adminURL }

// ListenAddrs are the provider's and the proxy's bound addresses
// (host:port as bound, not as displayed), for the non-loopback warning.
func (s *Stack) ListenAddrs() (provider, proxy string) {
	return s.providerLn.Addr().String(), s.proxyLn.Addr().String()
}

// ProxyURL is the proxy's base URL, e.g. http://localhost:9000.
func (s *Stack) ProxyURL() string { return s.proxyURL }

// Config is the config in force.
func (s *Stack) Config() *config.Config { return s.cfg }

// Reload applies a new config: users, clients and routes change without
// dropping sessions. Listen addresses and app commands need a restart.
func (s *Stack) Reload(cfg *config.Config) error {
	if err := s.Tenants.Reload(cfg); err != nil {
		return err
	}
	if err := s.Proxy.SetRoutes(s.routes(cfg)); err != nil {
		_ = s.Tenants.Reload(s.cfg) // keep the previous config in force
		return err
	}
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
	return nil
}

// Close stops the apps (their whole process groups), the servers and the
// provider, waiting at most five seconds in all.
func (s *Stack) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	if s.Tenants != nil {
		s.Tenants.Close()
	}
	return nil
}

func (s *Stack) closeListeners() {
	for _, ln := range []net.Listener{s.proxyLn, s.providerLn} {
		if ln != nil {
			ln.Close()
		}
	}
	for _, srv := range s.servers {
		srv.Close()
	}
}

// validateApps reports app problems before anything starts.
func (s *Stack) validateApps() error {
	if s.opts.NoApps {
		return nil
	}
	var errs []string
	for _, a := range s.cfg.Apps {
		if a.Command == "" {
			continue
		}
		a.Cwd = appDir(s.cfg.Path, a.Cwd)
		if err := checkCommand(a); err != nil {
			errs = append(errs, err.Error())
		}
		if err := checkPortFree(a); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// addrFix says how to give the provider or proxy another address: the flag
// when the address came from it or there is no config file (the built-in
// demo), else the key in the config file.
func (s *Stack) addrFix(what, flagAddr string) string {
	switch {
	case flagAddr != "":
		return "pass another --" + what + "-addr"
	case s.demo || s.cfg.Path == "":
		return "pass --" + what + "-addr 127.0.0.1:PORT (the built-in demo has no ssokit.yaml)"
	}
	return "change " + what + ".addr in " + s.cfg.Path + " (or pass --" + what + "-addr)"
}

func listen(addr, what, fix string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	_, port, _ := net.SplitHostPort(addr)
	if isAddrInUse(err) {
		return nil, &listenError{msg: fmt.Sprintf("the %s cannot listen on %s: port %s is already in use (another ssokit up?); stop that process or %s", what, addr, port, fix), err: err}
	}
	return nil, fmt.Errorf("the %s cannot listen on %s: %w (%s)", what, addr, err, fix)
}

// listenError keeps the OS error in the chain (for exit codes) behind a
// message that says what to do.
type listenError struct {
	msg string
	err error
}

func (e *listenError) Error() string { return e.msg }
func (e *listenError) Unwrap() error { return e.err }

// hostPort renders a loopback listener address as localhost:port, so the
// provider and the apps share one site (ports do not make a site).
func hostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
