package up_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cli"
)

// TestMain lets the test binary act as ssokit itself, so a test can send a
// real SIGINT to a real `ssokit up` process.
func TestMain(m *testing.M) {
	if args := os.Getenv("SSOKIT_TEST_CHILD_ARGS"); args != "" {
		os.Args = append([]string{"ssokit"}, strings.Fields(args)...)
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}

// TestCtrlCStopsEverything: SIGINT to `ssokit up` stops the stack within
// five seconds and leaves no child process (nor grandchild) behind.
func TestCtrlCStopsEverything(t *testing.T) {
	dir := t.TempDir()
	pids := filepath.Join(dir, "pids")
	cfg := filepath.Join(dir, "ssokit.yaml")
	yaml := "apps:\n  - name: dev\n    path: /dev\n    upstream: http://127.0.0.1:1\n    command: sleep 300 & echo $! >> " + pids + "; echo $$ >> " + pids + "; sleep 300\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+dir, "HOME="+dir,
		"SSOKIT_TEST_CHILD_ARGS=up -c "+cfg+" --provider-addr 127.0.0.1:0 --proxy-addr 127.0.0.1:0 --log-format none")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var out strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "proxy up in") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("ssokit up did not get ready:\n%s", out.String())
	}
	var children []int
	deadline := time.Now().Add(10 * time.Second)
	for len(children) < 2 && time.Now().Before(deadline) {
		b, _ := os.ReadFile(pids)
		children = children[:0]
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				children = append(children, n)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(children) < 2 {
		t.Fatalf("the app did not start its processes")
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ssokit up exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("ssokit up did not stop after SIGINT")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopping took %s, want under 5s", d)
	}
	// signals land asynchronously: a child may still be exiting; it must be
	// gone within the 5 s that Ctrl-C promises
	deadline = start.Add(5 * time.Second)
	for _, pid := range children {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("process %d survived Ctrl-C by 5s", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// alive reports whether pid exists and is not a zombie awaiting its reaper.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return !strings.Contains(string(stat), ") Z ")
}

// Issue 12: `ssokit up` run inside an app (as `ssokit new`'s next steps
// say) finds ../ssokit.yaml and says so; an app whose dev server is not
// installed (exit 127) stops `up` with the fix instead of restarting it
// forever.
func TestUpFromAppDirFindsConfigAndStopsOnMissingInstall(t *testing.T) {
	dir := t.TempDir()
	appDir := filepath.Join(dir, "account")
	if err := os.Mkdir(appDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(appDir, "package.json"), []byte(`{"scripts":{"dev":"vite"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := "apps:\n  - name: account\n    path: /account\n    upstream: http://127.0.0.1:1\n    cwd: ./account\n    command: \"echo 'sh: 1: vite: not found' >&2; exit 127\"\n"
	if err := os.WriteFile(filepath.Join(dir, "ssokit.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Dir = appDir
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+dir, "HOME="+dir, "SSOKIT_CONFIG=",
		"SSOKIT_TEST_CHILD_ARGS=up --provider-addr 127.0.0.1:0 --proxy-addr 127.0.0.1:0 --log-format none")
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("ssokit up kept running:\n%s", out)
	}
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
		t.Errorf("exit code %d (%v), want 1", code, err)
	}
	for _, want := range []string{
		"ssokit: using " + filepath.Join("..", "ssokit.yaml") + " (found in a parent directory)",
		"run npm install in ../account",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "restarting in") {
		t.Errorf("restarted the app:\n%s", out)
	}
}
