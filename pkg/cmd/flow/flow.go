// Package flow implements `ssokit flow`, the multi-app SSO flow simulator.
package flow

import (
	"github.com/spf13/cobra"

	initcmd "github.com/ssokit/ssokit/pkg/cmd/flow/init"
	"github.com/ssokit/ssokit/pkg/cmd/flow/run"
	"github.com/ssokit/ssokit/pkg/cmdutil"
)

// NewCmdFlow returns `ssokit flow` with its verbs.
func NewCmdFlow(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flow <command>",
		Short: "Simulate single sign-on across apps, for CI",
		Long: `Check in seconds, without a browser farm, that single sign-on still holds
together across your micro-frontends: a user signs into one app, the others
authenticate silently, tokens refresh, signing out anywhere signs out
everywhere — and see which of that breaks under Safari's or Firefox's cookie
rules.

Flows run in a virtual browser that models cookies (RFC 6265bis SameSite,
Lax by default in Chrome), top-level, iframe and popup contexts, and each
browser's third-party cookie policy, against ssokit's embedded provider or any
OpenID provider (--issuer). Start with ` + "`ssokit flow init`" + `.`,
		Example: `  ssokit flow init
  ssokit flow run flows.yaml
  ssokit flow run flows.yaml --browser all`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		run.NewCmdRun(f, nil),
		initcmd.NewCmdInit(f, nil),
	)
	return cmd
}
