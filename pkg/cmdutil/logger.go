package cmdutil

import (
	"io"
	"log/slog"
)

// NewLogger returns the request logger for a --log-format value: "json"
// for JSON lines, anything else for slog's text format. Commands validate
// the flag; `provider` and `up` share this.
func NewLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
