package token

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// MaxInputSize is the largest input ReadInput accepts: 8 MiB. Real tokens are
// a few kilobytes; anything this large is a mistake or an attack.
const MaxInputSize = 8 << 20

// ErrTooLarge is returned when input exceeds MaxInputSize.
var ErrTooLarge = errors.New("input too large")

// ReadInput reads r whole (never cut at a line-buffer limit) up to
// MaxInputSize and returns the token text with Normalize applied.
func ReadInput(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return "", fmt.Errorf("reading input: %w", err)
	}
	if len(data) > MaxInputSize {
		return "", fmt.Errorf("%w: more than %d bytes (8 MiB); a JWT is normally a few kilobytes", ErrTooLarge, MaxInputSize)
	}
	return Normalize(string(data)), nil
}

// Normalize trims surrounding whitespace and an optional "Bearer " prefix
// (any case), as pasted from an Authorization header. Text that is entirely
// an "Authorization: Bearer x" header line is accepted too.
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 14 && strings.EqualFold(s[:14], "authorization:") {
		s = strings.TrimSpace(s[14:])
	}
	if len(s) >= 6 && strings.EqualFold(s[:6], "bearer") && (len(s) == 6 || unicode.IsSpace(rune(s[6]))) {
		s = strings.TrimSpace(s[6:])
	}
	return s
}
