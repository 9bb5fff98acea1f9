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
			if strings.Contains(sc.Text(), "ready in") {
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
