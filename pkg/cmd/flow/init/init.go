// Package initcmd implements `ssokit flow init`.
package initcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/iostreams"
)

// Options for `ssokit flow init`.
type Options struct {
	IO    *iostreams.IOStreams
	File  string
	Force bool
}

// NewCmdInit returns `ssokit flow init [FILE]`.
func NewCmdInit(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented example flow suite",
		Long: `Write a commented example suite of SSO flows (default flows.yaml; - for
standard output). It documents the flow file format and covers the standard
micro-frontend scenarios: sign in once and be signed in everywhere (iframe
and web_message silent auth), refresh, userinfo, sign out everywhere with
front-channel logout, nobody signed in yet, token signatures across a key
rotation, a cross-site app, and a provider that fails once. It passes as is
against the embedded provider:

  ssokit flow run flows.yaml

An existing file is left alone unless --force is given.`,
		Example: `  ssokit flow init
  ssokit flow init ci/sso-flows.yaml
  ssokit flow init - | less`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = "flows.yaml"
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "overwrite an existing file")
	return cmd
}

func initRun(opts *Options) error {
	if opts.File == "-" {
		_, err := opts.IO.Out.Write(flow.Example())
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if opts.Force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	fh, err := os.OpenFile(opts.File, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return cmdutil.FlagErrorf("%s exists; use --force to overwrite it, or name another file", opts.File)
	}
	if err != nil {
		return cmdutil.FlagErrorf("cannot write %s: %w", opts.File, err)
	}
	if _, err := fh.Write(flow.Example()); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s; run it with: ssokit flow run %s\n", opts.File, opts.File)
	return nil
}
