package cmdutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
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

// NewCompactLogger returns the provider logger `up` uses for text: one
// line per record in the style of the proxy's access log
// ("15:04:05.000 provider   POST token 200 authorization_code client=web 2ms"),
// so the terminal shows one format. Unless all is set it keeps only what a
// developer acts on: sign-ins, codes and tokens, logouts, revocations,
// faults, every 4xx/5xx and every warning or error; discovery, JWKS,
// check_session, userinfo and page hits that went well are dropped.
func NewCompactLogger(w io.Writer, all bool) *slog.Logger {
	return slog.New(&compactHandler{w: w, all: all, mu: &sync.Mutex{}})
}

// quietEndpoints answer many times per page load; a success there is noise.
var quietEndpoints = map[string]bool{
	"discovery": true, "jwks": true, "check_session": true, "home": true,
	"admin": true, "userinfo": true, "introspect": true,
}

type compactHandler struct {
	w     io.Writer
	all   bool
	mu    *sync.Mutex
	attrs []slog.Attr
}

func (h *compactHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *compactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr{}, h.attrs...), as...)
	return &c
}

func (h *compactHandler) WithGroup(string) slog.Handler { return h }

func (h *compactHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]slog.Value{}
	var order []string
	add := func(a slog.Attr) {
		if _, ok := attrs[a.Key]; !ok {
			order = append(order, a.Key)
		}
		attrs[a.Key] = a.Value.Resolve()
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool { add(a); return true })
	ts := r.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	var line string
	if r.Message == "request" && attrs["endpoint"].Kind() == slog.KindString {
		endpoint := attrs["endpoint"].String()
		status := int(attrs["status"].Int64())
		outcome := attrs["outcome"].String()
		method := attrs["method"].String()
		if !h.all && r.Level < slog.LevelWarn && !notable(endpoint, method, status, outcome) {
			return nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s %-10s %-4s %s %d %s", ts.Format("15:04:05.000"), "provider", method, endpoint, status, oneLine(outcome))
		if c := attrs["client_id"].String(); c != "" {
			fmt.Fprintf(&b, " client=%s", oneLine(c))
		}
		if d := attrs["latency"]; d.Kind() == slog.KindDuration {
			fmt.Fprintf(&b, " %s", roundDuration(d.Duration()))
		}
		line = b.String() + "\n"
	} else {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %-10s %s %s", ts.Format("15:04:05.000"), "provider", r.Level, oneLine(r.Message))
		for _, k := range order {
			fmt.Fprintf(&b, " %s=%s", k, oneLine(attrs[k].String()))
		}
		line = b.String() + "\n"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, line)
	return err
}

func notable(endpoint, method string, status int, outcome string) bool {
	switch {
	case status >= 400, strings.HasPrefix(outcome, "fault"):
		return true
	case quietEndpoints[endpoint]:
		return false
	case endpoint == "login" && method != "POST":
		return false
	}
	return true
}

// oneLine keeps a value on its line: a newline or control character in a
// client_id or message cannot forge another log line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}
