package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ssokit/ssokit/pkg/token"
)

func TestExitCode(t *testing.T) {
	for err, want := range map[error]int{
		nil:                0,
		errors.New("boom"): 1,
		ErrSilent:          1,
		FlagErrorf("bad"):  2,
		fmt.Errorf("wrap: %w", FlagErrorf("bad")):                                    2,
		&ExitError{Code: 1}:                                                          1,
		&ExitError{Code: 2, Err: errors.New("x")}:                                    2,
		&NetworkError{Err: errors.New("dial")}:                                       2,
		fmt.Errorf("fetch: %w", &token.NetworkError{URL: "u", Err: errors.New("x")}): 2,
		fmt.Errorf("decode: %w", token.ErrMalformed):                                 2,
		fmt.Errorf("listen: %w", syscall.EADDRINUSE):                                 2,
	} {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestListenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String(), "proxy", "--addr")
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "port "+port+" is already in use") || !strings.Contains(err.Error(), "--addr") {
		t.Fatalf("port in use: %v", err)
	}
}

func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	err := fmt.Errorf("network error: %w", context.Canceled)
	if Interrupted(ctx, err) {
		t.Error("a live context is not an interrupt")
	}
	cancel()
	if !Interrupted(ctx, err) || Interrupted(ctx, errors.New("other")) || Interrupted(ctx, nil) {
		t.Error("Interrupted misreads a cancelled context")
	}
}

// Issue 10 §5: one non-loopback warning for provider, proxy and up.
func TestWarnNonLoopback(t *testing.T) {
	for addr, warn := range map[string]bool{"127.0.0.1:9000": false, "[::1]:9000": false, "localhost:9000": false, "0.0.0.0:9000": true, ":9000": true, "192.168.1.20:9000": true} {
		for _, what := range []string{"provider", "proxy"} {
			var b bytes.Buffer
			WarnNonLoopback(&b, addr, what, false)
			if got := strings.Contains(b.String(), "WARNING: the "+what+" listens on "+addr); got != warn {
				t.Errorf("WarnNonLoopback(%q, %s) = %q, want warning %v", addr, what, b.String(), warn)
			}
		}
	}
	var b bytes.Buffer
	WarnNonLoopback(&b, "0.0.0.0:9000", "proxy", true)
	if !strings.HasPrefix(b.String(), "\x1b[1;31m") || !strings.Contains(b.String(), "every dev server behind it") {
		t.Errorf("on a colour terminal the proxy warning is bold red and names its risk: %q", b.String())
	}
	b.Reset()
	WarnNonLoopback(&b, "0.0.0.0:9400", "provider", false)
	if !strings.Contains(b.String(), "real-looking tokens") {
		t.Errorf("the provider warning names its risk: %q", b.String())
	}
}

func TestLoadConfig(t *testing.T) {
	cfg, err := LoadConfig("")
	if err != nil || cfg == nil || len(cfg.Clients) != 0 {
		t.Fatalf("no --config: %+v, %v (want the zero config)", cfg, err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "ssokit.yaml")
	if err := os.WriteFile(bad, []byte("clients:\n  - client_idd: shell\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(bad)
	var fe *FlagError
	if !errors.As(err, &fe) || ExitCode(err) != 2 || !strings.Contains(err.Error(), "ssokit.yaml:2:") {
		t.Fatalf("invalid config: %v (want a usage error with file:line)", err)
	}
}
