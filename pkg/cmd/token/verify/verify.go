// Package verify implements `ssokit token verify`.
package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmd/token/shared"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/token"
)

// VerifyOptions are the inputs of `token verify`.
type VerifyOptions struct {
	IO   *iostreams.IOStreams
	Now  func() time.Time
	HTTP *http.Client

	Raw string

	Keys cmdutil.KeyFlags // --issuer, --jwks, --key, --secret, --cacert, --leeway

	Audience   string
	Issuer     string
	Nonce      string
	Require    []string
	Timeout    time.Duration
	AllowNoExp bool
	JSON       bool
	Verbose    bool
}

// NewCmdVerify returns `ssokit token verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "verify [JWT|-] (--issuer URL | --jwks URL|FILE | --key FILE | --secret S)",
		Short: "Verify a token's signature and claims",
		Long: `Verify a JWT and say, in one line, why it is or is not valid.

Keys come from exactly one of:
  --issuer URL   discovery (URL/.well-known/openid-configuration) then its
                 jwks_uri; the token's iss must then equal that issuer
  --jwks URL|FILE  a JWK set over HTTP(S) or from a file
  --key FILE     a public key, certificate or private key (PEM), or a JWK
  --secret S     an HMAC shared secret

Checks, in order:
  crit        any "crit" header is refused (no JWS extensions are implemented)
  alg         must be in the allow-list derived from the key: RSA → RS*/PS*,
              EC → the ES* of its curve, Ed25519 → EdDSA, secret → HS*; a JWK's
              "alg" narrows it to one. Never "none"; never HMAC with an
              asymmetric key (the key-confusion attack)
  key         chosen by the token's kid; an unknown kid lists the known ones
  signature   verified with go-jose
  exp, nbf, iat  with --leeway for clock skew (default 60s); a token
              without exp is invalid unless --allow-no-exp (ID, access and
              logout tokens must expire)
  iss, aud, nonce, required claims  when asked for; a token from another
              issuer than --issuer says so before any key is looked up

Exit status: 0 valid; 1 invalid, with the reason on one line; 2 bad usage,
malformed or unreadable input, or an issuer/JWKS that cannot be fetched (a
network error is never reported as an invalid token).`,
		Example: `  ssokit token verify --issuer http://localhost:9400/ "$TOKEN"
  pbpaste | ssokit token verify --jwks jwks.json --aud api
  ssokit token verify --key public.pem --require sid --leeway 0s "$TOKEN"
  ssokit token verify --secret "$HS256_SECRET" --json "$TOKEN" | jq '.checks'`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Keys.Sources() != 1 {
				return cmdutil.FlagErrorf("give exactly one key source: --issuer, --jwks, --key or --secret")
			}
			if opts.Keys.Leeway < 0 {
				return cmdutil.FlagErrorf("--leeway must not be negative")
			}
			var err error
			raw, err := shared.ReadToken(opts.IO, args)
			if err != nil {
				return err
			}
			opts.Raw = raw
			if opts.HTTP, err = cmdutil.EnsureHTTPClient(opts.HTTP, opts.Keys.CACert, opts.Timeout); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.Keys.Register(fl, cmdutil.KeyFlagUsage{
		Issuer: "fetch keys via this issuer's discovery document; iss must match",
		JWKS:   "JWK set `URL or FILE`",
		Key:    "public key, certificate or JWK `FILE`",
		Secret: "HMAC shared `secret`",
	})
	fl.StringVar(&opts.Audience, "aud", "", "require this audience in aud")
	fl.StringVar(&opts.Issuer, "iss", "", "require this exact iss (overrides the one from --issuer)")
	fl.StringVar(&opts.Nonce, "nonce", "", "require this nonce")
	fl.StringArrayVar(&opts.Require, "require", nil, "require this `claim` to be present (repeatable)")
	fl.DurationVar(&opts.Timeout, "timeout", token.DefaultFetchTimeout, "timeout for discovery and JWKS requests")
	fl.BoolVar(&opts.AllowNoExp, "allow-no-exp", false, "accept a token without exp (ID, access and logout tokens must have one)")
	fl.BoolVar(&opts.JSON, "json", false, "report every check as JSON")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "list every check")
	cmdutil.BindEnvExclusive(cmd, []string{"issuer", "jwks", "key", "secret"},
		"issuer", cmdutil.EnvIssuer, "secret", cmdutil.EnvSecret)
	return cmd
}

func verifyRun(ctx context.Context, opts *VerifyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// Decode first: a malformed token is an input error even when the
	// issuer is down.
	u, err := token.Decode(opts.Raw)
	if err != nil {
		return shared.InputError(err)
	}
	// A secret too short for the token's algorithm cannot verify anything:
	// bad input (exit 2), not an invalid token.
	if n := token.MinHMACKeyLen(u.Alg()); opts.Keys.Secret != "" && len(opts.Keys.Secret) < n {
		return cmdutil.FlagErrorf("--secret is %d bytes; %s needs at least %d (RFC 7518 §3.2)", len(opts.Keys.Secret), u.Alg(), n)
	}
	keys, err := token.ResolveKeys(opts.Keys.Source(), opts.HTTP)
	if err != nil {
		return shared.KeySourceError(opts.Keys.Flag(), err)
	}
	res, err := keys.Verify(ctx, opts.Raw, token.VerifyOptions{
		Now: opts.Now, Leeway: opts.Keys.Leeway, RequireExp: !opts.AllowNoExp,
		Issuer: opts.Issuer, Audience: opts.Audience, Nonce: opts.Nonce, Require: opts.Require,
	})
	if err != nil {
		return shared.KeySourceError(opts.Keys.Flag(), err)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		out := struct {
			*token.Result
			Header map[string]any `json:"header"`
			Claims map[string]any `json:"claims"`
		}{res, res.Token.Header, res.Token.Claims}
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printHuman(opts, res)
	}
	if !res.Valid {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure}
	}
	return nil
}

func printHuman(opts *VerifyOptions, res *token.Result) {
	s := shared.Style{On: opts.IO.ColorEnabled()}
	w := opts.IO.Out
	if res.Valid {
		var exp string
		for _, c := range res.Checks {
			if c.Name == "exp" {
				exp = "; " + c.Detail
			}
		}
		kid := ""
		if res.KeyID != "" {
			kid = fmt.Sprintf(" by kid %q", res.KeyID)
		}
		fmt.Fprintf(w, "%s: %s signature%s%s\n", s.Green("valid"), res.Alg, kid, exp)
	} else {
		fmt.Fprintf(w, "%s: %s\n", s.Red("invalid"), token.Printable(res.Reason))
	}
	if opts.Verbose {
		for _, c := range res.Checks {
			mark := s.Green("✓")
			if !c.OK {
				mark = s.Red("✗")
			}
			fmt.Fprintf(w, "  %s %s %s\n", mark, shared.Pad(c.Name, 9), token.Printable(c.Detail))
		}
	}
}
