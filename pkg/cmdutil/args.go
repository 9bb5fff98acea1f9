package cmdutil

import (
	"github.com/spf13/cobra"
)

// NoArgs refuses positional arguments with a usage error (exit 2).
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("%q takes no arguments, got %q; see %q", cmd.CommandPath(), args, cmd.CommandPath()+" --help")
	}
	return nil
}

// MaximumNArgs allows at most n positional arguments.
func MaximumNArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return FlagErrorf("%q takes at most %d argument(s), got %d; see %q", cmd.CommandPath(), n, len(args), cmd.CommandPath()+" --help")
		}
		return nil
	}
}

// ExactArgs requires exactly n positional arguments; what names them in the message.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return FlagErrorf("%q needs %s; see %q", cmd.CommandPath(), what, cmd.CommandPath()+" --help")
		}
		return nil
	}
}
