package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// NewCmdUsers returns `ssokit admin users`.
func NewCmdUsers(opts *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users <command>",
		Short: "List, add and remove users at run time (reset brings the config's back)",
		Example: `  ssokit admin users list
  ssokit admin users add carol --password secret --claim email=carol@example.com
  ssokit admin users rm carol`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(NewCmdUsersList(opts, nil), NewCmdUsersAdd(opts, nil), NewCmdUsersRm(opts, nil))
	return cmd
}

// UsersListOptions are the inputs of `admin users list`.
type UsersListOptions struct{ *Options }

// NewCmdUsersList returns `ssokit admin users list`.
func NewCmdUsersList(o *Options, runF func(*UsersListOptions) error) *cobra.Command {
	opts := &UsersListOptions{Options: o}
	return &cobra.Command{
		Use:     "list",
		Short:   "List the users with their claims and where they came from",
		Example: `  ssokit admin users list --json`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			raw, printed, err := opts.fetch(cmd.Context(), "GET", "users", nil)
			if printed || err != nil {
				return err
			}
			var us []provider.UserInfo
			if err := json.Unmarshal(raw, &us); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USERNAME\tSOURCE\tPASSWORD\tCLAIMS")
			for _, u := range us {
				pw := "any"
				if u.PasswordSet {
					pw = "set"
				}
				b, _ := json.Marshal(u.Claims)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.Source, pw, b)
			}
			return tw.Flush()
		},
	}
}

// UsersAddOptions are the inputs of `admin users add`.
type UsersAddOptions struct {
	*Options
	Username   string
	Password   string
	Claims     []string
	ClaimsFile string
}

// NewCmdUsersAdd returns `ssokit admin users add`.
func NewCmdUsersAdd(o *Options, runF func(*UsersAddOptions) error) *cobra.Command {
	opts := &UsersAddOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "add USERNAME [--claim name=value]... [--password P]",
		Short: "Add a user, or replace the one of that name, until reset",
		Long: `Add a user to the running provider, or replace the user of that name (a
configured one too), until "ssokit admin reset". Without --password any
password signs in, as for ssokit.yaml's users.`,
		Example: `  ssokit admin users add carol --claim email=carol@example.com --claim roles='["editor"]'`,
		Args:    cmdutil.ExactArgs(1, "a username"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Username = args[0]
			if runF != nil {
				return runF(opts)
			}
			claims, err := readClaims(opts.ClaimsFile, opts.Claims)
			if err != nil {
				return err
			}
			_, printed, err := opts.fetch(cmd.Context(), "POST", "users", provider.UserRequest{Username: opts.Username, Password: opts.Password, Claims: claims})
			if printed || err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.Out, "added user %s\n", opts.Username)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Password, "password", "", "the user's password (default: any password signs in)")
	fl.StringArrayVar(&opts.Claims, "claim", nil, "claim `name=value` (repeatable; JSON values allowed)")
	fl.StringVar(&opts.ClaimsFile, "claims", "", "JSON `FILE` of claims")
	return cmd
}

// UsersRmOptions are the inputs of `admin users rm`.
type UsersRmOptions struct {
	*Options
	Usernames []string
}

// NewCmdUsersRm returns `ssokit admin users rm`.
func NewCmdUsersRm(o *Options, runF func(*UsersRmOptions) error) *cobra.Command {
	opts := &UsersRmOptions{Options: o}
	return &cobra.Command{
		Use:     "rm USERNAME...",
		Short:   "Remove users until reset; their sessions end",
		Example: `  ssokit admin users rm carol dave`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("%q needs at least one username", cmd.CommandPath())
			}
			opts.Usernames = args
			if runF != nil {
				return runF(opts)
			}
			return removeEach(cmd.Context(), opts.Options, "users", "user", opts.Usernames)
		},
	}
}

// removeEach DELETEs noun/name for every name, going on after a refusal.
func removeEach(ctx context.Context, opts *Options, noun, what string, names []string) error {
	c, err := opts.newClient()
	if err != nil {
		return err
	}
	var refused error
	removed := []json.RawMessage{}
	for _, n := range names {
		var raw json.RawMessage
		if err := c.call(ctx, "DELETE", noun+"/"+url.PathEscape(n), nil, &raw); err != nil {
			if !isAPIError(err) {
				return err
			}
			fmt.Fprintf(opts.IO.ErrOut, "error: %v\n", err)
			refused = err
			continue
		}
		removed = append(removed, raw)
		if !opts.JSON {
			fmt.Fprintf(opts.IO.Out, "removed %s %s\n", what, n)
		}
	}
	if opts.JSON {
		if err := opts.printJSON(removed); err != nil {
			return err
		}
	}
	if refused != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage}
	}
	return nil
}
