// Package shared holds what the `ssokit token` verbs have in common: reading
// the token from an argument or stdin, and terminal styling.
package shared

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/token"
)

// ReadToken returns the token from args[0], or from stdin when there is no
// argument or it is "-". Input problems are FlagErrors (exit 2).
func ReadToken(ios *iostreams.IOStreams, args []string) (string, error) {
	var raw string
	if len(args) == 0 || args[0] == "-" {
		if len(args) == 0 && ios.IsStdinTTY() {
			return "", cmdutil.FlagErrorf("no token: pass it as an argument, or pipe it on stdin")
		}
		s, err := token.ReadInput(ios.In)
		if err != nil {
			return "", &cmdutil.FlagError{Err: err}
		}
		raw = s
	} else {
		if len(args[0]) > token.MaxInputSize {
			return "", &cmdutil.FlagError{Err: fmt.Errorf("%w: more than %d bytes (8 MiB)", token.ErrTooLarge, token.MaxInputSize)}
		}
		raw = token.Normalize(args[0])
	}
	return raw, nil
}

// InputError turns a decode error into a usage error (exit 2).
func InputError(err error) error {
	if errors.Is(err, token.ErrMalformed) {
		return &cmdutil.FlagError{Err: err}
	}
	return err
}

// KeySourceError maps a key-source failure to its exit code: a fetch that
// failed is a network error, never an invalid token (exit 2); anything else
// (a missing file, a bad key, a discovery naming another issuer) is a usage
// error naming the flag (exit 2).
func KeySourceError(flag string, err error) error {
	var ne *token.NetworkError
	var me *token.IssuerMismatchError
	switch {
	case errors.Is(err, token.ErrMalformed):
		return &cmdutil.FlagError{Err: err}
	case errors.As(err, &ne):
		return &cmdutil.NetworkError{Err: err}
	case errors.As(err, &me):
		return &cmdutil.FlagError{Err: err}
	}
	return &cmdutil.FlagError{Err: fmt.Errorf("%s: %w", flag, err)}
}

// Style wraps text in ANSI styles when colour is on.
type Style struct{ On bool }

func (s Style) wrap(code, t string) string {
	if !s.On || t == "" {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

// Bold text.
func (s Style) Bold(t string) string { return s.wrap("1", t) }

// Dim text.
func (s Style) Dim(t string) string { return s.wrap("2", t) }

// Green text.
func (s Style) Green(t string) string { return s.wrap("32", t) }

// Red text.
func (s Style) Red(t string) string { return s.wrap("31", t) }

// Yellow text.
func (s Style) Yellow(t string) string { return s.wrap("33", t) }

// Cyan text.
func (s Style) Cyan(t string) string { return s.wrap("36", t) }

// VisibleLen is the width of t in runes, ANSI styles excluded.
func VisibleLen(t string) int {
	n, esc := 0, false
	for _, r := range t {
		switch {
		case esc:
			esc = r != 'm'
		case r == '\x1b':
			esc = true
		default:
			n++
		}
	}
	return n
}

// Pad right-pads t to visible width w.
func Pad(t string, w int) string {
	if n := VisibleLen(t); n < w {
		return t + strings.Repeat(" ", w-n)
	}
	return t
}
