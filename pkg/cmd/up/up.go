// Package up implements `ssokit up`.
package up

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/stack"
)

// Options are the flags of `ssokit up`.
type Options struct {
	ConfigFile   string
	explicit     bool
	Open         bool
	NoApps       bool
	ProviderAddr string
	ProxyAddr    string
	LogFormat    string
	Verbose      bool
	TLS          bool
	AllowedHosts []string
	InternalURLs []string
	Demo         fs.FS

	// Started, when set, receives the running stack (tests).
	Started func(*stack.Stack)
}

// NewCmdUp returns `ssokit up`. runF replaces the run for tests.
func NewCmdUp(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Demo: f.Demo}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run the whole local SSO stack: provider, proxy and apps",
		Long: `Start the OpenID provider, the path-routing dev proxy and every app's dev
server from ssokit.yaml, in one process. Ctrl-C stops everything, children
included.

The config is --config, else $SSOKIT_CONFIG, else ssokit.yaml in this
directory or the nearest parent (so it works inside an app's directory); up
says which file it uses. With none it runs a built-in demo: a shell at / and
an account app at /account, each a tiny page using silent authentication
against the provider, so you can see sign-in-once work immediately.

"ready" is printed once every app answers HTTP. An app whose command is not
found (exit 127, e.g. a forgotten npm install) or that fails the same way
three times in a row stops up with the fix.

Editing ssokit.yaml while it runs reloads users, clients and routes without
dropping sessions; an invalid edit is reported with file:line and the previous
config stays in force. Listen addresses and app commands need a restart.

The provider runs on its own origin (http://localhost:9400/, like a separate
auth domain) unless provider.mount is set (e.g. /auth), which serves it under
the proxy and keeps silent authentication first-party when a browser blocks
third-party cookies.`,
		Example: `  # the built-in demo (no ssokit.yaml in this directory)
  ssokit up

  # your stack, opening the shell in the browser
  ssokit up -c ssokit.yaml --open

  # provider and proxy only; you run the dev servers yourself
  ssokit up --no-apps

  # HTTPS, for SameSite=None; Secure setups (trust the printed CA once)
  ssokit up --tls`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.explicit = cmd.Flags().Changed("config")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.ConfigFile, "config", "c", config.DefaultFile, "the stack's config (default: $"+EnvConfig+", else ssokit.yaml here or in the nearest parent directory; none: the built-in demo)")
	fl.BoolVar(&opts.Open, "open", false, "open the first app in the system browser")
	fl.BoolVar(&opts.NoApps, "no-apps", false, "do not start the apps' commands")
	fl.StringVar(&opts.ProviderAddr, "provider-addr", "", "override provider.addr (default 127.0.0.1:9400)")
	fl.StringVar(&opts.ProxyAddr, "proxy-addr", "", "override proxy.addr (default 127.0.0.1:9000)")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "provider log on stderr: text (one line per sign-in, token, logout, fault or error, like the proxy's), json (every request) or none")
	fl.BoolVar(&opts.Verbose, "verbose", false, "with --log-format text, also log every discovery, JWKS, check_session and page request")
	fl.StringArrayVar(&opts.AllowedHosts, "allowed-host", nil, "also answer requests for this Host name (or .domain) on the provider and proxy; loopback names and IP addresses always work (repeatable)")
	fl.StringArrayVar(&opts.InternalURLs, "internal-url", nil, "the provider's base `URL` as other containers reach it (http://ssokit:9400/): discovery through it names back-channel endpoints on it; iss stays the issuer (repeatable)")
	fl.BoolVar(&opts.TLS, "tls", false, "serve the proxy and provider over HTTPS with a local CA (created once in the user config dir; trust it to avoid warnings)")
	cmdutil.BindEnv(cmd, "provider-addr", cmdutil.EnvProviderAddr, "proxy-addr", cmdutil.EnvProxyAddr,
		"log-format", cmdutil.EnvLogFormat, "allowed-host", cmdutil.EnvAllowedHosts, "internal-url", cmdutil.EnvInternalURL)
	return cmd
}

// Run starts the stack and serves until ctx ends, or an app fails in a way
// restarting cannot fix.
func Run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	ios := f.IOStreams
	path, source, err := findConfig(opts.ConfigFile, opts.explicit, os.Getenv, ".")
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	var cfg *config.Config
	if path != "" {
		if cfg, err = config.Load(path); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		opts.ConfigFile = path
		fmt.Fprintf(ios.ErrOut, "ssokit: using %s (%s)\n", path, source)
	}
	so := stack.Options{
		Config: cfg, Demo: opts.Demo, ProviderAddr: opts.ProviderAddr, ProxyAddr: opts.ProxyAddr,
		NoApps: opts.NoApps, TLS: opts.TLS, AllowedHosts: opts.AllowedHosts, InternalURLs: opts.InternalURLs, Out: ios.ErrOut, ErrOut: ios.ErrOut, Color: ios.ColorEnabledErr(), Now: f.Now,
	}
	switch opts.LogFormat {
	case "none":
	case "text":
		so.Logger = cmdutil.NewCompactLogger(ios.ErrOut, opts.Verbose)
	case "json":
		so.Logger = cmdutil.NewLogger(ios.ErrOut, opts.LogFormat)
	default:
		return cmdutil.FlagErrorf("--log-format %q is not text, json or none", opts.LogFormat)
	}
	start := time.Now()
	s, err := stack.Start(ctx, so)
	if err != nil {
		return err
	}
	defer s.Close()
	provAddr, proxyAddr := s.ListenAddrs()
	cmdutil.WarnNonLoopback(ios.ErrOut, provAddr, "provider", ios.ColorEnabledErr())
	cmdutil.WarnNonLoopback(ios.ErrOut, proxyAddr, "proxy", ios.ColorEnabledErr())
	s.Banner(ios.ErrOut)
	if n := s.AppCount(); n > 0 {
		// "ready" only once every app answers: a stack whose apps do not
		// answer yet is not ready to sign in to.
		fmt.Fprintf(ios.ErrOut, "  provider and proxy up in %s; waiting for %s to answer…\n\n", time.Since(start).Round(time.Millisecond), plural(n, "app"))
		go func() {
			select {
			case <-s.AppsReady():
				fmt.Fprintf(ios.ErrOut, "ssokit: ready in %s: every app answers\n", time.Since(start).Round(time.Millisecond))
			case <-ctx.Done():
			}
		}()
	} else {
		fmt.Fprintf(ios.ErrOut, "  ready in %s\n\n", time.Since(start).Round(time.Millisecond))
	}
	if cfg != nil {
		s.Watch(ctx, opts.ConfigFile, 500*time.Millisecond)
	}
	if opts.Open {
		apps := s.Config().Apps
		if len(apps) > 0 {
			if err := f.Browser.Browse(s.ProxyURL() + apps[0].Path); err != nil {
				fmt.Fprintf(ios.ErrOut, "could not open the browser: %v\n", err)
			}
		}
	}
	if opts.Started != nil {
		opts.Started(s)
	}
	var appErr error
	select {
	case <-ctx.Done():
	case appErr = <-s.AppFailed():
	}
	fmt.Fprintln(ios.ErrOut, "\nssokit: stopping…")
	if err := s.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return appErr
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
