// Package cli is ssokit's composition root: it builds the Factory, runs the
// root command and maps its error to the process exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := interruptible(context.Background(), sigs, ios.ErrOut, os.Exit)
	defer cancel()
	return Run(ctx, f, os.Args[1:])
}

// interruptible ends ctx at the first signal, so servers shut down
// gracefully, and exits with 130 at the second: a second Ctrl-C never
// waits for a shutdown (issue 12).
func interruptible(parent context.Context, sigs <-chan os.Signal, errOut io.Writer, exit func(int)) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(errOut, "ssokit: interrupted again, exiting now")
			exit(130)
		case <-parent.Done():
		}
	}()
	return ctx, cancel
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
