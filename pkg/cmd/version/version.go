// Package version implements `ssokit version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
)

// NewCmdVersion returns `ssokit version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ssokit's version, commit and build date",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IOStreams.Out, "ssokit %s\n", f.Version)
			return err
		},
	}
}
