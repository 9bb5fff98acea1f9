// Package root assembles ssokit's command tree.
package root

import (
	"github.com/spf13/cobra"

	admincmd "github.com/ssokit/ssokit/pkg/cmd/admin"
	"github.com/ssokit/ssokit/pkg/cmd/completion"
	flowcmd "github.com/ssokit/ssokit/pkg/cmd/flow"
	inspectcmd "github.com/ssokit/ssokit/pkg/cmd/inspect"
	newcmd "github.com/ssokit/ssokit/pkg/cmd/new"
	"github.com/ssokit/ssokit/pkg/cmd/provider"
	proxycmd "github.com/ssokit/ssokit/pkg/cmd/proxy"
	tokencmd "github.com/ssokit/ssokit/pkg/cmd/token"
	"github.com/ssokit/ssokit/pkg/cmd/up"
	"github.com/ssokit/ssokit/pkg/cmd/version"
	"github.com/ssokit/ssokit/pkg/cmdutil"
)

// NewCmdRoot returns the `ssokit` command with every subcommand attached.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ssokit <command> [flags]",
		Short: "A complete local single-sign-on stack for micro-frontends",
		Long: `ssokit gives people who build micro-frontends a whole local single-sign-on stack
in one binary: an OpenID Connect provider, a path-routing dev proxy, scaffolds
with working silent-auth wiring, a token toolkit with a live TUI, and a
multi-app SSO flow simulator for CI. Sign in once, be signed in everywhere,
on your laptop and in CI.`,
		Example: `  # run a local OpenID Connect provider on http://localhost:9400/
  ssokit provider

  # point any OIDC client at it: issuer http://localhost:9400/, users alice and bob
  curl http://localhost:9400/.well-known/openid-configuration`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	cmdutil.Group(cmd)
	cmd.SetHelpCommand(cmdutil.NewCmdHelp())
	// --version prints exactly what `ssokit version` prints.
	cmd.SetVersionTemplate("ssokit {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: cmdutil.FlagValueError(err)}
	})
	cmd.AddCommand(
		provider.NewCmdProvider(f, nil),
		proxycmd.NewCmdProxy(f, nil),
		tokencmd.NewCmdToken(f),
		inspectcmd.NewCmdInspect(f, nil),
		flowcmd.NewCmdFlow(f),
		newcmd.NewCmdNew(f, nil),
		up.NewCmdUp(f, nil),
		admincmd.NewCmdAdmin(f),
		version.NewCmdVersion(f),
		completion.NewCmdCompletion(f),
	)
	completion.Register(cmd, f)
	return cmd
}
