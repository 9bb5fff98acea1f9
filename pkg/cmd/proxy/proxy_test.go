package proxy_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cli"
	proxycmd "github.com/ssokit/ssokit/pkg/cmd/proxy"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/internal/golden"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/pkg/proxy"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func factory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: func() time.Time { return now }, Version: "test"}, out, errOut
}

func TestParseRoute(t *testing.T) {
	tests := []struct {
		in      string
		want    proxy.Route
		wantErr string
	}{
		{in: "/account=http://localhost:5102", want: proxy.Route{Prefix: "/account", Upstream: "http://localhost:5102"}},
		{in: "/=http://localhost:5101/base", want: proxy.Route{Prefix: "/", Upstream: "http://localhost:5101/base"}},
		{in: "/api=http://localhost:8080,strip,keep-host,name=backend", want: proxy.Route{Name: "backend", Prefix: "/api", Upstream: "http://localhost:8080", StripPrefix: true, PreserveHost: true}},
		{in: "/checkout=http://localhost:5103, auth", want: proxy.Route{Prefix: "/checkout", Upstream: "http://localhost:5103", Auth: &proxy.Auth{}}},
		{in: "/account", wantErr: "want PREFIX=URL"},
		{in: "=http://x", wantErr: "want PREFIX=URL"},
		{in: "/a=", wantErr: "want PREFIX=URL"},
		{in: "/a=http://x,gzip", wantErr: `unknown option "gzip"`},
		{in: "/a=http://x,name=", wantErr: `unknown option "name="`},
		{in: "/a=http://x,strip=yes", wantErr: `unknown option "strip=yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := proxycmd.ParseRoute(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRoute(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.want.Name || got.Prefix != tt.want.Prefix || got.Upstream != tt.want.Upstream ||
				got.StripPrefix != tt.want.StripPrefix || got.PreserveHost != tt.want.PreserveHost || (got.Auth == nil) != (tt.want.Auth == nil) {
				t.Errorf("ParseRoute(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParseRoute: a --route value parses or fails cleanly, and a parsed
// route is either valid or rejected by the proxy's validation with an error.
func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"/a=http://localhost:1", "/=http://x,strip,auth,name=n", "a=b=c", "/a=http://x,,", "/a b=http://x\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := proxycmd.ParseRoute(s)
		if err != nil {
			return
		}
		if r.Prefix == "" || r.Upstream == "" || strings.Contains(r.Upstream, ",") {
			t.Fatalf("ParseRoute(%q) = %+v", s, r)
		}
		if r.Auth != nil {
			r.Auth = &proxy.Auth{Issuer: "http://localhost:9400/", ClientID: "x"}
		}
		_ = proxy.ValidateRoutes([]proxy.Route{r})
	})
}

func TestFlags(t *testing.T) {
	f, _, _ := factory()
	var got *proxycmd.Options
	cmd := proxycmd.NewCmdProxy(f, func(_ context.Context, o *proxycmd.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--addr", "127.0.0.1:9100", "-r", "/=http://localhost:5101", "--route", "/checkout=http://localhost:5103,auth",
		"--issuer", "http://localhost:9500/", "--client-id", "bff", "-c", "ssokit.yaml", "-q"})
	t.Setenv("SSOKIT_CLIENT_SECRET", "from-env")
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Addr != "127.0.0.1:9100" || len(got.Routes) != 2 || got.Routes[1] != "/checkout=http://localhost:5103,auth" ||
		got.Issuer != "http://localhost:9500/" || got.ClientID != "bff" || got.ClientSecret != "from-env" || got.ConfigFile != "ssokit.yaml" || !got.Quiet {
		t.Errorf("options = %+v", got)
	}
}

func TestHelpGolden(t *testing.T) {
	f, out, _ := factory()
	if code := cli.Run(context.Background(), f, []string{"proxy", "--help"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	golden.EqualString(t, filepath.Join("testdata", "help.golden"), out.String())
}

// start runs the command with args until the test ends and returns the
// listening address and its output streams.
func start(t *testing.T, args ...string) (addr string, out, errOut *testutil.SyncBuffer) {
	return startWith(t, nil, args...)
}

func startWith(t *testing.T, tweak func(*proxycmd.Options), args ...string) (addr string, out, errOut *testutil.SyncBuffer) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	out, errOut = &testutil.SyncBuffer{}, &testutil.SyncBuffer{}
	ios.Out, ios.ErrOut = out, errOut
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now, Version: "test"}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := proxycmd.NewCmdProxy(f, func(ctx context.Context, o *proxycmd.Options) error {
		o.Ready = func(a string) { ready <- a }
		if tweak != nil {
			tweak(o)
		}
		return proxycmd.Run(ctx, f, o)
	})
	cmd.SetArgs(args)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("proxy ended with %v", err)
		}
	})
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("proxy did not start: %v\n%s", err, errOut.String())
	}
	return addr, out, errOut
}

func TestRunServesRoutes(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "account app at "+r.URL.Path)
	}))
	t.Cleanup(up.Close)
	addr, out, errOut := start(t, "--addr", "127.0.0.1:0", "--route", "/account="+up.URL+",name=acct")

	resp, err := http.Get("http://" + addr + "/account/settings")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "account app at /account/settings" {
		t.Errorf("through the proxy: %q", body)
	}
	_, port, _ := net.SplitHostPort(addr)
	banner := errOut.String()
	for _, want := range []string{"ssokit proxy on http://localhost:" + port, "/account → " + up.URL + "  (acct)"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "WARNING") {
		t.Errorf("loopback bind warned:\n%s", banner)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "acct") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if line := out.String(); !strings.Contains(line, " acct ") || !strings.Contains(line, "GET  /account/settings 200") {
		t.Errorf("access log on stdout = %q", line)
	}
}

func TestRunFromConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ssokit.yaml")
	os.WriteFile(file, []byte(`proxy: {addr: "127.0.0.1:0"}
clients:
  - client_id: checkout-bff
    secret: dev-secret
    redirect_uris: [http://localhost:9000/checkout/_ssokit/callback]
apps:
  - name: shell
    path: /
    upstream: http://localhost:5101
  - name: checkout
    path: /checkout
    upstream: http://localhost:5103
    auth: required
    client_id: checkout-bff
`), 0o644)
	_, _, errOut := start(t, "--config", file, "--route", "/api=http://localhost:8080,strip")
	banner := errOut.String()
	for _, want := range []string{
		"/         → http://localhost:5101  (shell)",
		"/api      → http://localhost:8080  (api, prefix stripped)",
		"/checkout → http://localhost:5103  (checkout, auth: checkout-bff at http://localhost:9400/)",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "ssokit.yaml")
	os.WriteFile(bad, []byte("apps:\n  - name: shell\n    path: shell\n    upstream: http://localhost:5101\n"), 0o644)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"no routes", []string{"proxy"}, 2, []string{"no routes: add --route PREFIX=URL"}},
		{"malformed flag", []string{"proxy", "--route", "/account"}, 2, []string{`--route "/account": want PREFIX=URL`}},
		{"bad upstream", []string{"proxy", "--route", "/a=localhost:5101"}, 2, []string{"the routes cannot be used", `route "a" (/a): upstream "localhost:5101" must start with http://`}},
		{"duplicate prefix", []string{"proxy", "--route", "/a=http://localhost:1", "--route", "/a/=http://localhost:2,name=b"}, 2, []string{"prefix /a is already routed to http://localhost:1"}},
		{"bad config", []string{"proxy", "--config", bad}, 2, []string{bad + ":3:", `"shell" must start with /`}},
		{"missing config", []string{"proxy", "--config", filepath.Join(dir, "nope.yaml")}, 2, []string{"nope.yaml"}},
		{"port in use", []string{"proxy", "--addr", busy.Addr().String(), "--route", "/=http://localhost:5101"}, 2, []string{"port " + busyPort + " is already in use", "--addr"}},
		{"args", []string{"proxy", "/a=http://x"}, 2, []string{"takes no arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errOut := factory()
			code := cli.Run(context.Background(), f, tt.args)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestDisplayURL(t *testing.T) {
	for addr, want := range map[string]string{"127.0.0.1:9000": "http://localhost:9000", "[::1]:9000": "http://localhost:9000", "0.0.0.0:9000": "http://localhost:9000", "192.168.1.20:9000": "http://192.168.1.20:9000"} {
		if got := proxycmd.DisplayURL(addr); got != want {
			t.Errorf("DisplayURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestRunReloadsConfig(t *testing.T) {
	app := func(name string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
		t.Cleanup(srv.Close)
		return srv
	}
	a, b := app("a"), app("b")
	file := filepath.Join(t.TempDir(), "ssokit.yaml")
	write := func(s string) { // atomically, as most editors save
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	write("apps:\n  - {name: a, path: /a, upstream: " + a.URL + "}\n")
	addr, _, errOut := startWith(t, func(o *proxycmd.Options) { o.WatchInterval = 5 * time.Millisecond }, "--config", file, "--addr", "127.0.0.1:0", "-q")
	body := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; stderr:\n%s", what, errOut.String())
			}
		}
	}
	if got := body("/a/"); got != "a" {
		t.Fatalf("/a/ = %q", got)
	}

	write("apps:\n  - {name: a, path: /a, upstream: " + a.URL + "}\n  - {name: b, path: /b, upstream: " + b.URL + "}\n")
	waitFor("/b to be routed", func() bool { return body("/b/") == "b" })

	write("apps:\n  - {name: a, path: a, upstream: " + a.URL + "}\n")
	waitFor("the bad edit to be reported", func() bool { return strings.Contains(errOut.String(), "cannot be used") })
	if !strings.Contains(errOut.String(), file+":2:") {
		t.Errorf("the report does not name file:line:\n%s", errOut.String())
	}
	if body("/b/") != "b" || body("/a/") != "a" {
		t.Error("a bad edit changed the routes in force")
	}
}
