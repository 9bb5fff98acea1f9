// Package provider implements `ssokit provider`.
package provider

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/netutil"
	"github.com/ssokit/ssokit/pkg/provider"
	"github.com/ssokit/ssokit/pkg/stack"
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
	InternalURLs  []string
	TLS           bool
	CADir         string
	MaxTenants    int

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

With --tls it serves HTTPS with a certificate from ssokit's local CA (the
one ` + "`up --tls`" + ` uses, created once in the user config dir) and the
issuer becomes https://localhost:<port>/. MSAL.js (Microsoft Entra ID) needs
this: it refuses an http authority.

Tenants: more issuers on the same listener, each with its own keys, users,
clients and sessions (an SSO session never crosses tenants). List them
under tenants: in the config; with no config any name works on first use:
http://localhost:9400/acme/ (generic), http://localhost:9400/realms/acme
(keycloak), http://localhost:9400/acme/v2.0 (entra), up to --max-tenants.
The root issuer stays the default. Events name their tenant.

Requests are answered only for the issuer's host, loopback names and IP
addresses: any other Host header is how a DNS rebinding page arrives. Allow
another name with --allowed-host NAME or allowed_hosts in the config.

In a container: bind --addr 0.0.0.0:9400 (one warning line, no refusal).
Keys that cannot persist (no HOME, a read-only cache dir) stay in memory
with a one-line notice. Browsers use the issuer (http://localhost:9400/);
other containers reach the provider by service name: --internal-url
http://ssokit:9400/ makes discovery fetched through that name point token,
userinfo, JWKS, revocation and introspection at it, while authorization and
logout stay on the issuer and every token keeps the issuer as iss.

Every flag that matters in CI also reads an environment variable, named in
brackets after it; the flag wins.`,
		Example: `  # zero config: issuer http://localhost:9400/
  ssokit provider

  # registered clients and users from a file
  ssokit provider --config ssokit.yaml

  # CI: interactive sign-ins go straight through as alice
  ssokit provider --auto-login alice --ephemeral-keys --log-format json

  # zero config tenants: point keycloak-js at url http://localhost:9400, realm demo
  # (http://localhost:9400/realms/demo is created on first use)
  ssokit provider

  # test authorization: carol (made on the fly) signs in as an admin
  ssokit provider --auto-login carol --claims '{"https://example.com/roles": ["admin"]}'

  # another port; the issuer follows the address
  ssokit provider --addr 127.0.0.1:9500

  # in docker compose: browsers on localhost:9400, other services on ssokit:9400
  ssokit provider --addr 0.0.0.0:9400 --issuer http://localhost:9400/ --internal-url http://ssokit:9400/

  # HTTPS with the local CA (MSAL.js refuses an http authority)
  ssokit provider --tls

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
			if opts.MaxTenants < 1 {
				return cmdutil.FlagErrorf("--max-tenants %d must be at least 1", opts.MaxTenants)
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
	fl.StringArrayVar(&opts.InternalURLs, "internal-url", nil, "the provider's base `URL` as other containers reach it (http://ssokit:9400/): discovery through it names back-channel endpoints on it; iss stays the issuer (repeatable)")
	fl.BoolVar(&opts.TLS, "tls", false, "serve HTTPS with a certificate from ssokit's local CA (created once in the user config dir; trust it, see HTTPS in the README); the default issuer becomes https://")
	fl.StringVar(&opts.CADir, "ca-dir", "", "with --tls: the local CA's directory (default: the user config dir's ssokit/tls)")
	fl.IntVar(&opts.MaxTenants, "max-tenants", provider.DefaultMaxTenants, "with no config, at most this many tenants are created on first use (/{name}/…, /realms/{name}/…)")
	fl.StringArrayVar(&opts.Faults, "fault", nil, "inject a fault: key=value,… with endpoint, client_id, error, latency, clock_skew, access_token_ttl, count, for (repeatable)")
	cmdutil.BindEnv(cmd,
		"config", cmdutil.EnvConfig, "addr", cmdutil.EnvProviderAddr, "issuer", cmdutil.EnvIssuer,
		"internal-url", cmdutil.EnvInternalURL, "allowed-host", cmdutil.EnvAllowedHosts,
		"log-format", cmdutil.EnvLogFormat, "keys-dir", cmdutil.EnvKeysDir,
		"ephemeral-keys", cmdutil.EnvEphemeralKeys, "signing-alg", cmdutil.EnvSigningAlg,
		"auto-login", cmdutil.EnvAutoLogin)
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
	var tlsCfg *tls.Config
	var ca *stack.LocalCA
	if opts.TLS {
		if ca, tlsCfg, err = localTLS(opts.CADir, f.Now()); err != nil {
			return err
		}
	}
	issuer := firstNonEmpty(opts.Issuer, cfg.Issuer, IssuerFor(ln.Addr().String()))
	if opts.TLS && opts.Issuer == "" && cfg.Issuer == "" {
		issuer = "https://" + strings.TrimPrefix(issuer, "http://")
	}
	if opts.TLS && !strings.HasPrefix(issuer, "https://") {
		return cmdutil.FlagErrorf("--tls serves HTTPS but the issuer is %s; make it https:// (--issuer or issuer in the config)", issuer)
	}
	ks, err := keys.Load(keys.Options{
		Dir: firstNonEmpty(opts.KeysDir, cfg.Provider.KeysDir), Alg: cfg.Provider.SigningAlg,
		Ephemeral: opts.EphemeralKeys || cfg.Provider.EphemeralKeys, Now: f.Now, MemoryFallback: true,
	})
	if err != nil {
		return err
	}
	errOut := f.IOStreams.ErrOut
	if n := ks.Notice(); n != "" {
		fmt.Fprintf(errOut, "notice: %s\n", n)
	}
	ts, err := provider.NewTenants(provider.TenantsOptions{Options: provider.Options{
		Issuer: issuer, Config: cfg, Keys: ks, Now: f.Now, Logger: cmdutil.NewLogger(errOut, opts.LogFormat),
		AutoLogin: opts.AutoLogin, Claims: opts.Claims, AllowedHosts: append(cfg.AllowedHosts, opts.AllowedHosts...),
		InternalURLs: opts.InternalURLs,
	}, MaxTenants: opts.MaxTenants, TenantKeys: provider.PersistedTenantKeys(firstNonEmpty(opts.KeysDir, cfg.Provider.KeysDir), cfg.Provider.SigningAlg, opts.EphemeralKeys || cfg.Provider.EphemeralKeys, f.Now)})
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	defer ts.Close()
	p := ts.Root()
	cmdutil.WarnNonLoopback(errOut, addr, "provider", f.IOStreams.ColorEnabledErr())
	PrintBanner(errOut, p, cfg, ks, opts.AutoLogin)
	if opts.Claims != "" {
		fmt.Fprintf(errOut, "  claims     %s (every sign-in's tokens and userinfo)\n\n", strings.TrimSpace(opts.Claims))
	}
	if ca != nil {
		fmt.Fprintf(errOut, "  tls        certificate from the local CA %s (trust it once: see HTTPS in the README)\n\n", ca.Path)
	}
	PrintTenants(errOut, ts)
	PrintMSALHint(errOut, ts)
	srv := netutil.NewServer(ts, netutil.ServerOptions{TLS: tlsCfg})
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	return cmdutil.Serve(ctx, srv, ln)
}

// localTLS loads (or creates, the first time) the local CA in dir, the
// default one when dir is empty, and mints this run's server certificate.
func localTLS(dir string, now time.Time) (*stack.LocalCA, *tls.Config, error) {
	if dir == "" {
		d, err := stack.DefaultCADir()
		if err != nil {
			return nil, nil, err
		}
		dir = d
	}
	ca, err := stack.LoadOrCreateCA(dir, now)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := ca.ServerConfig(now)
	if err != nil {
		return nil, nil, fmt.Errorf("mint the server certificate from the local CA %s: %w", ca.Path, err)
	}
	return ca, cfg, nil
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
Dashboard: %s (sessions as sequence diagrams, tokens, actions; this machine only)

`, p.Issuer(), clientHint, base, base, provider.DashboardURL(base))
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

// PrintTenants lists the tenants, or in zero-config mode how to make one.
func PrintTenants(w io.Writer, ts *provider.Tenants) {
	list := ts.List()
	if len(list) > 0 {
		fmt.Fprintln(w, "Tenants (each its own issuer, keys, users, clients and sessions):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, t := range list {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.Name, t.Issuer, t.Profile)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if ts.Lazy() {
		fmt.Fprintf(w, `Tenants on first use (no config; up to %d): any name is an issuer of its own, e.g.
  %s  (generic, auth0)
  %s  (keycloak: url %s, realm acme)
  %s  (entra)

`, ts.MaxTenants(), ts.TenantIssuer("acme", provider.ProfileGeneric), ts.TenantIssuer("acme", provider.ProfileKeycloak),
			strings.TrimSuffix(ts.Root().Issuer(), "/"), ts.TenantIssuer("acme", provider.ProfileEntra))
	}
}

// PrintMSALHint tells an MSAL.js app what to configure for the first
// Entra tenant: its authority (the issuer without /v2.0) and
// knownAuthorities; and that MSAL needs --tls.
func PrintMSALHint(w io.Writer, ts *provider.Tenants) {
	for _, t := range ts.List() {
		if t.Profile != provider.ProfileEntra {
			continue
		}
		authority := strings.TrimSuffix(t.Issuer, "/v2.0")
		host := strings.TrimPrefix(strings.TrimPrefix(authority, "https://"), "http://")
		host, _, _ = strings.Cut(host, "/")
		fmt.Fprintf(w, "MSAL.js (tenant %s): auth: {authority: %q, knownAuthorities: [%q], clientId, redirectUri}\n", t.Name, authority, host)
		if !strings.HasPrefix(authority, "https://") {
			fmt.Fprintln(w, "  MSAL refuses an http authority: run with --tls (and serve the app over https too).")
		}
		fmt.Fprintln(w)
		return
	}
}
