// Package mint implements `ssokit token mint`.
package mint

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/token"
)

// MintOptions are the inputs of `token mint`.
type MintOptions struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	ConfigFile string
	Issuer     string
	KeysDir    string
	Alg        string
	Subject    string
	Audience   []string
	Scope      string
	ClientID   string
	TTL        time.Duration
	Type       string
	Claims     []string
	ClaimsFile string
}

// NewCmdMint returns `ssokit token mint`.
func NewCmdMint(f *cmdutil.Factory, runF func(*MintOptions) error) *cobra.Command {
	opts := &MintOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "mint",
		Short: "Sign a test token with the local provider's keys",
		Long: `Sign a token with the same persisted keys "ssokit provider" uses (the user
cache dir's ssokit/keys, or --keys-dir / the config's provider.keys_dir), so
an API under development can be called without a login. The token verifies
against the running provider's JWKS and passes "ssokit token verify --issuer".

ID tokens (--type id, the default) are signed with typ "JWT" and carry
auth_time (and azp with --client-id); access tokens (--type access) follow
RFC 9068: typ "at+jwt" and client_id (--client-id, else the first --aud).
Every token has iss, sub, iat, exp and a random jti. --claim and --claims add
or override claims; --claim values that parse as JSON are used as JSON.

The token is printed on stdout, nothing else.`,
		Example: `  ssokit token mint --sub alice --aud api --scope "read write" --exp 10m
  curl -H "Authorization: Bearer $(ssokit token mint --type access --aud api)" localhost:8080/me
  ssokit token mint --claim roles='["admin"]' --claim email_verified=true
  ssokit token mint --claims claims.json --alg ES256`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.TTL <= 0 {
				return cmdutil.FlagErrorf("--exp must be a positive duration such as 10m or 1h, got %s", opts.TTL)
			}
			if opts.Type != token.TypeID && opts.Type != token.TypeAccess {
				return cmdutil.FlagErrorf("--type must be id or access, got %q", opts.Type)
			}
			if runF != nil {
				return runF(opts)
			}
			return mintRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.ConfigFile, "config", "", "take issuer, signing_alg and keys_dir from this ssokit.yaml")
	fl.StringVar(&opts.Issuer, "issuer", "", "iss claim (default: the config's issuer or "+config.DefaultIssuer+")")
	fl.StringVar(&opts.KeysDir, "keys-dir", "", "directory of the provider's persisted keys (default: user cache dir/ssokit/keys)")
	fl.StringVar(&opts.Alg, "alg", "", "signing algorithm: RS256 (default) or ES256")
	fl.StringVar(&opts.Subject, "sub", "alice", "sub claim")
	fl.StringArrayVar(&opts.Audience, "aud", nil, "aud claim (repeatable)")
	fl.StringVar(&opts.Scope, "scope", "", "scope claim, space-separated")
	fl.StringVar(&opts.ClientID, "client-id", "", "client_id (access) or azp (id) claim")
	fl.DurationVar(&opts.TTL, "exp", time.Hour, "lifetime: exp = now + this")
	fl.StringVar(&opts.Type, "type", token.TypeID, "token type: id or access")
	fl.StringArrayVar(&opts.Claims, "claim", nil, "extra claim `name=value` (repeatable; JSON values allowed)")
	fl.StringVar(&opts.ClaimsFile, "claims", "", "JSON `FILE` of extra claims")
	return cmd
}

func mintRun(opts *MintOptions) error {
	issuer, alg, dir := opts.Issuer, opts.Alg, opts.KeysDir
	if opts.ConfigFile != "" {
		cfg, err := config.Load(opts.ConfigFile)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		issuer = firstNonEmpty(issuer, cfg.IssuerOrDefault())
		alg = firstNonEmpty(alg, cfg.Provider.SigningAlg)
		dir = firstNonEmpty(dir, cfg.Provider.KeysDir)
	}
	issuer = firstNonEmpty(issuer, config.DefaultIssuer)

	extra := map[string]any{}
	if opts.ClaimsFile != "" {
		m, err := token.LoadClaimsFile(opts.ClaimsFile)
		if err != nil {
			return cmdutil.FlagErrorf("--claims: %w", err)
		}
		extra = m
	}
	for _, c := range opts.Claims {
		k, v, err := token.ParseClaimFlag(c)
		if err != nil {
			return cmdutil.FlagErrorf("--claim: %v", err)
		}
		extra[k] = v
	}
	claims, typ, err := token.MintClaims(token.MintOptions{
		Issuer: issuer, Subject: opts.Subject, Audience: opts.Audience, Scope: opts.Scope,
		ClientID: opts.ClientID, TTL: opts.TTL, Type: opts.Type, Extra: extra, Now: opts.Now,
	})
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	set, err := keys.Load(keys.Options{Dir: dir, Alg: alg, Now: opts.Now})
	if err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("loading signing keys: %w", err)}
	}
	raw, err := set.Sign(claims, typ)
	if err != nil {
		return err
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "minted %s token for %q, %s, kid %q, expires in %s\n",
			opts.Type, opts.Subject, set.Alg(), set.ActiveKID(), token.HumanDuration(opts.TTL))
	}
	_, err = fmt.Fprintln(opts.IO.Out, raw)
	return err
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
