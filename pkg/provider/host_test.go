package provider

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// rebound sends a request to the provider's real loopback listener with the
// Host header a DNS-rebinding page would carry: the browser connects to
// 127.0.0.1 but still names attacker.example.
func rebound(t *testing.T, op *testOP, method, path, host string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, op.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// an event stream never ends: read what has arrived, not to EOF
	b := make([]byte, 4096)
	n, _ := io.ReadAtLeast(resp.Body, b, 1)
	return resp.StatusCode, string(b[:n])
}

// TestDNSRebindingIsRefused reproduces issue 11's High finding: a page on
// http://attacker.example:9400 rebound to 127.0.0.1 read the event stream
// (every token) and installed a fault, because only the peer address was
// checked. The Host header gives the rebinding away.
func TestDNSRebindingIsRefused(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/_ssokit/events?replay=1", ""},
		{http.MethodPost, "/_ssokit/faults", `{"endpoint":"token","error":"http_500"}`},
		{http.MethodGet, "/_ssokit/status", ""},
		{http.MethodGet, "/.well-known/openid-configuration", ""},
	} {
		st, body := rebound(t, op, c.method, c.path, "attacker.example:9400", c.body)
		if st != http.StatusForbidden || !strings.Contains(body, "allowed_hosts") || !strings.Contains(body, "--allowed-host attacker.example") {
			t.Errorf("%s %s with Host attacker.example: %d %q, want 403 saying how to allow the host", c.method, c.path, st, body)
		}
	}
	if got := op.faults.snapshot(); len(got) != 0 {
		t.Fatalf("a rebound request installed faults: %+v", got)
	}
	// the issuer's own host and loopback names still work
	for _, host := range []string{strings.TrimPrefix(strings.TrimSuffix(op.issuer, "/"), "http://"), "localhost:9400", "app.localhost", "[::1]:9400"} {
		if st, body := rebound(t, op, http.MethodGet, "/_ssokit/status", host, ""); st != http.StatusOK {
			t.Errorf("Host %s: %d %s, want 200", host, st, body)
		}
	}
}

func TestAllowedHostsAndIssuerHost(t *testing.T) {
	op := newTestOP(t, registeredConfig(), func(o *Options) {
		o.Issuer = "http://auth.example.test:9400/"
		o.AllowedHosts = []string{"ci-runner"}
	})
	for host, want := range map[string]int{
		"auth.example.test:9400": http.StatusOK, // the issuer's host
		"ci-runner:9400":         http.StatusOK, // allowed explicitly
		"attacker.example:9400":  http.StatusForbidden,
	} {
		if st, body := rebound(t, op, http.MethodGet, "/.well-known/openid-configuration", host, ""); st != want {
			t.Errorf("Host %s: %d %s, want %d", host, st, body, want)
		}
	}
}
