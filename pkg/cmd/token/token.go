// Package token implements `ssokit token`, the token toolkit.
package token

import (
	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmd/token/decode"
	"github.com/ssokit/ssokit/pkg/cmd/token/get"
	"github.com/ssokit/ssokit/pkg/cmd/token/mint"
	"github.com/ssokit/ssokit/pkg/cmd/token/verify"
	"github.com/ssokit/ssokit/pkg/cmdutil"
)

// NewCmdToken returns `ssokit token` with its verbs.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token <command>",
		Short: "Decode, verify, mint and fetch JWTs",
		Long: `Read tokens the way you debug them: decode shows every claim with its meaning
and every date as local time and relative ("expires in 4m12s"); verify checks
signature, algorithm, and claims with one-line reasons; mint signs test tokens
with the local provider's keys; get runs a real grant against any provider.`,
		Example: `  ssokit token decode eyJhbGciOi...
  pbpaste | ssokit token verify --issuer http://localhost:9400/
  ssokit token mint --sub alice --aud api --exp 10m | ssokit token decode
  ssokit token get --issuer http://localhost:9400/ --client-id cli`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		decode.NewCmdDecode(f, nil),
		verify.NewCmdVerify(f, nil),
		mint.NewCmdMint(f, nil),
		get.NewCmdGet(f, nil),
	)
	return cmd
}
