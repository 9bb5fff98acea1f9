// Package cli is ssokit's composition root: it builds the Factory, runs the
// root command and maps its error to the process exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ssokit/ssokit/pkg/cmd/root"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/templates"
)

// Main runs ssokit with os.Args and returns the exit code.
func Main() int {
	ios := iostreams.System()
	f := &cmdutil.Factory{
		IOStreams: ios,
		Browser:   openurl.System{Stderr: ios.ErrOut},
		Now:       time.Now,
		Templates: templates.FS(),
		Demo:      templates.Demo(),
		Version:   Version(),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, f, os.Args[1:])
}

// Run executes the command line args against f and returns the exit code.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if cmdutil.Interrupted(ctx, err) {
		return cmdutil.ExitInterrupted
	}
	var ee *cmdutil.ExitError
	switch {
	case errors.Is(err, cmdutil.ErrSilent):
	case errors.As(err, &ee) && ee.Err == nil:
	default:
		fmt.Fprintf(f.IOStreams.ErrOut, "error: %s\n", cmdutil.Message(err))
	}
	return cmdutil.ExitCode(err)
}
