package completion

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/scaffold"
)

// Register attaches shell completion for values ssokit knows to the
// command tree under root: template names for `new`, flow files and
// browser profiles for `flow run`, and the fixed values of flags such as
// --print, --signing-alg and --log-format. It lives in one place so the
// commands stay free of it, and walks the tree by name so no command
// imports another; a command or flag that is not there is skipped.
func Register(root *cobra.Command, f *cmdutil.Factory) {
	if c := find(root, "new"); c != nil {
		c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveFilterDirs // [DIR]
			}
			return templates(f, toComplete), cobra.ShellCompDirectiveNoFileComp
		}
	}
	if c := find(root, "flow", "run"); c != nil {
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		}
		values(c, "browser", append(browser.ProfileNames(), "all")...)
	}
	if c := find(root, "flow", "init"); c != nil {
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	if c := find(root, "token", "get"); c != nil {
		values(c, "print", "access_token", "id_token", "refresh_token")
	}
	if c := find(root, "token", "mint"); c != nil {
		values(c, "type", "id", "access")
		values(c, "alg", "RS256", "ES256")
	}
	if c := find(root, "provider"); c != nil {
		values(c, "signing-alg", "RS256", "ES256")
		values(c, "same-site", "lax", "strict", "none")
		values(c, "log-format", "text", "json")
	}
	if c := find(root, "up"); c != nil {
		values(c, "log-format", "text", "json", "none")
	}
}

// find returns the command at path under root, or nil.
func find(root *cobra.Command, path ...string) *cobra.Command {
	c, rest, err := root.Find(path)
	if err != nil || len(rest) > 0 || c == root {
		return nil
	}
	return c
}

// values completes flag name of c with a fixed list (no files).
func values(c *cobra.Command, name string, vs ...string) {
	if c.Flags().Lookup(name) == nil {
		return
	}
	_ = c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(vs, cobra.ShellCompDirectiveNoFileComp))
}

// templates lists the template names starting with prefix, each with its
// description (shown by zsh and fish).
func templates(f *cmdutil.Factory, prefix string) []cobra.Completion {
	if f.Templates == nil {
		return nil
	}
	list, err := scaffold.List(f.Templates)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, t := range list {
		if strings.HasPrefix(t.Name, prefix) {
			out = append(out, cobra.CompletionWithDesc(t.Name, t.Description))
		}
	}
	return out
}
