package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// composeFile is the docker compose example the README shows.
const composeFile = "../../testdata/container/compose.yaml"

type composeService struct {
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	ReadOnly    bool              `yaml:"read_only"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// nonRootUID is the user the test runs ssokit as when it is root (CI):
// nobody, as distroless' nonroot (65532) would be.
const nonRootUID = 65534

// TestContainerStyleRun runs ssokit the way the image runs it under the
// README's docker compose example: a static binary (CGO_ENABLED=0, no
// dynamic loader, as on distroless), as a non-root user, with no HOME and
// a cache dir it cannot write (read_only: true), configured only by the
// example's command and SSOKIT_ variables. It must start, serve discovery
// for the browser's issuer and for the service name, and pass the example's
// own health check; stopped with SIGTERM (docker stop), the health check
// fails. The only change to the example is the port: 9400 becomes a free
// one, since this machine may run another ssokit.
func TestContainerStyleRun(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image is linux/amd64 and linux/arm64; this test needs Linux to run the binary as it would")
	}
	var svc struct {
		Services map[string]composeService `yaml:"services"`
	}
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &svc); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	s, ok := svc.Services["ssokit"]
	if !ok || len(s.Command) == 0 || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" || s.Healthcheck.Test[1] != "/ko-app/ssokit" || !s.ReadOnly {
		t.Fatalf("%s: the ssokit service needs command, read_only and a CMD /ko-app/ssokit health check: %+v", composeFile, s)
	}

	// world-readable dir (the non-root user must reach the binary), a
	// cache dir nobody but root may write
	dir, err := os.MkdirTemp("", "ssokit-container-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "ssokit")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	assertStatic(t, bin)
	cache := filepath.Join(dir, "cache")
	for _, d := range []string{dir, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })

	port := freePort(t)
	env := []string{"PATH=/usr/bin:/bin", "XDG_CACHE_HOME=" + cache} // no HOME
	for k, v := range s.Environment {
		env = append(env, k+"="+strings.ReplaceAll(v, "9400", port))
	}
	asUser := func(cmd *exec.Cmd) {
		cmd.Env = env
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nonRootUID, Gid: nonRootUID}}
		}
	}
	if os.Geteuid() != 0 {
		t.Logf("not root: ssokit runs as this user (uid %d), already non-root; CI runs as root and switches to uid %d", os.Geteuid(), nonRootUID)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := exec.CommandContext(ctx, bin, s.Command...)
	asUser(srv)
	stderr := &lockedBuffer{}
	srv.Stderr = stderr
	srv.Stdout = io.Discard
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() { _ = srv.Process.Kill() })

	health := func() (int, string) {
		hc := exec.CommandContext(ctx, bin, s.Healthcheck.Test[2:]...)
		asUser(hc)
		// the example's check uses the default http://127.0.0.1:9400/;
		// here the port differs
		hc.Env = append(hc.Env, "SSOKIT_HEALTHCHECK_URL=http://127.0.0.1:"+port+"/")
		out, err := hc.CombinedOutput()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), string(out)
			}
			t.Fatal(err)
		}
		return 0, string(out)
	}
	var code int
	var out string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("ssokit %s exited at start-up: %v\n%s", strings.Join(s.Command, " "), err, stderr)
		default:
		}
		if code, out = health(); code == 0 {
			break
		}
	}
	if code != 0 {
		t.Fatalf("health check never passed: exit %d %s\nserver stderr:\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "healthy: provider at http://127.0.0.1:"+port+"/ answers discovery (issuer http://localhost:"+port+"/)") {
		t.Errorf("health check output %q", out)
	}

	if os.Geteuid() == 0 {
		if uid := procUID(t, srv.Process.Pid); uid != fmt.Sprint(nonRootUID) {
			t.Errorf("ssokit runs as uid %s, want %d", uid, nonRootUID)
		}
	}
	log := stderr.String()
	var notices, warnings int
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "notice: signing keys are in memory only") {
			notices++
		}
		if strings.HasPrefix(l, "WARNING: the provider listens on 0.0.0.0:"+port) && strings.Contains(l, "container") {
			warnings++
		}
	}
	if notices != 1 || warnings != 1 {
		t.Errorf("want one in-memory keys notice and one one-line 0.0.0.0 warning; stderr:\n%s", log)
	}

	// the browser's discovery, and another service's by the service name
	for host, tokenBase := range map[string]string{"localhost:" + port: "http://localhost:" + port + "/", "ssokit:" + port: "http://ssokit:" + port + "/"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/.well-known/openid-configuration", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Issuer        string `json:"issuer"`
			TokenEndpoint string `json:"token_endpoint"`
			Authorization string `json:"authorization_endpoint"`
		}
		err = json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || d.Issuer != "http://localhost:"+port+"/" || !strings.HasPrefix(d.TokenEndpoint, tokenBase) || !strings.HasPrefix(d.Authorization, "http://localhost:"+port+"/") {
			t.Errorf("discovery with Host %s: %d %+v %v", host, resp.StatusCode, d, err)
		}
	}

	// docker stop
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM: %v (want exit 0)\n%s", err, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ssokit did not stop on SIGTERM")
	}
	if code, out := health(); code != 1 || !strings.Contains(out, "unhealthy: nothing listens at") {
		t.Errorf("health check after stop: exit %d %q (want 1)", code, out)
	}
}

// TestReadmeComposeExample keeps the README's compose example the file
// TestContainerStyleRun runs.
func TestReadmeComposeExample(t *testing.T) {
	compose, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(compose)+"```\n") {
		t.Errorf("README.md's docker compose example differs from %s; copy the file into the README", composeFile)
	}
}

// assertStatic fails unless bin is a static ELF: no program interpreter,
// which distroless/static does not have.
func assertStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Fatalf("%s is dynamically linked (%v); the distroless static image has no loader", bin, p.Type)
		}
	}
}

func procUID(t *testing.T, pid int) string {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Uid:"); ok {
			return strings.Fields(rest)[1] // effective
		}
	}
	return ""
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
