package stack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/netutil"
	"github.com/ssokit/ssokit/pkg/proxy"
)

// app supervises one app's dev server command.
type app struct {
	cfg    config.App
	out    io.Writer
	errOut io.Writer
	prefix string

	mu       sync.Mutex
	restarts int
	pid      int
}

// newApp prefixes the app's output with its name, in the colour the
// proxy's access log uses for the same app.
func newApp(a config.App, out, errOut io.Writer, color bool) *app {
	prefix := fmt.Sprintf("[%s] ", a.Name)
	if color {
		prefix = "\x1b[" + proxy.AppColor(a.Name) + "m" + prefix + "\x1b[0m"
	}
	return &app{cfg: a, out: out, errOut: errOut, prefix: prefix}
}

// checkCommand fails when an app's program cannot be found, before
// anything starts. Commands with shell syntax are left to the shell.
func checkCommand(a config.App) error {
	fields := strings.Fields(a.Command)
	if len(fields) == 0 || strings.ContainsAny(a.Command, "|&;<>()$`\\\"'*?[]#~=%") {
		return nil
	}
	prog := fields[0]
	if strings.ContainsRune(prog, '/') {
		if !filepath.IsAbs(prog) && a.Cwd != "" {
			prog = filepath.Join(a.Cwd, prog)
		}
		if _, err := os.Stat(prog); err != nil {
			return fmt.Errorf("app %s: command %q: %s not found", a.Name, a.Command, prog)
		}
		return nil
	}
	if _, err := exec.LookPath(prog); err != nil {
		return fmt.Errorf("app %s: command %q: %q is not installed or not in PATH (fix apps[].command in ssokit.yaml, or run with --no-apps)", a.Name, a.Command, prog)
	}
	if a.Cwd != "" {
		if fi, err := os.Stat(a.Cwd); err != nil || !fi.IsDir() {
			return fmt.Errorf("app %s: cwd %q is not a directory", a.Name, a.Cwd)
		}
	}
	return nil
}

// firstBackoff is the wait before the first restart (tests shorten it).
var firstBackoff = time.Second

// sameFailures is how many quick exits with the same status in a row make
// the supervisor give up: a command that fails like that will not recover
// by itself (a syntax error, a missing module, a port taken).
const sameFailures = 3

// AppError is an app the stack gave up on: its command cannot work as it is.
// Msg says what happened and how to fix it.
type AppError struct {
	App string
	Msg string
}

func (e *AppError) Error() string { return "app " + e.App + ": " + e.Msg }

// run starts the command and restarts it with back-off when it exits,
// until ctx ends; then it stops the command's whole process group. It gives
// up (returning an *AppError with the fix) when the command is not found
// (exit 127), cannot be executed (126), or exits quickly with the same
// status sameFailures times in a row. ready is called once, when the app
// first answers HTTP.
func (a *app) run(ctx context.Context, readyTimeout time.Duration, proxyURL string, ready func()) *AppError {
	backoff := firstBackoff
	lastCode, same := -1, 0
	var once sync.Once
	for {
		start := time.Now()
		cmd := shellCommand(a.cfg.Command)
		cmd.Dir = a.cfg.Cwd
		cmd.Env = os.Environ()
		for k, v := range a.cfg.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		tail := &lineWriter{w: a.out, prefix: a.prefix, keep: 5}
		cmd.Stdout = tail
		cmd.Stderr = tail
		setProcessGroup(cmd)
		if err := cmd.Start(); err != nil {
			return &AppError{App: a.cfg.Name, Msg: fmt.Sprintf("cannot start %q: %v", a.cfg.Command, err)}
		}
		a.mu.Lock()
		a.pid = cmd.Process.Pid
		a.mu.Unlock()
		readyCtx, stopReady := context.WithCancel(ctx)
		answered := make(chan struct{})
		go func() {
			if a.waitReady(readyCtx, readyTimeout, proxyURL) {
				close(answered)
				once.Do(ready)
			}
		}()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		select {
		case <-ctx.Done():
			stopReady()
			stopProcessGroup(cmd, done, 3*time.Second)
			return nil
		case err = <-done:
			stopReady()
		}
		if ctx.Err() != nil {
			return nil
		}
		code := exitCode(err)
		wasReady := false
		select {
		case <-answered:
			wasReady = true
		default:
		}
		if time.Since(start) > time.Minute || wasReady {
			backoff, same = firstBackoff, 0 // it ran a while: start over
		}
		if code == lastCode {
			same++
		} else {
			lastCode, same = code, 1
		}
		if fix := a.giveUp(code, same, wasReady, tail.last()); fix != "" {
			return &AppError{App: a.cfg.Name, Msg: fix}
		}
		fmt.Fprintf(a.errOut, "%sexited (%v); restarting in %s\n", a.prefix, exitText(err), backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		a.mu.Lock()
		a.restarts++
		a.mu.Unlock()
		backoff = min(backoff*2, 30*time.Second)
	}
}

// giveUp returns what to tell the user when restarting cannot help, or "".
// A command that served the app before (wasReady) is restarted whatever
// its exit status: it did work.
func (a *app) giveUp(code, same int, wasReady bool, lastLines []string) string {
	if wasReady {
		return ""
	}
	dir := a.cfg.Cwd
	if dir == "" {
		dir = "."
	}
	output := ""
	if len(lastLines) > 0 {
		output = "; its last output:\n    " + strings.Join(lastLines, "\n    ")
	}
	npmFix := ""
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "node_modules")); errors.Is(err, fs.ErrNotExist) {
			npmFix = "run npm install in " + dir + " (there is a package.json but no node_modules), then ssokit up again"
		}
	}
	switch {
	case code == 127:
		fix := npmFix
		if fix == "" {
			fix = "install the missing program, or fix apps[].command in ssokit.yaml"
		}
		return fmt.Sprintf("%q exited with status 127: a program it runs was not found%s\nnot restarting it: %s", a.cfg.Command, output, fix)
	case code == 126:
		return fmt.Sprintf("%q exited with status 126: a program it runs is not executable%s\nnot restarting it: check the file's permissions, or fix apps[].command in ssokit.yaml", a.cfg.Command, output)
	case same >= sameFailures:
		fix := npmFix
		if fix == "" {
			fix = fmt.Sprintf("run %q in %s to see why, fix it, then ssokit up again", a.cfg.Command, dir)
		}
		return fmt.Sprintf("%q exited with status %d %d times in a row%s\nnot restarting it: %s", a.cfg.Command, code, same, output, fix)
	}
	return ""
}

// exitCode is the command's exit status (-1 when it did not exit normally).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// waitReady reports true when the app's upstream answers HTTP (any status:
// a 404 at the root is still the dev server). A port that accepts
// connections but does not answer is not ready.
func (a *app) waitReady(ctx context.Context, timeout time.Duration, proxyURL string) bool {
	u, err := url.Parse(a.cfg.Upstream)
	if err != nil {
		return false
	}
	probe := strings.TrimSuffix(a.cfg.Upstream, "/") + ensureSlash(a.cfg.Path)
	client := &http.Client{
		Timeout: time.Second,
		// the probe only reads the status; it never follows redirects
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	start := time.Now()
	deadline := time.After(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, probe, nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		// An HTTPS dev server with its own certificate answered too.
		var certErr *tls.CertificateVerificationError
		if err == nil || errors.As(err, &certErr) {
			fmt.Fprintf(a.out, "%sready in %s at %s%s (upstream %s)\n", a.prefix, time.Since(start).Round(time.Millisecond), proxyURL, a.cfg.Path, a.cfg.Upstream)
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-deadline:
			fmt.Fprintf(a.errOut, "%snot ready after %s: nothing answers HTTP at %s; check that the command serves apps[].upstream\n", a.prefix, timeout, upstreamHostPort(u))
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// upstreamHostPort is the upstream's host:port, with the scheme's default port.
func upstreamHostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// checkPortFree fails when something already answers on the app's upstream
// port: the proxy would route the app's path to that stranger, and the
// real dev server would fail to bind and restart forever.
func checkPortFree(a config.App) error {
	u, err := url.Parse(a.Upstream)
	if err != nil || u.Host == "" || !netutil.IsLoopbackHost(u.Hostname()) {
		return nil // config validation reports a bad URL; a remote upstream is not ours to start
	}
	hp := upstreamHostPort(u)
	c, err := net.DialTimeout("tcp", hp, 300*time.Millisecond)
	if err != nil {
		return nil
	}
	c.Close()
	port := u.Port()
	if port == "" {
		_, port, _ = net.SplitHostPort(hp)
	}
	return fmt.Errorf("app %s: port %s (apps[].upstream %s) is already in use by another process, so the proxy would send %s to it instead of the app's dev server; stop that process (a dev server left running? see lsof -i :%s), or move the app to a free port (its upstream in ssokit.yaml and its dev server's port, e.g. SSOKIT_PORT in %s/.env), or run with --no-apps to use the server already running",
		a.Name, port, a.Upstream, a.Path, port, cwdOrDot(a.Cwd))
}

func cwdOrDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

// Restarts reports how often the app was restarted (tests).
func (a *app) Restarts() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.restarts
}

// lineWriter prefixes every line written through it, and remembers the
// last keep lines (what a failing command said last).
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
	keep   int
	tail   []string
}

// last returns the remembered lines, oldest first.
func (l *lineWriter) last() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tail...)
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimRight(string(l.buf[:i]), "\r \t"); l.keep > 0 && line != "" {
			l.tail = append(l.tail, line)
			if len(l.tail) > l.keep {
				l.tail = l.tail[1:]
			}
		}
		if _, err := io.WriteString(l.w, l.prefix+string(l.buf[:i+1])); err != nil {
			return len(p), err
		}
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}
