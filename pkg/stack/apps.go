package stack

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
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

// run starts the command and restarts it with back-off when it exits,
// until ctx ends; then it stops the command's whole process group.
func (a *app) run(ctx context.Context, readyTimeout time.Duration, proxyURL string) {
	backoff := time.Second
	for {
		start := time.Now()
		cmd := shellCommand(a.cfg.Command)
		cmd.Dir = a.cfg.Cwd
		cmd.Env = os.Environ()
		for k, v := range a.cfg.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdout = &lineWriter{w: a.out, prefix: a.prefix}
		cmd.Stderr = &lineWriter{w: a.out, prefix: a.prefix}
		setProcessGroup(cmd)
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(a.errOut, "%sfailed to start %q: %v\n", a.prefix, a.cfg.Command, err)
		} else {
			a.mu.Lock()
			a.pid = cmd.Process.Pid
			a.mu.Unlock()
			readyCtx, stopReady := context.WithCancel(ctx)
			go a.waitReady(readyCtx, readyTimeout, proxyURL)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-ctx.Done():
				stopReady()
				stopProcessGroup(cmd, done, 3*time.Second)
				return
			case err := <-done:
				stopReady()
				if ctx.Err() != nil {
					return
				}
				if time.Since(start) > time.Minute {
					backoff = time.Second // it ran a while: start the back-off over
				}
				fmt.Fprintf(a.errOut, "%sexited (%v); restarting in %s\n", a.prefix, exitText(err), backoff)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		a.mu.Lock()
		a.restarts++
		a.mu.Unlock()
		backoff = min(backoff*2, 30*time.Second)
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// waitReady reports when the app's upstream port accepts connections.
func (a *app) waitReady(ctx context.Context, timeout time.Duration, proxyURL string) {
	u, err := url.Parse(a.cfg.Upstream)
	if err != nil {
		return
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	start := time.Now()
	deadline := time.After(timeout)
	for {
		c, err := net.DialTimeout("tcp", host, 200*time.Millisecond)
		if err == nil {
			c.Close()
			fmt.Fprintf(a.out, "%sready in %s at %s%s (upstream %s)\n", a.prefix, time.Since(start).Round(time.Millisecond), proxyURL, a.cfg.Path, a.cfg.Upstream)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			fmt.Fprintf(a.errOut, "%snot ready after %s: nothing listens on %s; check that the command serves apps[].upstream\n", a.prefix, timeout, host)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Restarts reports how often the app was restarted (tests).
func (a *app) Restarts() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.restarts
}

// lineWriter prefixes every line written through it.
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
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
		if _, err := io.WriteString(l.w, l.prefix+string(l.buf[:i+1])); err != nil {
			return len(p), err
		}
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}
