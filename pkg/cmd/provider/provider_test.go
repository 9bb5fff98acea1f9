package provider

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
)

func TestParseFault(t *testing.T) {
	f, err := ParseFault("endpoint=token,error=temporarily_unavailable,count=1,client_id=shell,latency=150ms,for=5m")
	if err != nil || f.Endpoint != "token" || f.Error != "temporarily_unavailable" || f.Count != 1 || f.ClientID != "shell" || f.Latency != 150*time.Millisecond || f.For != 5*time.Minute {
		t.Fatalf("%+v %v", f, err)
	}
	for in, want := range map[string]string{
		"error=nope":        `error: "nope" is not one of`,
		"endpoint":          "is not key=value",
		"latency=fast":      "latency=fast",
		"colour=red":        `unknown key "colour"`,
		"count=-1":          "must not be negative",
		"endpoint=weird":    `endpoint: "weird" is not one of`,
		"access_token_ttl=": "is not key=value",
	} {
		if _, err := ParseFault(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

// TestRunServesAndStops starts the real command on a free port with a
// fault flag, checks discovery and the fault, then cancels (SIGINT's path).
func TestRunServesAndStops(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	ready := make(chan string, 1)
	opts := &Options{Addr: "127.0.0.1:0", LogFormat: "json", EphemeralKeys: true,
		Faults: []string{"endpoint=jwks,error=http_500,count=1"}, Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, f, opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	base := "http://" + addr
	get := func(p string) (int, string) {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/.well-known/openid-configuration"); code != 200 || !strings.Contains(body, `"issuer": "http://localhost:`) {
		t.Fatalf("discovery: %d %s", code, body)
	}
	if code, _ := get("/.well-known/jwks.json"); code != 500 {
		t.Errorf("first JWKS with the fault: %d, want 500", code)
	}
	if code, _ := get("/.well-known/jwks.json"); code != 200 {
		t.Errorf("second JWKS (fault used up): %d, want 200", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("provider did not stop")
	}
	banner := errOut.String()
	for _, want := range []string{"issuer     http://localhost:", "users      alice (any password), bob (any password)", "(ephemeral)", `"endpoint":"discovery"`} {
		if !strings.Contains(banner, want) {
			t.Errorf("stderr lacks %q:\n%s", want, banner)
		}
	}
}

func TestNonLoopbackWarning(t *testing.T) {
	var b bytes.Buffer
	cmdutil.WarnNonLoopback(&b, "0.0.0.0:9400", "provider", false)
	if !strings.Contains(b.String(), "WARNING") || !strings.Contains(b.String(), "real-looking tokens") {
		t.Errorf("warning: %q", b.String())
	}
	b.Reset()
	cmdutil.WarnNonLoopback(&b, "127.0.0.1:9400", "provider", false)
	if b.Len() != 0 {
		t.Errorf("loopback warned: %q", b.String())
	}
	if IssuerFor("127.0.0.1:9555") != "http://localhost:9555/" || IssuerFor("[::1]:9555") != "http://localhost:9555/" {
		t.Errorf("IssuerFor: %s %s", IssuerFor("127.0.0.1:9555"), IssuerFor("[::1]:9555"))
	}
}

// TestRunAllowedHostAndShutdownWithSubscriber: --allowed-host extends the
// Host check; and Ctrl-C with `inspect --follow` connected ends the stream
// at once instead of waiting out the grace period (issue 12).
func TestRunAllowedHostAndShutdownWithSubscriber(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	ready := make(chan string, 1)
	opts := &Options{Addr: "127.0.0.1:0", LogFormat: "text", EphemeralKeys: true, AllowedHosts: []string{"ci-runner"},
		Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, f, opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	for host, want := range map[string]int{"ci-runner:9400": 200, "attacker.example:9400": 403} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/.well-known/openid-configuration", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
	guard, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	req, _ := http.NewRequestWithContext(guard, http.MethodGet, "http://"+addr+"/_ssokit/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cancel()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("the event stream was cut, not ended, at shutdown: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-guard.Done():
		t.Fatal("the provider did not stop with a subscriber connected")
	}
}
