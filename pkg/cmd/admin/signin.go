package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/provider"
	"github.com/ssokit/ssokit/pkg/token"
)

// SignInOptions are the inputs of `admin signin`.
type SignInOptions struct {
	*Options
	User         string
	Claims       []string
	ClaimsFile   string
	StorageState string
	Issuer       string
}

// NewCmdSignIn returns `ssokit admin signin`.
func NewCmdSignIn(o *Options, runF func(*SignInOptions) error) *cobra.Command {
	opts := &SignInOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "signin USER [--storage-state FILE]",
		Short: "Sign a browser in without the form: session cookies and a Playwright storageState",
		Long: `Create an SSO session for USER, as the login form would, and print its
cookies as a Playwright storageState document (or write it to --storage-state
FILE, mode 0600: it holds a live session). A browser context started from it
is signed in at the provider, so every app then signs in silently, exactly as
for a real user — SDKs keep their tokens in memory or sessionStorage, which
no storageState can carry, but the provider's session cookie it can.

--claim and --claims add claims to every token issued through the session
and to userinfo (reserved names such as sub or iss are refused).`,
		Example: `  # Playwright: test.use({ storageState: '.auth/alice.json' })
  ssokit admin signin alice --storage-state .auth/alice.json

  # with extra claims
  ssokit admin signin bob --claim roles='["admin"]' --claim tenant=acme --storage-state .auth/bob.json

  # the Set-Cookie values and the sid, for other tools
  ssokit admin signin alice --json | jq -r '.set_cookie[]'`,
		Args: cmdutil.ExactArgs(1, "a username (see `ssokit admin users list`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if runF != nil {
				return runF(opts)
			}
			return signInRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Claims, "claim", nil, "extra claim `name=value` (repeatable; JSON values allowed)")
	fl.StringVar(&opts.ClaimsFile, "claims", "", "JSON `FILE` of extra claims")
	fl.StringVar(&opts.StorageState, "storage-state", "", "write the Playwright storageState to `FILE` (mode 0600)")
	fl.StringVar(&opts.Issuer, "issuer", "", "refuse unless the provider's issuer is exactly this `URL`")
	return cmd
}

// readClaims merges --claims FILE and --claim flags (flags win).
func readClaims(file string, flags []string) (map[string]any, error) {
	claims := map[string]any{}
	if file != "" {
		m, err := token.LoadClaimsFile(file)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--claims: %v", err)
		}
		claims = m
	}
	for _, c := range flags {
		k, v, err := token.ParseClaimFlag(c)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--claim: %v", err)
		}
		claims[k] = v
	}
	if len(claims) == 0 {
		return nil, nil
	}
	return claims, nil
}

func signInRun(ctx context.Context, opts *SignInOptions) error {
	claims, err := readClaims(opts.ClaimsFile, opts.Claims)
	if err != nil {
		return err
	}
	c, err := opts.newClient()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.call(ctx, "POST", "signin", provider.SignInRequest{User: opts.User, Claims: claims, Issuer: opts.Issuer}, &raw); err != nil {
		return err
	}
	var res provider.SignInResponse
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	if opts.StorageState != "" {
		b, _ := json.MarshalIndent(res.StorageState, "", "  ")
		if dir := filepath.Dir(opts.StorageState); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return cmdutil.FlagErrorf("--storage-state: %v", err)
			}
		}
		if err := os.WriteFile(opts.StorageState, append(b, '\n'), 0o600); err != nil {
			return cmdutil.FlagErrorf("--storage-state: %v", err)
		}
	}
	switch {
	case opts.JSON:
		return opts.printJSON(raw)
	case opts.StorageState != "":
		fmt.Fprintf(opts.IO.Out, "signed in %s (sid %s, until %s); storageState written to %s\n", res.User, res.SID, res.ExpiresAt.Local().Format(time.DateTime), opts.StorageState)
		return nil
	default:
		fmt.Fprintf(opts.IO.ErrOut, "signed in %s (sid %s, until %s)\n", res.User, res.SID, res.ExpiresAt.Local().Format(time.DateTime))
		return opts.printJSON(res.StorageState)
	}
}
