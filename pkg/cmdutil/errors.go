// Package cmdutil holds what every command shares: the Factory of
// dependencies and the typed errors that cli.Main maps to exit codes.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/ssokit/ssokit/pkg/token"
)

// Exit codes, the same for every command.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the check failed: invalid token, failing flow
	ExitUsage   = 2 // bad usage, unreadable input, unreachable network
	// ExitInterrupted is Ctrl-C (128+SIGINT), as shells report it.
	ExitInterrupted = 130
)

// FlagError reports bad usage: a missing argument, a malformed flag value,
// an unreadable input file. It exits 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent is returned by a command that has already said everything it
// had to say; it exits 1 without printing more.
var ErrSilent = errors.New("silent error")

// ExitError carries an explicit exit code; Err, when non-nil, is printed.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// NetworkError means a server could not be reached or answered nonsense:
// the input (an issuer, a JWKS URL) is wrong or the network is down, never
// a failed check. It exits 2.
type NetworkError struct{ Err error }

func (e *NetworkError) Error() string { return "network error: " + e.Err.Error() }
func (e *NetworkError) Unwrap() error { return e.Err }

// ExitCode maps an error to the process exit code. It is the only place
// that decides: commands return typed errors and never pick a number,
// except through ExitError.
//
//   - ExitError: its Code.
//   - FlagError, NetworkError, token.NetworkError, a malformed token,
//     a port in use: 2 (usage or input).
//   - context.Canceled once the command's context is done: 130 (Ctrl-C);
//     see Interrupted.
//   - anything else, ErrSilent included: 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	var ee *ExitError
	var ne *NetworkError
	var tne *token.NetworkError
	switch {
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &fe), errors.As(err, &ne), errors.As(err, &tne),
		errors.Is(err, token.ErrMalformed), errors.Is(err, syscall.EADDRINUSE):
		return ExitUsage
	default:
		return ExitFailure
	}
}

// Interrupted reports whether err is only the echo of ctx's cancellation
// (Ctrl-C): the command should exit 130 without a message.
func Interrupted(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled)
}
