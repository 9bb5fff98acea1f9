package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// NewCmdSessions returns `ssokit admin sessions`.
func NewCmdSessions(opts *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions <command>",
		Short: "List and end SSO sessions",
		Example: `  ssokit admin sessions list
  ssokit admin sessions end 3q2-Vx8mPzQ
  ssokit admin sessions end --all`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(NewCmdSessionsList(opts, nil), NewCmdSessionsEnd(opts, nil))
	return cmd
}

// SessionsListOptions are the inputs of `admin sessions list`.
type SessionsListOptions struct{ *Options }

// NewCmdSessionsList returns `ssokit admin sessions list`.
func NewCmdSessionsList(o *Options, runF func(*SessionsListOptions) error) *cobra.Command {
	opts := &SessionsListOptions{Options: o}
	return &cobra.Command{
		Use:   "list",
		Short: "List the live SSO sessions: user, sid, clients, expiry, extra claims",
		Example: `  ssokit admin sessions list
  ssokit admin sessions list --json | jq -r '.[].sid'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return sessionsListRun(cmd.Context(), opts)
		},
	}
}

func sessionsListRun(ctx context.Context, opts *SessionsListOptions) error {
	raw, printed, err := opts.fetch(ctx, "GET", "sessions", nil)
	if printed || err != nil {
		return err
	}
	var ss []provider.SessionInfo
	if err := json.Unmarshal(raw, &ss); err != nil {
		return err
	}
	if len(ss) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no live sessions")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tSID\tVIA\tCLIENTS\tEXPIRES\tCLAIMS")
	for _, s := range ss {
		claims := ""
		if len(s.Claims) > 0 {
			b, _ := json.Marshal(s.Claims)
			claims = string(b)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.User, s.SID, s.Via, orDash(strings.Join(s.Clients, ",")), s.ExpiresAt.Local().Format(time.DateTime), claims)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// SessionsEndOptions are the inputs of `admin sessions end`.
type SessionsEndOptions struct {
	*Options
	SIDs []string
	All  bool
}

// NewCmdSessionsEnd returns `ssokit admin sessions end`.
func NewCmdSessionsEnd(o *Options, runF func(*SessionsEndOptions) error) *cobra.Command {
	opts := &SessionsEndOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "end {SID... | --all}",
		Short: "End sessions as a logout would (refresh tokens revoked, clients notified)",
		Long: `End SSO sessions by sid (see "sessions list"), or every one with --all. As
with a logout, the session's refresh tokens are revoked and its clients get
their front- and back-channel logout notifications.`,
		Example: `  ssokit admin sessions end 3q2-Vx8mPzQ
  ssokit admin sessions end --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SIDs = args
			if opts.All == (len(args) > 0) {
				return cmdutil.FlagErrorf("give session ids (see `ssokit admin sessions list`) or --all, not both or neither")
			}
			if runF != nil {
				return runF(opts)
			}
			return sessionsEndRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "end every session")
	return cmd
}

func sessionsEndRun(ctx context.Context, opts *SessionsEndOptions) error {
	c, err := opts.newClient()
	if err != nil {
		return err
	}
	if opts.All {
		var out struct {
			Ended int `json:"ended"`
		}
		if err := c.call(ctx, "DELETE", "sessions", nil, &out); err != nil {
			return err
		}
		if opts.JSON {
			return opts.printJSON(out)
		}
		fmt.Fprintf(opts.IO.Out, "ended %d session(s)\n", out.Ended)
		return nil
	}
	var firstErr error
	ended := []string{}
	for _, sid := range opts.SIDs {
		if err := c.call(ctx, "DELETE", "sessions/"+url.PathEscape(sid), nil, nil); err != nil {
			if !isAPIError(err) {
				return err
			}
			fmt.Fprintf(opts.IO.ErrOut, "error: %v\n", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		ended = append(ended, sid)
		if !opts.JSON {
			fmt.Fprintf(opts.IO.Out, "ended session %s\n", sid)
		}
	}
	if opts.JSON {
		if err := opts.printJSON(map[string][]string{"ended": ended}); err != nil {
			return err
		}
	}
	if firstErr != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage}
	}
	return nil
}
