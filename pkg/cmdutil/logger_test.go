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
