package stack

import (
	"bytes"
	"context"
	"crypto/tls"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/templates"
)

// testKeys is the suite-wide shared RSA key set.
var testKeys = testutil.Keys

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freeUpstream(t *testing.T, body string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body+" "+r.URL.Path) })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func startStack(t *testing.T, cfg *config.Config, out io.Writer) *Stack {
	t.Helper()
	s, err := Start(context.Background(), Options{Config: cfg, Demo: templates.Demo(), ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0",
		Keys: testKeys(), Out: out, ErrOut: out, ReadyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDemoServesBothAppsAndTheProvider(t *testing.T) {
	s := startStack(t, nil, io.Discard)
	for _, p := range []string{"/", "/account/"} {
		code, body := get(t, s.ProxyURL()+p)
		if code != 200 || !strings.Contains(body, `<p id="status">`) {
			t.Errorf("%s: %d", p, code)
		}
	}
	_, js := get(t, s.ProxyURL()+"/account/config.js")
	if !strings.Contains(js, `"clientId":"account"`) || !strings.Contains(js, s.Issuer()) {
		t.Errorf("config.js: %s", js)
	}
	code, disc := get(t, s.Issuer()+".well-known/openid-configuration")
	if code != 200 || !strings.Contains(disc, `"issuer": "`+s.Issuer()+`"`) {
		t.Errorf("discovery: %d %s", code, disc)
	}
}

func TestMountedProvider(t *testing.T) {
	cfg := &config.Config{Provider: config.Provider{Mount: "/auth"},
		Apps: []config.App{{Name: "shell", Path: "/", Upstream: freeUpstream(t, "shell")}}}
	s := startStack(t, cfg, io.Discard)
	if want := s.ProxyURL() + "/auth/"; s.Issuer() != want {
		t.Fatalf("issuer %s, want %s", s.Issuer(), want)
	}
	code, disc := get(t, s.ProxyURL()+"/auth/.well-known/openid-configuration")
	if code != 200 || !strings.Contains(disc, `"token_endpoint": "`+s.ProxyURL()+`/auth/oauth/token"`) {
		t.Fatalf("discovery through the proxy: %d %s", code, disc)
	}
	if _, body := get(t, s.ProxyURL()+"/x"); body != "shell /x" {
		t.Errorf("app route: %q", body)
	}
}

func TestAppCrashIsReportedAndRestarted(t *testing.T) {
	out := &testutil.SyncBuffer{}
	cfg := &config.Config{Apps: []config.App{{Name: "flaky", Path: "/f", Upstream: "http://127.0.0.1:1", Command: "echo started; exit 3"}}}
	s := startStack(t, cfg, out)
	waitFor(t, "a restart", func() bool { return s.apps[0].Restarts() >= 1 })
	got := out.String()
	for _, want := range []string{"[flaky] started\n", "[flaky] exited (exit status 3); restarting in 1s"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestCloseLeavesNoChildBehind(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pids")
	// the app starts a grandchild, as npm → node does
	cmd := "sleep 300 & echo $! > " + pidFile + "; sleep 300"
	cfg := &config.Config{Apps: []config.App{{Name: "dev", Path: "/d", Upstream: "http://127.0.0.1:1", Command: cmd}}}
	s := startStack(t, cfg, io.Discard)
	waitFor(t, "the grandchild's pid", func() bool { b, _ := os.ReadFile(pidFile); return len(bytes.TrimSpace(b)) > 0 })
	s.apps[0].mu.Lock()
	leader := s.apps[0].pid
	s.apps[0].mu.Unlock()
	b, _ := os.ReadFile(pidFile)
	grandchild := strings.TrimSpace(string(b))
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %s, want under 5s", d)
	}
	// a signal is delivered asynchronously: give the group a moment to die,
	// within the 5 s that Ctrl-C promises
	deadline := time.Now().Add(5*time.Second - time.Since(start))
	for _, pid := range []string{grandchild, itoa(leader)} {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("process %s survived Close by 5s", pid)
		}
	}
}

func TestBadInputBeforeAnythingStarts(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = Start(context.Background(), Options{Demo: templates.Demo(), ProviderAddr: "127.0.0.1:0", ProxyAddr: busy.Addr().String(), Keys: testKeys()})
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "port "+port+" is already in use") || !strings.Contains(err.Error(), "pass another --proxy-addr") {
		t.Errorf("port in use: %v", err)
	}
	// Issue 12: the demo (no ssokit.yaml) names the flag, not a file that does not exist.
	s := &Stack{demo: true, cfg: &config.Config{}}
	if got := s.addrFix("provider", ""); strings.Contains(got, "provider.addr") || !strings.Contains(got, "--provider-addr") {
		t.Errorf("demo: %s", got)
	}
	s = &Stack{cfg: &config.Config{Path: "dev/ssokit.yaml"}}
	if got := s.addrFix("proxy", ""); !strings.Contains(got, "change proxy.addr in dev/ssokit.yaml") {
		t.Errorf("config: %s", got)
	}
	cfg := &config.Config{Apps: []config.App{{Name: "web", Path: "/", Upstream: "http://127.0.0.1:1", Command: "no-such-dev-server --port 5101"}}}
	_, err = Start(context.Background(), Options{Config: cfg, ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Keys: testKeys()})
	if err == nil || !strings.Contains(err.Error(), `app web: command "no-such-dev-server --port 5101": "no-such-dev-server" is not installed or not in PATH`) {
		t.Errorf("missing command: %v", err)
	}
}

func TestHotReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ssokit.yaml")
	a, b := freeUpstream(t, "A"), freeUpstream(t, "B")
	// written atomically: a truncate-then-write that a loaded machine
	// stalls between could be read as an (empty, valid) config
	write := func(s string) {
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("apps:\n  - {name: one, path: /one, upstream: '" + a + "'}\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := &testutil.SyncBuffer{}
	s := startStack(t, cfg, out)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Watch(ctx, path, 20*time.Millisecond)

	write("apps:\n  - {name: one, path: /one, upstream: '" + a + "'}\n  - {name: two, path: /two, upstream: '" + b + "'}\n")
	waitFor(t, "the new route", func() bool { _, body := get(t, s.ProxyURL()+"/two/x"); return body == "B /two/x" })

	write("apps:\n  - {name: one, path: /one, upstream: '" + a + "'}\n  - {name: one, path: /three, upstream: '" + b + "'}\n")
	waitFor(t, "the reload error", func() bool { return strings.Contains(out.String(), "not reloaded") })
	if !strings.Contains(out.String(), path+":3:") || !strings.Contains(out.String(), `app "one" is defined twice`) {
		t.Errorf("reload error lacks file:line:\n%s", out.String())
	}
	if _, body := get(t, s.ProxyURL()+"/two/x"); body != "B /two/x" {
		t.Errorf("the previous config was not kept: %q", body)
	}
}

// BenchmarkUpDemoReady: `ssokit up` with the built-in demo, from nothing to
// the shell answering through the proxy (keys loaded from disk, as a
// second run would).
func BenchmarkUpDemoReady(b *testing.B) {
	dir := b.TempDir()
	if _, err := keys.Load(keys.Options{Dir: dir}); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for b.Loop() {
		ks, err := keys.Load(keys.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		s, err := Start(context.Background(), Options{Demo: templates.Demo(), ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Keys: ks})
		if err != nil {
			b.Fatal(err)
		}
		resp, err := client.Get(s.ProxyURL() + "/")
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("shell: %v", err)
		}
		resp.Body.Close()
		s.Close()
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(context.Background(), Options{Demo: templates.Demo(), ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Keys: testKeys(), TLS: true, CADir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.ProxyURL(), "https://localhost:") || !strings.HasPrefix(s.Issuer(), "https://localhost:") {
		t.Fatalf("proxy %s issuer %s", s.ProxyURL(), s.Issuer())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CA.Pool()}}}
	for _, u := range []string{s.ProxyURL() + "/", s.Issuer() + ".well-known/openid-configuration"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
		if strings.Contains(u, "openid") && !strings.Contains(string(b), `"issuer": "`+s.Issuer()+`"`) {
			t.Errorf("discovery issuer: %s", b)
		}
	}
	// the CA persists: a second start reuses it
	ca2, err := LoadOrCreateCA(dir, time.Now())
	if err != nil || !ca2.Cert.Equal(s.CA.Cert) {
		t.Fatalf("CA not reused: %v", err)
	}
	// and it is name-constrained to localhost: it cannot vouch for real sites
	if len(ca2.Cert.PermittedDNSDomains) != 1 || ca2.Cert.PermittedDNSDomains[0] != "localhost" {
		t.Errorf("CA constraints %v", ca2.Cert.PermittedDNSDomains)
	}
}

// The demo's account page works at /account as well as /account/: its
// assets and config resolve under /account/, not the shell's.
func TestDemoWithoutTrailingSlash(t *testing.T) {
	s := startStack(t, nil, io.Discard)
	_, body := get(t, s.ProxyURL()+"/account")
	if !strings.Contains(body, `<base href="/account/">`) {
		t.Fatalf("/account page has no base for its assets:\n%s", body)
	}
	_, js := get(t, s.ProxyURL()+"/account/config.js")
	if !strings.Contains(js, `"clientId":"account"`) {
		t.Errorf("account config: %s", js)
	}
}
