package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// MintOptions are the inputs of `admin mint`.
type MintOptions struct {
	*Options
	User       string
	ClientID   string
	Audience   string
	Scope      string
	Claims     []string
	ClaimsFile string
	Lifetime   time.Duration
	Expired    bool
	SID        string
	Print      string
}

// NewCmdMint returns `ssokit admin mint`.
func NewCmdMint(o *Options, runF func(*MintOptions) error) *cobra.Command {
	opts := &MintOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "mint [USER] [--client-id ID]",
		Short: "Mint tokens exactly as the provider issues them (ID, access, refresh)",
		Long: `Ask the running provider for tokens as its token endpoint would issue them,
signed with its keys and recorded in its store: the refresh token really
rotates, revocation and logout apply, userinfo answers for the access token.

With USER: an ID token, an access token and a refresh token (scope default
"openid profile email offline_access"), through a new session (or --sid's).
Without USER: a client token, as client_credentials issues it, for a
confidential --client-id. --claim adds claims to the tokens (and userinfo).
--lifetime sets the access and ID tokens' lifetime; --expired mints them
already expired (a minute ago) while the refresh token stays valid.

Prints the token response as JSON, or one token with --print.`,
		Example: `  # a bearer token for an API test
  curl -H "Authorization: Bearer $(ssokit admin mint alice --client-id shell --aud orders-api --print access_token)" $API

  # an expired token, to test the 401 path
  ssokit admin mint alice --client-id shell --expired --print access_token

  # a service token with permissions
  ssokit admin mint --client-id checkout-bff --aud orders-api --claim permissions='["read:orders"]'`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.User = args[0]
			}
			switch opts.Print {
			case "", "access_token", "id_token", "refresh_token":
			default:
				return cmdutil.FlagErrorf("--print must be access_token, id_token or refresh_token")
			}
			if opts.Lifetime < 0 {
				return cmdutil.FlagErrorf("--lifetime %s is negative; use --expired for expired tokens", opts.Lifetime)
			}
			if runF != nil {
				return runF(opts)
			}
			return mintRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.ClientID, "client-id", "", "the client the tokens are for (default "+provider.DefaultTestClient+" when no client is registered)")
	fl.StringVar(&opts.Audience, "aud", "", "the access token's audience (default the client id)")
	fl.StringVar(&opts.Scope, "scope", "", "space-separated scopes")
	fl.StringArrayVar(&opts.Claims, "claim", nil, "extra claim `name=value` (repeatable; JSON values allowed)")
	fl.StringVar(&opts.ClaimsFile, "claims", "", "JSON `FILE` of extra claims")
	fl.DurationVar(&opts.Lifetime, "lifetime", 0, "lifetime of the access and ID tokens (default the client's or provider's)")
	fl.BoolVar(&opts.Expired, "expired", false, "mint tokens that expired a minute ago")
	fl.StringVar(&opts.SID, "sid", "", "mint through this existing session (see `admin sessions list`)")
	fl.StringVar(&opts.Print, "print", "", "print only this token: access_token, id_token or refresh_token")
	return cmd
}

func mintRun(ctx context.Context, opts *MintOptions) error {
	claims, err := readClaims(opts.ClaimsFile, opts.Claims)
	if err != nil {
		return err
	}
	c, err := opts.newClient()
	if err != nil {
		return err
	}
	req := provider.MintRequest{User: opts.User, ClientID: opts.ClientID, Audience: opts.Audience, Scope: opts.Scope,
		Claims: claims, Lifetime: provider.Duration(opts.Lifetime), Expired: opts.Expired, SID: opts.SID}
	var raw json.RawMessage
	if err := c.call(ctx, "POST", "tokens", req, &raw); err != nil {
		return err
	}
	if opts.Print == "" {
		return opts.printJSON(raw)
	}
	var res provider.MintResponse
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	tok := map[string]string{"access_token": res.AccessToken, "id_token": res.IDToken, "refresh_token": res.RefreshToken}[opts.Print]
	if tok == "" {
		return cmdutil.FlagErrorf("the provider issued no %s for this request (an ID token needs a user and scope openid; a refresh token a user and offline_access)", opts.Print)
	}
	fmt.Fprintln(opts.IO.Out, tok)
	return nil
}
