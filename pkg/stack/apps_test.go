package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/templates"
)

// TestHelperDevServer is not a test: apps in these tests run the test
// binary with SSOKIT_HELPER_MODE set, as a stand-in dev server.
func TestHelperDevServer(t *testing.T) {
	mode, addr := os.Getenv("SSOKIT_HELPER_MODE"), os.Getenv("SSOKIT_HELPER_ADDR")
	if mode == "" {
		t.Skip("helper process for the app tests")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	switch mode {
	case "http":
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "dev server") }))
	case "once127": // answers one request, then exits 127
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "dev server")
			w.(http.Flusher).Flush()
			go func() { time.Sleep(50 * time.Millisecond); os.Exit(127) }()
		}))
	case "tcp": // accepts connections and holds them open, never answering
		for {
			c, err := ln.Accept()
			if err != nil {
				os.Exit(1)
			}
			go io.Copy(io.Discard, c) // reads the request, never answers
		}
	}
	os.Exit(0)
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func helperApp(t *testing.T, name, mode string) config.App {
	addr := freeAddr(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return config.App{Name: name, Path: "/" + name, Upstream: "http://" + addr,
		Command: fmt.Sprintf("exec '%s' -test.run='^TestHelperDevServer$'", exe),
		Env:     map[string]string{"SSOKIT_HELPER_MODE": mode, "SSOKIT_HELPER_ADDR": addr}}
}

// Issue 12: with another process on an app's port, `up` said "ready",
// routed the app's path to that process and restarted the real dev server
// forever. It now refuses to start, naming the app, the port and the fix.
func TestAppPortInUseIsRefused(t *testing.T) {
	stranger := freeUpstream(t, "stranger")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(stranger, "http://"))
	cfg := &config.Config{Apps: []config.App{{Name: "account", Path: "/account", Upstream: stranger, Command: "sleep 300", Cwd: "."}}}
	_, err := Start(context.Background(), Options{Config: cfg, Demo: templates.Demo(), ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Keys: testKeys()})
	if err == nil {
		t.Fatal("started although another process listens on the app's port")
	}
	for _, want := range []string{"app account: port " + port + " ", "already in use by another process", "stop that process", "--no-apps"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// With --no-apps the server already running is the point.
	s, err := Start(context.Background(), Options{Config: cfg, NoApps: true, ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Keys: testKeys()})
	if err != nil {
		t.Fatalf("--no-apps: %v", err)
	}
	s.Close()
}

// A dev server that is not installed (npm's "vite: not found", exit 127)
// is not restarted forever: the stack gives up at once with the fix.
func TestAppCommandNotFoundStopsWithFix(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"scripts":{"dev":"vite"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &testutil.SyncBuffer{}
	cfg := &config.Config{Apps: []config.App{{Name: "account", Path: "/account", Upstream: "http://" + freeAddr(t),
		Command: "echo 'sh: 1: vite: not found' >&2; exit 127", Cwd: dir}}}
	s := startStack(t, cfg, out)
	var err error
	select {
	case err = <-s.AppFailed():
	case <-time.After(10 * time.Second):
		t.Fatalf("no failure reported:\n%s", out)
	}
	var ae *AppError
	if !errors.As(err, &ae) || ae.App != "account" || !strings.Contains(ae.Msg, "run npm install in "+dir) || !strings.Contains(ae.Msg, "vite: not found") {
		t.Errorf("err = %v", err)
	}
	if strings.Contains(out.String(), "restarting in") || s.apps[0].Restarts() != 0 {
		t.Errorf("output:\n%s", out)
	}
}

// A command that fails the same way again and again is given up on.
func TestAppFailingTheSameWayStops(t *testing.T) {
	defer func(d time.Duration) { firstBackoff = d }(firstBackoff)
	firstBackoff = 10 * time.Millisecond
	out := &testutil.SyncBuffer{}
	cfg := &config.Config{Apps: []config.App{{Name: "api", Path: "/api", Upstream: "http://" + freeAddr(t), Command: "echo 'SyntaxError: oops'; exit 1"}}}
	s := startStack(t, cfg, out)
	select {
	case err := <-s.AppFailed():
		if !strings.Contains(err.Error(), "exited with status 1 3 times in a row") || !strings.Contains(err.Error(), "SyntaxError: oops") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no failure reported:\n%s", out)
	}
	if n := s.apps[0].Restarts(); n != sameFailures-1 {
		t.Errorf("restarted %d times, want %d", n, sameFailures-1)
	}
}

// "ready" means the app answers HTTP, not merely that its port accepts
// connections.
func TestAppReadyOnlyWhenItAnswers(t *testing.T) {
	out := &testutil.SyncBuffer{}
	cfg := &config.Config{Apps: []config.App{helperApp(t, "mute", "tcp"), helperApp(t, "web", "http")}}
	s, err := Start(context.Background(), Options{Config: cfg, ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0",
		Keys: testKeys(), Out: out, ErrOut: out, ReadyTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, "both apps' verdicts", func() bool {
		return strings.Contains(out.String(), "[web] ready in") && strings.Contains(out.String(), "[mute] not ready after")
	})
	if strings.Contains(out.String(), "[mute] ready") {
		t.Errorf("a port that does not answer HTTP was reported ready:\n%s", out)
	}
	select {
	case <-s.AppsReady():
		t.Error("AppsReady closed although one app never answered")
	default:
	}
}

func TestAppsReadyWhenEveryAppAnswers(t *testing.T) {
	cfg := &config.Config{Apps: []config.App{helperApp(t, "one", "http"), helperApp(t, "two", "http")}}
	s := startStack(t, cfg, io.Discard)
	select {
	case <-s.AppsReady():
	case <-time.After(10 * time.Second):
		t.Fatal("AppsReady never closed")
	}
	if _, body := get(t, s.ProxyURL()+"/two/"); body != "dev server" {
		t.Errorf("proxied: %q", body)
	}
}

// apps[].cwd is relative to the config file, so `ssokit up` started in an
// app's directory (finding ../ssokit.yaml) runs each command in its place.
func TestAppCwdIsRelativeToTheConfigFile(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "account"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(root, "ssokit.yaml")
	yaml := "apps:\n  - name: account\n    path: /account\n    upstream: http://" + freeAddr(t) + "\n    cwd: ./account\n    command: pwd > where; sleep 300\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	startStack(t, cfg, io.Discard) // the test's working directory is pkg/stack
	waitFor(t, "the command to run in root/account", func() bool {
		b, _ := os.ReadFile(filepath.Join(root, "account", "where"))
		return len(b) > 0
	})
	for in, want := range map[[2]string]string{
		{"ssokit.yaml", "./account"}:    "./account",
		{"../ssokit.yaml", "./account"}: "../account",
		{"/srv/ssokit.yaml", ""}:        "/srv",
		{"/srv/ssokit.yaml", "/opt/x"}:  "/opt/x",
		{"", "./account"}:               "./account",
	} {
		if got := appDir(in[0], in[1]); got != want {
			t.Errorf("appDir(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

// An HTTPS dev server with its own certificate (vite --https) answers too.
func TestAppReadyOverHTTPSWithItsOwnCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	out := &testutil.SyncBuffer{}
	a := newApp(config.App{Name: "secure", Path: "/secure", Upstream: srv.URL}, out, out, false)
	if !a.waitReady(context.Background(), 5*time.Second, "http://localhost:9000") {
		t.Fatalf("not ready:\n%s", out)
	}
	if !strings.Contains(out.String(), "[secure] ready in") {
		t.Errorf("output:\n%s", out)
	}
}

// A command that served the app and later exits (even 127) is restarted:
// it did work, so restarting may help.
func TestAppThatAnsweredIsRestartedWhateverItsExit(t *testing.T) {
	defer func(d time.Duration) { firstBackoff = d }(firstBackoff)
	firstBackoff = 10 * time.Millisecond
	out := &testutil.SyncBuffer{}
	s := startStack(t, &config.Config{Apps: []config.App{helperApp(t, "web", "once127")}}, out)
	waitFor(t, "a restart after the app answered", func() bool { return s.apps[0].Restarts() >= 1 })
	select {
	case err := <-s.AppFailed():
		t.Errorf("gave up on an app that had answered: %v", err)
	default:
	}
}
