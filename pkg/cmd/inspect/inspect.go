// Package inspect implements `ssokit inspect`, the TUI token debugger.
package inspect

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/token"
	tui "github.com/ssokit/ssokit/pkg/tui/inspect"
)

// InspectOptions are the inputs of `ssokit inspect`.
type InspectOptions struct {
	IO   *iostreams.IOStreams
	Now  func() time.Time
	HTTP *http.Client

	Args   []string
	Follow string
	Keys   cmdutil.KeyFlags
}

// NewCmdInspect returns `ssokit inspect`.
func NewCmdInspect(f *cmdutil.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "inspect [JWT|FILE]... [--follow URL]",
		Short: "Browse and verify tokens in a live two-pane TUI",
		Long: `A terminal token debugger. The left pane lists tokens (client, user, type,
issue time, a live expiry countdown, verification status), grouped by SSO
session (sid); the right pane shows the selected token's header, claims with
explanations, every verification check with its reason, and the raw token.

Tokens come from arguments (a token, or a file of tokens separated by
whitespace), stdin, pastes (p, or a bracketed paste anywhere), and --follow:
the running provider's live event stream (URL/_ssokit/events), so tokens
appear as each micro-frontend gets them.

Verification uses --issuer, --jwks, --key or --secret; with --follow and none
of them, the followed provider's own keys. Without keys tokens are shown as
unverified.

Keys: ↑/↓ or j/k move, / filter, tab switches pane, c copies the raw token
(OSC 52), v re-verifies (refetching keys), V re-verifies all, p pastes,
? help, q quits.

The TUI draws on stderr and needs a terminal; without one, use
"ssokit token decode". NO_COLOR is honoured.`,
		Example: `  # watch the local provider hand out tokens, grouped by session
  ssokit inspect --follow http://localhost:9400/

  # browse tokens from a file and verify them against an issuer
  ssokit inspect tokens.txt --issuer http://localhost:9400/

  pbpaste | ssokit inspect`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if opts.Keys.Sources() > 1 {
				return cmdutil.FlagErrorf("give at most one key source: --issuer, --jwks, --key or --secret")
			}
			if err := checkFileArgs(args); err != nil {
				return err
			}
			if !opts.IO.IsStderrTTY() {
				return cmdutil.FlagErrorf("inspect is interactive and needs a terminal on stderr; use \"ssokit token decode\" or \"ssokit token verify\" in scripts")
			}
			var err error
			if opts.HTTP, err = cmdutil.EnsureHTTPClient(opts.HTTP, opts.Keys.CACert, token.DefaultFetchTimeout); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Follow, "follow", "", "follow a running provider's live events at `URL`/_ssokit/events")
	opts.Keys.Register(fl, cmdutil.KeyFlagUsage{
		Issuer: "verify with this issuer's keys (discovery → jwks_uri)",
		JWKS:   "verify with this JWK set `URL or FILE`",
		Key:    "verify with this public key or JWK `FILE`",
		Secret: "verify with this HMAC `secret`",
	})
	return cmd
}

// checkFileArgs refuses an argument that names a file which does not
// exist: it contains a path separator, or exactly one dot ("tokens.txt"),
// which no JWT (base64url parts, two or four dots) does. Without it the
// path would be shown as a token that fails to decode.
func checkFileArgs(args []string) error {
	for _, a := range args {
		if a == "-" || (!strings.ContainsAny(a, `/\`) && strings.Count(a, ".") != 1) {
			continue
		}
		if _, err := os.Stat(a); errors.Is(err, fs.ErrNotExist) {
			return cmdutil.FlagErrorf("%s: the file does not exist (give a token, a file of tokens, or pipe tokens on stdin)", a)
		}
	}
	return nil
}

// Inputs gathers the initial tokens: each argument is a file of tokens if
// such a file exists, else a token; stdin is read when it is not a terminal.
func Inputs(opts *InspectOptions) ([]tui.Input, error) {
	var ins []tui.Input
	addText := func(text, source string) {
		for _, f := range strings.Fields(text) {
			if strings.EqualFold(f, "bearer") {
				continue
			}
			ins = append(ins, tui.Input{Raw: f, Meta: tui.Meta{Source: source}})
		}
	}
	for _, a := range opts.Args {
		if a == "-" {
			continue
		}
		st, err := os.Stat(a)
		if err != nil && !looksLikeToken(a) {
			return nil, cmdutil.FlagErrorf("%s: no such file, and not a token (a JWT has 3 dot-separated parts)", a)
		}
		if err == nil && st.IsDir() {
			return nil, cmdutil.FlagErrorf("%s is a directory: give a file of tokens, or tokens", a)
		}
		if err == nil {
			if st.Size() > token.MaxInputSize {
				return nil, cmdutil.FlagErrorf("%s: %v: more than 8 MiB", a, token.ErrTooLarge)
			}
			b, err := os.ReadFile(a)
			if err != nil {
				return nil, &cmdutil.FlagError{Err: err}
			}
			addText(string(b), "file:"+a)
			continue
		}
		addText(a, "arg")
	}
	if !opts.IO.IsStdinTTY() && opts.IO.In != nil {
		b, err := io.ReadAll(io.LimitReader(opts.IO.In, token.MaxInputSize+1))
		if err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
		if len(b) > token.MaxInputSize {
			return nil, cmdutil.FlagErrorf("stdin: %v: more than 8 MiB", token.ErrTooLarge)
		}
		addText(string(b), "stdin")
	}
	return ins, nil
}

// Verifier builds the verifier from the key flags, with the same key-source
// rules as `token verify` (token.ResolveKeys); with --follow and no key
// flag, the followed provider's keys, or a tenant's for a token of that
// tenant (followVerifier). Nil when there are none.
func Verifier(opts *InspectOptions) (tui.Verifier, error) {
	src := opts.Keys.Source()
	if src == (token.KeySource{}) {
		if opts.Follow == "" {
			return nil, nil
		}
		// the followed provider's keys, and its tenants' for their tokens
		v, err := newFollowVerifier(opts.Follow, opts.HTTP, opts.Now, opts.Keys.Leeway)
		if err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
		return v, nil
	}
	keys, err := token.ResolveKeys(src, opts.HTTP)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	return &tui.KeyVerifier{Keys: keys, Now: opts.Now, Leeway: opts.Keys.Leeway}, nil
}

// looksLikeToken tells a token argument from a mistyped file name: a JWT
// has 2 dots (a JWE 4) and base64url never has a path separator.
func looksLikeToken(a string) bool {
	a = token.Normalize(a)
	n := strings.Count(a, ".")
	return (n == 2 || n == 4) && !strings.ContainsAny(a, `/\`)
}

func inspectRun(ctx context.Context, opts *InspectOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ins, err := Inputs(opts)
	if err != nil {
		return err
	}
	v, err := Verifier(opts)
	if err != nil {
		return err
	}
	to := tui.Options{Now: opts.Now, Verifier: v, Color: opts.IO.ColorEnabledErr(), Context: ctx}
	if opts.Follow != "" {
		to.FollowURL = opts.Follow
		streamClient := *opts.HTTP
		streamClient.Timeout = 0 // no timeout: the stream is long-lived
		to.Events, to.Status = events.Follow(ctx, &streamClient, events.StreamURL(opts.Follow, true))
	}
	m := tui.New(to, ins)
	p := tea.NewProgram(m, tea.WithOutput(opts.IO.ErrOut), tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
