// Package provider implements `ssokit provider`.
package provider

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/netutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// Options are the flags of `ssokit provider`.
type Options struct {
	ConfigFile    string
	Addr          string
	Issuer        string
	AutoLogin     string
	Claims        string
	LogFormat     string
	EphemeralKeys bool
	KeysDir       string
	SigningAlg    string
	SameSite      string
	RefreshReuse  time.Duration
	Faults        []string
	AllowedHosts  []string

	// Ready, when set, is called with the listening address once the
	// provider answers; tests use it.
	Ready func(addr string)
}

// NewCmdProvider returns `ssokit provider`. runF replaces the run for tests.
func NewCmdProvider(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "provider",
		Short: "Run a local OpenID Connect provider",
		Long: `Run a standards-correct OpenID Connect provider on this machine.

With no config it needs nothing: users alice and bob (any password; any other
username signs in too, as a user made on the fly), and any client_id is
accepted as a public client (PKCE S256 required) for loopback redirect URIs.
With --config only the clients in the file are accepted, with exact
redirect_uri matching, and APIs (apis:) say which audiences, scopes and
access-token claims exist. --claims adds claims to every sign-in's tokens;
the login form has an extra-claims box for one sign-in.

The issuer is http://localhost:9400/ by default, with the trailing slash the
Auth0 SPA SDK needs. Signing keys persist in the user cache dir so tokens
survive restarts (--ephemeral-keys opts out). It binds loopback unless told
otherwise.

Endpoints: /.well-known/openid-configuration, /.well-known/jwks.json,
/authorize, /oauth/token (and /token), /userinfo, /oauth/revoke, /introspect,
/logout, /v2/logout, /check_session, and /_ssokit/ (loopback admin API:
events, faults, key rotation; tokens on the event stream are redacted unless
?tokens=full).

Requests are answered only for the issuer's host, loopback names and IP
addresses: any other Host header is how a DNS rebinding page arrives. Allow
another name with --allowed-host NAME or allowed_hosts in the config.`,
		Example: `  # zero config: issuer http://localhost:9400/
  ssokit provider

  # registered clients and users from a file
  ssokit provider --config ssokit.yaml

  # CI: interactive sign-ins go straight through as alice
  ssokit provider --auto-login alice --ephemeral-keys --log-format json

  # test authorization: carol (made on the fly) signs in as an admin
  ssokit provider --auto-login carol --claims '{"https://example.com/roles": ["admin"]}'

  # another port; the issuer follows the address
  ssokit provider --addr 127.0.0.1:9500

  # reproduce failures: the first token request fails, access tokens live 20 s
  ssokit provider --fault endpoint=token,error=temporarily_unavailable,count=1 --fault access_token_ttl=20s`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := provider.ParseExtraClaims(opts.Claims); err != nil {
				return cmdutil.FlagErrorf("--claims: %v", err)
			}
			switch opts.LogFormat {
			case "text", "json":
			default:
				return cmdutil.FlagErrorf("--log-format %q is not text or json", opts.LogFormat)
			}
			switch opts.SigningAlg {
			case "", keys.RS256, keys.ES256:
			default:
				return cmdutil.FlagErrorf("--signing-alg %q is not supported; use RS256 (the default; the Auth0 SDK needs it) or ES256", opts.SigningAlg)
			}
			switch strings.ToLower(opts.SameSite) {
			case "", "lax", "strict", "none":
			default:
				return cmdutil.FlagErrorf("--same-site %q is not lax, strict or none", opts.SameSite)
			}
			if opts.RefreshReuse < 0 || opts.RefreshReuse > config.MaxRefreshReuseInterval {
				return cmdutil.FlagErrorf("--refresh-reuse-interval %s is out of range; use 0 (strict reuse detection) up to %s, typically 10s", opts.RefreshReuse, config.MaxRefreshReuseInterval)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.ConfigFile, "config", "c", "", "ssokit.yaml with users, clients, lifetimes and faults (default: zero-config)")
	fl.StringVar(&opts.Addr, "addr", "", "listen address (default 127.0.0.1:9400, or provider.addr from the config)")
	fl.StringVar(&opts.Issuer, "issuer", "", "issuer URL, exactly as tokens carry it (default http://localhost:<port>/)")
	fl.StringVar(&opts.AutoLogin, "auto-login", "", "sign interactive requests in as this user without the form (prompt=none still needs a session)")
	fl.StringVar(&opts.Claims, "claims", "", "extra claims for every sign-in's tokens and userinfo, a JSON object (with --auto-login they are used; else the login form's extra-claims box starts with them)")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "request log format: text or json")
	fl.BoolVar(&opts.EphemeralKeys, "ephemeral-keys", false, "generate signing keys in memory; nothing is read or written")
	fl.StringVar(&opts.KeysDir, "keys-dir", "", "where signing keys persist (default: the user cache dir's ssokit/keys)")
	fl.StringVar(&opts.SigningAlg, "signing-alg", "", "RS256 (default; the Auth0 SDK needs it) or ES256")
	fl.StringVar(&opts.SameSite, "same-site", "", "session cookie SameSite: lax (default), strict, or none (Secure; for cross-site setups)")
	fl.DurationVar(&opts.RefreshReuse, "refresh-reuse-interval", 0, "let a rotated refresh token be presented again for this long and get the same successor (tabs refreshing at once); 0 (default) revokes the family on any reuse")
	fl.StringArrayVar(&opts.AllowedHosts, "allowed-host", nil, "also answer requests for this Host name (or .domain); loopback names, IP addresses and the issuer's host always work (repeatable)")
	fl.StringArrayVar(&opts.Faults, "fault", nil, "inject a fault: key=value,… with endpoint, client_id, error, latency, clock_skew, access_token_ttl, count, for (repeatable)")
	return cmd
}

// Run starts the provider and serves until ctx ends.
func Run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	cfg, err := cmdutil.LoadConfig(opts.ConfigFile)
	if err != nil {
		return err
	}
	if opts.SigningAlg != "" {
		cfg.Provider.SigningAlg = opts.SigningAlg
	}
	if opts.SameSite != "" {
		cfg.Provider.SessionCookie.SameSite = opts.SameSite
	}
	if opts.RefreshReuse > 0 {
		cfg.Provider.Tokens.RefreshReuseInterval = opts.RefreshReuse
	}
	for _, fs := range opts.Faults {
		f, err := ParseFault(fs)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		cfg.Faults = append(cfg.Faults, f)
	}
	addr := firstNonEmpty(opts.Addr, cfg.Provider.Addr, config.DefaultProviderAddr)
	ln, err := cmdutil.Listen(addr, "provider", "--addr")
	if err != nil {
		return err
	}
	defer ln.Close()
	issuer := firstNonEmpty(opts.Issuer, cfg.Issuer, IssuerFor(ln.Addr().String()))
	ks, err := keys.Load(keys.Options{
		Dir: firstNonEmpty(opts.KeysDir, cfg.Provider.KeysDir), Alg: cfg.Provider.SigningAlg,
		Ephemeral: opts.EphemeralKeys || cfg.Provider.EphemeralKeys, Now: f.Now,
	})
	if err != nil {
		return err
	}
	errOut := f.IOStreams.ErrOut
	p, err := provider.New(provider.Options{
		Issuer: issuer, Config: cfg, Keys: ks, Now: f.Now, Logger: cmdutil.NewLogger(errOut, opts.LogFormat),
		AutoLogin: opts.AutoLogin, Claims: opts.Claims, AllowedHosts: append(cfg.AllowedHosts, opts.AllowedHosts...),
	})
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	defer p.Close()
	cmdutil.WarnNonLoopback(errOut, addr, "provider", f.IOStreams.ColorEnabledErr())
	PrintBanner(errOut, p, cfg, ks, opts.AutoLogin)
	if opts.Claims != "" {
		fmt.Fprintf(errOut, "  claims     %s (every sign-in's tokens and userinfo)\n\n", strings.TrimSpace(opts.Claims))
	}
	srv := netutil.NewServer(p, netutil.ServerOptions{})
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	return cmdutil.Serve(ctx, srv, ln)
}

// IssuerFor derives the default issuer from a listen address: localhost for
// loopback binds (same-site with apps on other localhost ports), the host otherwise.
func IssuerFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return config.DefaultIssuer
	}
	if netutil.IsLoopbackAddr(addr) || host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// PrintBanner says where the provider is and how to use it.
func PrintBanner(w io.Writer, p *provider.Provider, cfg *config.Config, ks *keys.Set, autoLogin string) {
	users := cfg.UsersOrDefault()
	names := make([]string, len(users))
	anyUser := true
	for i, u := range users {
		names[i] = u.Username
		if u.Password == "" {
			names[i] += " (any password)"
		} else {
			anyUser = false
		}
	}
	if anyUser {
		names = append(names, "or any other username (made on the fly)")
	}
	clients := "any client_id, public, loopback redirect URIs (zero-config)"
	clientHint := "any client_id"
	if len(cfg.Clients) > 0 {
		ids := make([]string, len(cfg.Clients))
		for i, c := range cfg.Clients {
			ids[i] = c.ClientID
		}
		clients = strings.Join(ids, ", ")
		clientHint = "client_id " + ids[0] + " (registered in the config)"
		if len(ids) > 1 {
			clientHint = "a client_id registered in the config (" + clients + ")"
		}
	}
	keyInfo := ks.Alg() + " kid " + ks.ActiveKID()
	if ks.Path() != "" {
		keyInfo += " (" + ks.Path() + ")"
	} else {
		keyInfo += " (ephemeral)"
	}
	base := strings.TrimSuffix(p.Issuer(), "/")
	fmt.Fprintf(w, `ssokit provider
  issuer     %s
  discovery  %s/.well-known/openid-configuration
  users      %s
  clients    %s
  keys       %s
  audiences  %s
`, p.Issuer(), base, strings.Join(names, ", "), clients, keyInfo, audiences(cfg))
	if autoLogin != "" {
		fmt.Fprintf(w, "  auto-login %s (interactive sign-ins skip the form)\n", autoLogin)
	}
	fmt.Fprintf(w, `
Point an app at it: authority/issuer %s, %s, PKCE (S256).
Auth0 SDK: domain "%s". Live events: ssokit inspect --follow %s

`, p.Issuer(), clientHint, base, base)
}

// audiences says which audiences access tokens may carry.
func audiences(cfg *config.Config) string {
	if len(cfg.APIs) == 0 {
		return "any: no apis: in the config, so access tokens carry whatever audience\n             and scopes a client asks for (client_credentials too)"
	}
	return strings.Join(cfg.Audiences(), ", ") + " (apis: in the config; others are refused)"
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
