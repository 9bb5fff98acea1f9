package proxy

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cgiEnviron builds the HTTP_* variables of a request the way CGI and
// Python's wsgiref (simple_server.WSGIRequestHandler.get_environ) do: the
// name upper-cased with '-' turned into '_', and headers that collide
// joined with commas. X-Forwarded_User and X-Forwarded-User both become
// HTTP_X_FORWARDED_USER, which is how an underscore header reaches an
// upstream that trusts the proxy's identity header (the Puma
// CVE-2024-45614 class).
func cgiEnviron(h http.Header) map[string]string {
	env := map[string]string{}
	for name, values := range h {
		k := "HTTP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		for _, v := range values {
			if prev, ok := env[k]; ok {
				env[k] = prev + "," + v
			} else {
				env[k] = v
			}
		}
	}
	return env
}

// cgiUpstream answers with the CGI environment of each request, as JSON.
func cgiUpstream(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(cgiEnviron(r.Header))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// wsgirefUpstream runs Python's own wsgiref server answering with its
// environ's HTTP_* variables: the real thing the Go emulation above stands
// for. CI installs python3 (.ci/run) and fails without it; elsewhere the
// emulation alone runs when python3 is missing.
func wsgirefUpstream(t *testing.T) string {
	py, err := exec.LookPath("python3")
	if err != nil {
		return ""
	}
	script := filepath.Join(t.TempDir(), "app.py")
	if err := os.WriteFile(script, []byte(`
import json, sys
from wsgiref.simple_server import make_server, WSGIRequestHandler
class Quiet(WSGIRequestHandler):
    def log_message(self, *a): pass
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({k: v for k, v in environ.items() if k.startswith("HTTP_")}).encode()]
srv = make_server("127.0.0.1", 0, app, handler_class=Quiet)
print(srv.server_port, flush=True)
srv.serve_forever()
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("python3 %s: %v", script, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	port := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		port <- strings.TrimSpace(line)
	}()
	select {
	case p := <-port:
		if p == "" {
			t.Fatal("wsgiref server printed no port")
		}
		return "http://127.0.0.1:" + p
	case <-time.After(30 * time.Second):
		t.Fatal("wsgiref server did not start")
	}
	return ""
}

// TestUnderscoreHeadersCannotSpoofIdentity sends identity and forwarding
// headers spelled with underscores, which upstreams that follow CGI merge
// into the real ones; the proxy must drop them as nginx does.
func TestUnderscoreHeadersCannotSpoofIdentity(t *testing.T) {
	upstreams := map[string]string{"CGI-style Go upstream": cgiUpstream(t)}
	if u := wsgirefUpstream(t); u != "" {
		upstreams["Python wsgiref"] = u
	} else if os.Getenv("CI") != "" {
		t.Fatal("python3 not found (CI=true): .ci/run installs it for the wsgiref upstream")
	} else {
		t.Log("python3 not found: checking against the Go emulation of wsgiref only")
	}
	spoof := []string{
		"X-Forwarded_User", "admin",
		"X_Forwarded_User", "admin",
		"x_forwarded_email", "admin@example.com",
		"X_Forwarded_For", "6.6.6.6",
		"X-Forwarded_Host", "evil.example",
		"X_Real_IP", "6.6.6.6",
		"X_Auth_Request_User", "admin",
		"X_Env", "prod",
		"X_Not_Special", "kept",
	}
	for name, up := range upstreams {
		t.Run(name, func(t *testing.T) {
			_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: up, Headers: map[string]string{"X-Env": "dev"}}}})
			resp, body := get(t, px.URL+"/", spoof...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var env map[string]string
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatalf("not an environ: %s", body)
			}
			want := map[string]string{
				"HTTP_X_FORWARDED_USER":    "",
				"HTTP_X_FORWARDED_EMAIL":   "",
				"HTTP_X_FORWARDED_FOR":     "127.0.0.1",
				"HTTP_X_FORWARDED_HOST":    strings.TrimPrefix(px.URL, "http://"),
				"HTTP_X_REAL_IP":           "",
				"HTTP_X_AUTH_REQUEST_USER": "",
				"HTTP_X_ENV":               "dev",
				"HTTP_X_NOT_SPECIAL":       "kept",
			}
			for k, v := range want {
				if env[k] != v {
					t.Errorf("upstream's %s = %q, want %q", k, env[k], v)
				}
			}
		})
	}
}

func TestSpoofableFolding(t *testing.T) {
	for name, want := range map[string]bool{
		"X-Forwarded-User": true, "x_forwarded_user": true, "X-Forwarded_For": true,
		"X-Real-Ip": true, "x_real_ip": true, "X-Real-Ip2": false, "Forwarded": true,
		"FORWARDED": true, "Forwarded-X": false, "X-Auth-Request_Email": true,
		"X-Forwarded": false, "X-Env": false, "Authorization": false,
	} {
		if got := spoofable(name); got != want {
			t.Errorf("spoofable(%q) = %v, want %v", name, got, want)
		}
	}
}
