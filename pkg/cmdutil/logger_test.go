package cmdutil

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// The compact provider log: quiet successes dropped unless all, notable
// requests and every warning kept, each on exactly one line whatever a
// client_id or message holds.
func TestCompactLogger(t *testing.T) {
	request := func(l *slog.Logger, endpoint, method, client string, status int, outcome string) {
		l.Info("request", "endpoint", endpoint, "method", method, "client_id", client,
			"status", status, "outcome", outcome, "latency", 1500*time.Microsecond)
	}
	var b strings.Builder
	l := NewCompactLogger(&b, false)
	request(l, "discovery", "GET", "", 200, "OK")
	request(l, "jwks", "GET", "", 200, "OK")
	request(l, "login", "GET", "web", 200, "login form")
	request(l, "userinfo", "GET", "web", 401, "invalid_token")
	request(l, "token", "POST", "web\nforged 00:00:00.000 provider   POST token 200 x", 200, "authorization_code")
	request(l, "jwks", "GET", "", 503, "fault: temporarily_unavailable")
	l.Warn("back-channel logout", "client_id", "api", "err", "connection refused")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{
		" provider   GET  userinfo 401 invalid_token client=web 2ms",
		" provider   POST token 200 authorization_code client=web forged 00:00:00.000 provider   POST token 200 x 2ms",
		" provider   GET  jwks 503 fault: temporarily_unavailable 2ms",
		" provider   WARN back-channel logout client_id=api err=connection refused",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		if !strings.HasSuffix(lines[i], w) || len(lines[i]) != len("15:04:05.000")+len(w) {
			t.Errorf("line %d = %q, want time + %q", i, lines[i], w)
		}
	}
	b.Reset()
	request(NewCompactLogger(&b, true), "discovery", "GET", "", 200, "OK")
	if !strings.Contains(b.String(), " provider   GET  discovery 200 OK 2ms") {
		t.Errorf("with all, discovery is logged: %q", b.String())
	}
}

func TestNewLoggerFormats(t *testing.T) {
	var j, txt strings.Builder
	NewLogger(&j, "json").Info("hello", "k", "v")
	NewLogger(&txt, "text").Info("hello", "k", "v")
	if !strings.HasPrefix(j.String(), "{") || !strings.Contains(j.String(), `"msg":"hello","k":"v"`) {
		t.Errorf("json: %q", j.String())
	}
	if !strings.Contains(txt.String(), "msg=hello k=v") {
		t.Errorf("text: %q", txt.String())
	}
}

// Attributes bound with With come first and a record's own value for the
// same key replaces them; groups are flattened.
func TestCompactLoggerWithAttrs(t *testing.T) {
	var b strings.Builder
	base := NewCompactLogger(&b, true)
	l := base.With("client_id", "web").WithGroup("g")
	l.Info("request", "endpoint", "token", "method", "POST", "status", 200, "outcome", "refresh_token", "latency", 2500*time.Millisecond)
	l.Warn("slow", "client_id", "api", "n", 1)
	base.Info("plain")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{
		" provider   POST token 200 refresh_token client=web 2.5s",
		" provider   WARN slow client_id=api n=1",
		" provider   INFO plain",
	}
	if len(lines) != len(want) {
		t.Fatalf("lines:\n%s", b.String())
	}
	for i, w := range want {
		if !strings.HasSuffix(lines[i], w) {
			t.Errorf("line %d = %q, want suffix %q", i, lines[i], w)
		}
	}
}

func TestRoundDuration(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		1234567 * time.Microsecond: 1230 * time.Millisecond,
		1500 * time.Microsecond:    2 * time.Millisecond,
		1234 * time.Nanosecond:     time.Microsecond,
	} {
		if got := roundDuration(in); got != want {
			t.Errorf("roundDuration(%v) = %v, want %v", in, got, want)
		}
	}
}
