package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Group makes cmd a command group (root, `flow`, `token`): run bare, it
// prints its help and exits 0; run with a word that is not one of its
// verbs, it is a usage error (exit 2) that suggests the nearest verbs.
// Without it cobra prints the help of a non-root group and exits 0, so a
// CI job running `ssokit flow rn` would pass green.
func Group(cmd *cobra.Command) {
	cmd.Args = unknownSubcommand
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	// A group is runnable only to catch mistakes; its usage stays
	// "ssokit flow [command]", without a second, runnable-looking line.
	cmd.SetUsageTemplate(strings.Replace(cmd.UsageTemplate(), "{{if .Runnable}}", "{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
}

// UnknownCommandError is a word that names no verb of a group.
type UnknownCommandError struct {
	Name        string // what was typed
	Group       string // the group's command path
	Suggestions []string
}

func (e *UnknownCommandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown command %q for %q", e.Name, e.Group)
	if len(e.Suggestions) > 0 {
		b.WriteString("\n\nDid you mean this?\n")
		for _, s := range e.Suggestions {
			fmt.Fprintf(&b, "\t%s\n", s)
		}
	}
	fmt.Fprintf(&b, "\nRun '%s --help' for usage.", e.Group)
	return b.String()
}

func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, applied only on its own path
	}
	return &FlagError{Err: &UnknownCommandError{Name: args[0], Group: cmd.CommandPath(), Suggestions: cmd.SuggestionsFor(args[0])}}
}

// NewCmdHelp replaces cobra's help command, which shows the root's help
// and exits 0 for a topic it does not know: `ssokit help provder` is a
// usage error (exit 2) with the same suggestions as `ssokit provder`.
func NewCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range target.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target := c.Root()
			for i, name := range args {
				next, _, err := target.Find([]string{name})
				if err != nil || next == target {
					if target.SuggestionsMinimumDistance <= 0 {
						target.SuggestionsMinimumDistance = 2
					}
					return &FlagError{Err: &UnknownCommandError{Name: args[i], Group: target.CommandPath(), Suggestions: target.SuggestionsFor(name)}}
				}
				target = next
			}
			return target.Help()
		},
	}
}
