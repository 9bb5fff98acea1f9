package admin

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// NewCmdClients returns `ssokit admin clients`.
func NewCmdClients(opts *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clients <command>",
		Short: "List, add and remove clients at run time (reset brings the config's back)",
		Example: `  ssokit admin clients list
  ssokit admin clients add web --redirect-uri http://localhost:5173/callback --web-origin http://localhost:5173
  ssokit admin clients rm web`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(NewCmdClientsList(opts, nil), NewCmdClientsAdd(opts, nil), NewCmdClientsRm(opts, nil))
	return cmd
}

// ClientsListOptions are the inputs of `admin clients list`.
type ClientsListOptions struct{ *Options }

// NewCmdClientsList returns `ssokit admin clients list`.
func NewCmdClientsList(o *Options, runF func(*ClientsListOptions) error) *cobra.Command {
	opts := &ClientsListOptions{Options: o}
	return &cobra.Command{
		Use:     "list",
		Short:   "List the registered clients (secrets are never shown)",
		Example: `  ssokit admin clients list --json`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			raw, printed, err := opts.fetch(cmd.Context(), "GET", "clients", nil)
			if printed || err != nil {
				return err
			}
			var cs []provider.ClientInfo
			if err := json.Unmarshal(raw, &cs); err != nil {
				return err
			}
			if len(cs) == 0 {
				fmt.Fprintln(opts.IO.ErrOut, "no clients registered: zero-config mode accepts any client_id with loopback redirect URIs")
				return nil
			}
			tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CLIENT_ID\tTYPE\tSOURCE\tREDIRECT_URIS")
			for _, c := range cs {
				typ := "public"
				if c.Confidential {
					typ = "confidential"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ClientID, typ, c.Source, orDash(strings.Join(c.RedirectURIs, " ")))
			}
			return tw.Flush()
		},
	}
}

// ClientsAddOptions are the inputs of `admin clients add`.
type ClientsAddOptions struct {
	*Options
	Req                          provider.ClientRequest
	AccessTTL, IDTTL, RefreshTTL time.Duration
	ReuseInterval                time.Duration
}

// NewCmdClientsAdd returns `ssokit admin clients add`.
func NewCmdClientsAdd(o *Options, runF func(*ClientsAddOptions) error) *cobra.Command {
	opts := &ClientsAddOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "add CLIENT_ID --redirect-uri URL... [--secret S]",
		Short: "Register a client, or replace the one of that id, until reset",
		Long: `Register a client with the running provider, or replace the client of that
id (a configured one too), until "ssokit admin reset". It is checked as
ssokit.yaml's clients are: a public client needs a redirect URI, URIs are
absolute without fragments, web origins are scheme://host[:port]. With
--secret it is confidential. A zero-config provider stays zero-config: other
client ids are still accepted.`,
		Example: `  ssokit admin clients add web --redirect-uri http://localhost:5173/callback --web-origin http://localhost:5173
  ssokit admin clients add reports-bff --secret dev-secret --redirect-uri http://localhost:9000/reports/_ssokit/callback`,
		Args: cmdutil.ExactArgs(1, "a client id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Req.ClientID = args[0]
			opts.Req.Tokens = provider.ClientLifetimes{AccessToken: provider.Duration(opts.AccessTTL), IDToken: provider.Duration(opts.IDTTL), RefreshToken: provider.Duration(opts.RefreshTTL), RefreshReuseInterval: provider.Duration(opts.ReuseInterval)}
			if runF != nil {
				return runF(opts)
			}
			_, printed, err := opts.fetch(cmd.Context(), "POST", "clients", opts.Req)
			if printed || err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.Out, "added client %s\n", opts.Req.ClientID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Req.Secret, "secret", "", "client secret (makes it confidential)")
	fl.StringArrayVar(&opts.Req.RedirectURIs, "redirect-uri", nil, "redirect `URI` (repeatable)")
	fl.StringArrayVar(&opts.Req.PostLogoutRedirectURIs, "post-logout-redirect-uri", nil, "post-logout redirect `URI` (repeatable)")
	fl.StringArrayVar(&opts.Req.WebOrigins, "web-origin", nil, "web `origin` for CORS and web_message (repeatable)")
	fl.StringVar(&opts.Req.FrontchannelLogoutURI, "frontchannel-logout-uri", "", "front-channel logout `URI`")
	fl.StringVar(&opts.Req.BackchannelLogoutURI, "backchannel-logout-uri", "", "back-channel logout `URI`")
	fl.DurationVar(&opts.AccessTTL, "access-token-ttl", 0, "access token lifetime (default the provider's)")
	fl.DurationVar(&opts.IDTTL, "id-token-ttl", 0, "ID token lifetime (default the provider's)")
	fl.DurationVar(&opts.RefreshTTL, "refresh-token-ttl", 0, "refresh token lifetime (default the provider's)")
	fl.DurationVar(&opts.ReuseInterval, "refresh-reuse-interval", 0, "how long a just-rotated refresh token may come back (tabs racing; at most 5m)")
	return cmd
}

// ClientsRmOptions are the inputs of `admin clients rm`.
type ClientsRmOptions struct {
	*Options
	ClientIDs []string
}

// NewCmdClientsRm returns `ssokit admin clients rm`.
func NewCmdClientsRm(o *Options, runF func(*ClientsRmOptions) error) *cobra.Command {
	opts := &ClientsRmOptions{Options: o}
	return &cobra.Command{
		Use:     "rm CLIENT_ID...",
		Short:   "Unregister clients until reset",
		Example: `  ssokit admin clients rm web`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("%q needs at least one client id", cmd.CommandPath())
			}
			opts.ClientIDs = args
			if runF != nil {
				return runF(opts)
			}
			return removeEach(cmd.Context(), opts.Options, "clients", "client", opts.ClientIDs)
		},
	}
}
