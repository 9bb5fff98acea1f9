// Package completion implements `ssokit completion`.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
)

// NewCmdCompletion returns `ssokit completion bash|zsh|fish|powershell`.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Example: `  # bash, for this shell
  source <(ssokit completion bash)

  # zsh, installed once
  ssokit completion zsh > "${fpath[1]}/_ssokit"`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cmdutil.ExactArgs(1, "one shell: bash, zsh, fish or powershell"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := f.IOStreams.Out
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return cmdutil.FlagErrorf("unknown shell %q; use bash, zsh, fish or powershell", args[0])
		},
	}
}
