// Package cmdutil holds what every command shares: the Factory of
// dependencies and the typed errors that cli.Main maps to exit codes.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, the same for every command.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the check failed: invalid token, failing flow
	ExitUsage   = 2 // bad usage or unreadable input
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

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &fe):
		return ExitUsage
	default:
		return ExitFailure
	}
}
