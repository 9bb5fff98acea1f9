package provider

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
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

// streamTokens reads the replayed token events from the event stream at
// query and returns their tokens.
func streamTokens(t *testing.T, op *testOP, query string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, op.issuer+"_ssokit/events?replay=1"+query, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var toks []string
	err = events.ReadStream(resp.Body, func(e events.Event) error {
		if e.Kind == events.KindToken {
			toks = append(toks, e.Token)
		}
		if len(toks) == 1 {
			return io.EOF
		}
		return nil
	})
	if err != io.EOF {
		t.Fatalf("stream: %v", err)
	}
	return toks
}

// TestEventTokensRedactedByDefault: the event stream carried every issued
// token whole (issue 11). By default it shows enough to correlate; whole
// tokens only on ?tokens=full, which `inspect --follow` asks for.
func TestEventTokensRedactedByDefault(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	st, m := op.tokenCall(t, url.Values{"grant_type": {"client_credentials"}}, func(r *http.Request) { r.SetBasicAuth("bff", "s3cret") })
	at, _ := m["access_token"].(string)
	if st != http.StatusOK || at == "" {
		t.Fatalf("client_credentials: %d %v", st, m)
	}
	red := streamTokens(t, op, "")[0]
	head := at[:strings.LastIndexByte(at, '.')+1]
	if red == at || !strings.HasPrefix(red, head) || !strings.HasSuffix(red, "…") || len(red) > len(head)+8+len("…") {
		t.Fatalf("default stream token %q, want the claims and 8 signature characters of %q", red, at)
	}
	if got := streamTokens(t, op, "&tokens=full")[0]; got != at {
		t.Fatalf("tokens=full gave %q, want the whole token", got)
	}
	if st, body := rebound(t, op, http.MethodGet, "/_ssokit/events?tokens=all", "localhost", ""); st != http.StatusBadRequest || !strings.Contains(body, "tokens=full") {
		t.Fatalf("unknown tokens= value: %d %s", st, body)
	}
}
