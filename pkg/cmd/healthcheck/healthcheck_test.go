package healthcheck

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	proxycmd "github.com/ssokit/ssokit/pkg/cmd/proxy"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/provider"
	"github.com/ssokit/ssokit/pkg/proxy"
)

// run executes `ssokit healthcheck args…` and returns the exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmdHealthcheck(&cmdutil.Factory{IOStreams: ios, Now: time.Now}, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} }) // as root does
	err := cmd.ExecuteContext(context.Background())
	return cmdutil.ExitCode(err), out.String(), errOut.String() + errString(err)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func startProvider(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	iss := "http://localhost:" + port(srv.Listener.Addr().String()) + "/"
	p, err := provider.New(provider.Options{Issuer: iss, Keys: testutil.Keys()})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(func() { srv.Close(); p.Close() })
	return srv.URL + "/"
}

func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

func startProxy(t *testing.T, routes ...string) string {
	t.Helper()
	var rs []proxy.Route
	for _, r := range routes {
		route, err := proxycmd.ParseRoute(r)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, route)
	}
	p, err := proxy.New(proxy.Options{Routes: rs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestHealthcheckProvider(t *testing.T) {
	base := startProvider(t)
	code, out, errOut := run(t, base)
	if code != 0 || !strings.Contains(out, "healthy: provider at "+base+" answers discovery (issuer http://localhost:") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := run(t, "-q", base); code != 0 || out != "" {
		t.Errorf("--quiet: exit %d, stdout %q", code, out)
	}
	// SSOKIT_HEALTHCHECK_URL stands in for the argument
	t.Setenv(cmdutil.EnvHealthURL, base)
	if code, out, errOut := run(t); code != 0 || !strings.Contains(out, "answers discovery") {
		t.Errorf("from $%s: exit %d %q %q", cmdutil.EnvHealthURL, code, out, errOut)
	}
}

func TestHealthcheckProxy(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/shell/" {
			_, _ = w.Write([]byte("<h1>shell</h1>"))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(app.Close)
	px := startProxy(t, "/shell="+app.URL, "/account=http://"+deadAddr(t))
	if code, out, errOut := run(t, px+"/shell/"); code != 0 || !strings.Contains(out, "answered 200") {
		t.Errorf("proxy with a live app: exit %d %q %q", code, out, errOut)
	}
	// the app behind /account is down: the proxy answers 502, unhealthy
	if code, out, errOut := run(t, px+"/account/"); code != 1 || !strings.Contains(errOut, "unhealthy: "+px+"/account/.well-known/openid-configuration answered 502") || out != "" {
		t.Errorf("proxy with a dead app: exit %d %q %q", code, out, errOut)
	}
}

func TestHealthcheckUnhealthy(t *testing.T) {
	dead := deadAddr(t)
	if code, _, errOut := run(t, "http://"+dead+"/"); code != 1 || !strings.Contains(errOut, "unhealthy: nothing listens at http://"+dead) {
		t.Errorf("nothing listening: exit %d %q", code, errOut)
	}
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	if code, _, errOut := run(t, "--timeout", "100ms", hang.URL+"/"); code != 1 || !strings.Contains(errOut, "did not answer in time") {
		t.Errorf("a server that hangs: exit %d %q", code, errOut)
	}
	notDiscovery := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"hello":1}`)) }))
	t.Cleanup(notDiscovery.Close)
	if code, _, errOut := run(t, notDiscovery.URL+"/"); code != 1 || !strings.Contains(errOut, "not a discovery document") {
		t.Errorf("a 200 that is not discovery: exit %d %q", code, errOut)
	}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusServiceUnavailable) }))
	t.Cleanup(broken.Close)
	if code, _, errOut := run(t, broken.URL+"/"); code != 1 || !strings.Contains(errOut, "answered 503") {
		t.Errorf("503: exit %d %q", code, errOut)
	}
}

func TestHealthcheckBadUsage(t *testing.T) {
	for _, args := range [][]string{{"localhost:9400"}, {"ftp://x/"}, {"http://a/", "http://b/"}, {"--timeout", "0s"}, {"--timeout", "soon"}} {
		if code, _, errOut := run(t, args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d %q (want 2 with a reason)", args, code, errOut)
		}
	}
}

// BenchmarkCheck is one health check against a local provider over
// loopback, connection set-up included (a fresh client each time, as each
// `ssokit healthcheck` process is).
func BenchmarkCheck(b *testing.B) {
	srv := httptest.NewUnstartedServer(nil)
	p, err := provider.New(provider.Options{Issuer: "http://localhost:" + port(srv.Listener.Addr().String()) + "/", Keys: testutil.Keys()})
	if err != nil {
		b.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	defer func() { srv.Close(); p.Close() }()
	ctx := context.Background()
	for b.Loop() {
		tr := &http.Transport{}
		if _, err := Check(ctx, &http.Client{Transport: tr, Timeout: 3 * time.Second}, srv.URL+"/"); err != nil {
			b.Fatal(err)
		}
		tr.CloseIdleConnections()
	}
}
