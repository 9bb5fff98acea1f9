package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type watchResult struct {
	cfg *Config
	err error
}

// startWatcher runs a Watcher on path until the test ends; every report
// arrives on the returned channel.
func startWatcher(t *testing.T, path string, apply func(*Config) error) <-chan watchResult {
	t.Helper()
	w := NewWatcher(path)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan watchResult, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx, 5*time.Millisecond, apply, func(c *Config, err error) { out <- watchResult{c, err} })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return out
}

func next(t *testing.T, ch <-chan watchResult) watchResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher reported nothing within 10s")
		return watchResult{}
	}
}

// write replaces the file at once (as editors that rename do) with a
// distinct modification time, so each write is exactly one change even on
// file systems with coarse timestamps.
func write(t *testing.T, path, content string, tick int) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	mt := time.Unix(1_700_000_000+int64(tick), 0)
	if err := os.Chtimes(tmp, mt, mt); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherReloadsAndKeepsLastGoodConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssokit.yaml")
	write(t, path, "issuer: http://localhost:9400/\n", 0)
	var applied []string
	ch := startWatcher(t, path, func(c *Config) error {
		applied = append(applied, c.Issuer)
		return nil
	})

	write(t, path, "issuer: http://localhost:9401/\n", 1)
	if r := next(t, ch); r.err != nil || r.cfg == nil || r.cfg.Issuer != "http://localhost:9401/" {
		t.Fatalf("reload: %+v", r)
	}

	// An invalid edit is reported with its position; nothing is applied.
	write(t, path, "issuer: http://localhost:9401/\nprovider: {signing_alg: RS265}\n", 2)
	r := next(t, ch)
	if r.cfg != nil || r.err == nil || !strings.Contains(r.err.Error(), "ssokit.yaml:2:") || !strings.Contains(r.err.Error(), `did you mean "RS256"?`) {
		t.Fatalf("invalid edit: %+v", r)
	}

	// A bomb copied over the watched file is refused like any bad edit.
	write(t, path, billionLaughs(), 3)
	r = next(t, ch)
	if r.cfg != nil || r.err == nil || !strings.Contains(r.err.Error(), "too many alias expansions") {
		t.Fatalf("bomb: %+v", r)
	}

	write(t, path, "issuer: http://localhost:9402/\n", 4)
	if r := next(t, ch); r.err != nil || r.cfg.Issuer != "http://localhost:9402/" {
		t.Fatalf("reload after errors: %+v", r)
	}
	if got := strings.Join(applied, " "); got != "http://localhost:9401/ http://localhost:9402/" {
		t.Errorf("applied %s; only valid configs may be applied", got)
	}
}

func TestWatcherReportsApplyError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssokit.yaml")
	write(t, path, "issuer: http://localhost:9400/\n", 0)
	ch := startWatcher(t, path, func(*Config) error { return os.ErrPermission })
	write(t, path, "issuer: http://localhost:9401/\n", 1)
	if r := next(t, ch); r.cfg != nil || r.err != os.ErrPermission {
		t.Fatalf("apply error: %+v", r)
	}
}

func TestWatcherIgnoresUnchangedAndMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssokit.yaml")
	write(t, path, "issuer: http://localhost:9400/\n", 0)
	ch := startWatcher(t, path, func(*Config) error { return nil })
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)                     // a few polls find no file
	write(t, path, "issuer: http://localhost:9400/\n", 0) // same size and time: no change
	time.Sleep(30 * time.Millisecond)
	write(t, path, "issuer: http://localhost:9409/\n", 5)
	if r := next(t, ch); r.err != nil || r.cfg.Issuer != "http://localhost:9409/" {
		t.Fatalf("first report %+v; the unchanged file must not be reported", r)
	}
}
