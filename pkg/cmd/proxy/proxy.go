// Package proxy implements `ssokit proxy`, the path-routing dev reverse
// proxy on its own.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/netutil"
	"github.com/ssokit/ssokit/pkg/proxy"
	"github.com/ssokit/ssokit/pkg/stack"
)

// Options are the flags of `ssokit proxy`.
type Options struct {
	ConfigFile   string
	Addr         string
	Routes       []string // --route values, PREFIX=URL[,option…]
	Issuer       string
	ClientID     string
	ClientSecret string
	Quiet        bool
	AllowedHosts []string
	// WatchInterval is how often --config is checked for changes; 0 means
	// every second.
	WatchInterval time.Duration

	// Ready, when set, is called with the listening address once the proxy
	// answers; tests use it.
	Ready func(addr string)
}

// NewCmdProxy returns `ssokit proxy`. runF replaces the run for tests.
func NewCmdProxy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Run the path-routing dev reverse proxy",
		Long: `Put several micro-frontend dev servers behind one origin, routed by path,
the way production puts /, /account and /checkout behind one host name.

Each --route is PREFIX=URL, optionally followed by comma-separated options:
  strip       remove PREFIX before forwarding (/api/users reaches the upstream as /users)
  keep-host   forward the browser's Host header instead of the upstream's
  auth        put the route behind the auth gate (see below)
  name=NAME   the app's name in logs and error pages (default: from PREFIX)
The longest matching prefix wins, on path-segment boundaries (/account does
not match /accounts); "/" catches every path no other route claims.

WebSocket upgrades (Vite and webpack hot reload) pass through, Server-Sent
Events and chunked responses stream unbuffered, and X-Forwarded-For/-Host/-Proto
and Forwarded are set by the proxy (never trusted from the browser). A dead
upstream answers a 502 page naming the route and the likely fix; a path with
no route answers 404 listing the routes (both JSON for Accept: application/json).
One access-log line per request goes to stdout: time, app, method, path,
status, bytes, latency, coloured by app on a terminal.

The auth gate (backend-for-frontend) signs the user in at the OpenID provider
as a client of its own (authorization code + PKCE; confidential with
--client-secret), keeps the tokens server-side behind an HttpOnly SameSite=Lax
cookie, refreshes them, and forwards Authorization: Bearer, X-Forwarded-User
and X-Forwarded-Email to the upstream, dropping any the browser sent. Its
callback is PREFIX/_ssokit/callback; PREFIX/_ssokit/logout signs out here
and at the provider; register PREFIX/_ssokit/backchannel-logout as the
client's backchannel_logout_uri and a sign-out anywhere ends the session here.

With --config, the apps of ssokit.yaml become routes (path, upstream,
strip_prefix, keep_host, headers, auth: required with client_id), and the
address defaults to proxy.addr. --route flags add to them. Edits to the file
are picked up within a second without a restart (signed-in users stay signed
in); an edit that does not validate is reported and the old routes stay.`,
		Example: `  # a shell at / and an account app at /account, on http://localhost:9000
  ssokit proxy --route /=http://localhost:5101 --route /account=http://localhost:5102

  # an API whose server knows nothing of the /api prefix
  ssokit proxy --route /=http://localhost:5173 --route /api=http://localhost:8080,strip

  # a server-rendered app behind the auth gate, signing in at ssokit provider
  ssokit provider &
  ssokit proxy --route /checkout=http://localhost:5103,auth --client-id checkout-bff

  # every app from ssokit.yaml
  ssokit proxy --config ssokit.yaml`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.ConfigFile, "config", "c", "", "ssokit.yaml whose apps become routes")
	fl.StringVar(&opts.Addr, "addr", "", "listen address (default 127.0.0.1:9000, or proxy.addr from the config)")
	fl.StringArrayVarP(&opts.Routes, "route", "r", nil, "PREFIX=URL[,strip][,keep-host][,auth][,name=NAME]; repeatable")
	fl.StringVar(&opts.Issuer, "issuer", config.DefaultIssuer, "OpenID provider the auth gate of --route …,auth signs in at")
	fl.StringVar(&opts.ClientID, "client-id", "ssokit-proxy", "client_id of the auth gate for --route …,auth")
	fl.StringVar(&opts.ClientSecret, "client-secret", "", "client secret of the auth gate (empty: public client with PKCE)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "no access log")
	fl.StringArrayVar(&opts.AllowedHosts, "allowed-host", nil, "also answer requests for this Host name (or .domain); loopback names and IP addresses always work (repeatable)")
	cmdutil.BindEnv(cmd, "config", cmdutil.EnvConfig, "addr", cmdutil.EnvProxyAddr, "issuer", cmdutil.EnvIssuer,
		"client-id", cmdutil.EnvClientID, "client-secret", cmdutil.EnvClientSecret, "allowed-host", cmdutil.EnvAllowedHosts)
	return cmd
}

// Run starts the proxy and serves until ctx ends.
func Run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	cfg, err := cmdutil.LoadConfig(opts.ConfigFile)
	if err != nil {
		return err
	}
	routes := stack.RoutesFromConfig(cfg)
	for _, s := range opts.Routes {
		r, err := ParseRoute(s)
		if err != nil {
			return cmdutil.FlagErrorf("--route %q: %v", s, err)
		}
		if r.Auth != nil {
			r.Auth.Issuer, r.Auth.ClientID, r.Auth.ClientSecret = opts.Issuer, opts.ClientID, opts.ClientSecret
		}
		routes = append(routes, r)
	}
	if len(routes) == 0 {
		return cmdutil.FlagErrorf("no routes: add --route PREFIX=URL (e.g. --route /=http://localhost:5101) or --config ssokit.yaml with apps")
	}

	// A proxy's heap is a few megabytes of short-lived request garbage;
	// collecting it four times less often saves about a sixth of the CPU
	// per request (measured: BenchmarkThroughput) for a few MB of memory.
	// GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	errOut := f.IOStreams.ErrOut
	var accessLog io.Writer
	if !opts.Quiet {
		accessLog = f.IOStreams.Out
	}
	addr := firstNonEmpty(opts.Addr, cfg.Proxy.Addr, config.DefaultProxyAddr)
	p, err := proxy.New(proxy.Options{
		Routes:    routes,
		Logger:    slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelInfo})),
		AccessLog: accessLog,
		Color:     f.IOStreams.ColorEnabled(),
		Now:       f.Now,
		// its own listen host too, when bound by name (--addr devbox:9000)
		AllowedHosts: append(append([]string{addr}, cfg.AllowedHosts...), opts.AllowedHosts...),
	})
	if err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("the routes cannot be used:\n%w", err)}
	}
	defer p.CloseIdleConnections()

	flag := "--addr"
	if opts.ConfigFile != "" && opts.Addr == "" {
		flag = "--addr or proxy.addr in " + opts.ConfigFile
	}
	ln, err := cmdutil.Listen(addr, "proxy", flag)
	if err != nil {
		return err
	}
	defer ln.Close()
	cmdutil.WarnNonLoopback(errOut, ln.Addr().String(), "proxy", f.IOStreams.ColorEnabledErr())
	PrintBanner(errOut, ln.Addr().String(), p.Routes())

	// No write timeout: Server-Sent Events and hot-reload sockets stay
	// open as long as the page does.
	srv := netutil.NewServer(p, netutil.ServerOptions{
		ErrorLog: slog.NewLogLogger(slog.NewTextHandler(errOut, nil).WithAttrs([]slog.Attr{slog.String("component", "proxy")}), slog.LevelWarn),
	})
	if opts.ConfigFile != "" {
		interval := opts.WatchInterval
		if interval == 0 {
			interval = time.Second
		}
		flagRoutes := routes[len(routes)-len(opts.Routes):]
		path := opts.ConfigFile
		w := config.NewWatcher(path)
		go w.Run(ctx, interval, func(cfg *config.Config) error {
			return p.SetRoutes(append(stack.RoutesFromConfig(cfg), flagRoutes...))
		}, func(cfg *config.Config, err error) {
			if err != nil {
				fmt.Fprintf(errOut, "%s changed but cannot be used; the previous routes stay in force:\n%v\n", path, err)
				return
			}
			fmt.Fprintf(errOut, "%s reloaded: %d route(s)\n", path, len(cfg.Apps))
		})
	}
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	return cmdutil.Serve(ctx, srv, ln)
}

// ParseRoute parses a --route value: PREFIX=URL[,strip][,keep-host][,auth][,name=NAME].
// The route itself is validated by proxy.New.
func ParseRoute(s string) (proxy.Route, error) {
	prefix, rest, ok := strings.Cut(s, "=")
	if !ok || prefix == "" || rest == "" {
		return proxy.Route{}, errors.New("want PREFIX=URL, e.g. /account=http://localhost:5102")
	}
	parts := strings.Split(rest, ",")
	r := proxy.Route{Prefix: prefix, Upstream: parts[0]}
	for _, opt := range parts[1:] {
		key, value, hasValue := strings.Cut(strings.TrimSpace(opt), "=")
		switch {
		case key == "strip" && !hasValue:
			r.StripPrefix = true
		case key == "keep-host" && !hasValue:
			r.PreserveHost = true
		case key == "auth" && !hasValue:
			r.Auth = &proxy.Auth{}
		case key == "name" && hasValue && value != "":
			r.Name = value
		default:
			return proxy.Route{}, fmt.Errorf("unknown option %q; want strip, keep-host, auth or name=NAME", opt)
		}
	}
	return r, nil
}

// PrintBanner says where the proxy is and what it routes where.
func PrintBanner(w io.Writer, addr string, routes []proxy.Route) {
	fmt.Fprintf(w, "ssokit proxy on %s\n", DisplayURL(addr))
	width := 0
	for _, r := range routes {
		width = max(width, len(r.Prefix))
	}
	// Shortest prefix first, as a site map reads.
	for i := len(routes) - 1; i >= 0; i-- {
		r := routes[i]
		var notes []string
		if r.StripPrefix {
			notes = append(notes, "prefix stripped")
		}
		if r.PreserveHost {
			notes = append(notes, "Host kept")
		}
		if r.Auth != nil {
			notes = append(notes, fmt.Sprintf("auth: %s at %s", r.Auth.ClientID, r.Auth.Issuer))
		}
		note := ""
		if len(notes) > 0 {
			note = ", " + strings.Join(notes, ", ")
		}
		fmt.Fprintf(w, "  %-*s → %s  (%s%s)\n", width, r.Prefix, r.Upstream, r.Name, note)
	}
	fmt.Fprintln(w)
}

// DisplayURL is the URL to open for a listen address: localhost for
// loopback binds, since that is the host the provider's redirect URIs and
// cookies are registered for.
func DisplayURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if netutil.IsLoopbackAddr(addr) || host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
