package up

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/pkg/stack"
)

// TestUpFromEnvironment configures `ssokit up` only through SSOKIT_
// variables, as a CI job or a container does, including the issuer split.
func TestUpFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ssokit.yaml")
	if err := os.WriteFile(cfg, []byte("apps:\n  - name: web\n    path: /web\n    upstream: http://127.0.0.1:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", dir)
	t.Setenv("SSOKIT_CONFIG", cfg)
	t.Setenv("SSOKIT_PROVIDER_ADDR", "127.0.0.1:0")
	t.Setenv("SSOKIT_PROXY_ADDR", "127.0.0.1:0")
	t.Setenv("SSOKIT_LOG_FORMAT", "none")
	t.Setenv("SSOKIT_INTERNAL_URL", "http://ssokit:9400/")

	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	started := make(chan *stack.Stack, 1)
	var opts *Options
	cmd := NewCmdUp(f, func(ctx context.Context, o *Options) error {
		opts = o
		o.Started = func(s *stack.Stack) { started <- s }
		return Run(ctx, f, o)
	})
	cmd.SetArgs(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var s *stack.Stack
	select {
	case s = <-started:
	case err := <-done:
		t.Fatalf("up: %v\n%s", err, errOut)
	case <-time.After(20 * time.Second):
		t.Fatalf("up did not start:\n%s", errOut)
	}
	defer func() { cancel(); <-done }()
	if opts.LogFormat != "none" || strings.Join(opts.InternalURLs, ",") != "http://ssokit:9400/" {
		t.Errorf("options from the environment: %+v", opts)
	}
	provAddr, _ := s.ListenAddrs()
	req, _ := http.NewRequest(http.MethodGet, "http://"+provAddr+"/.well-known/openid-configuration", nil)
	req.Host = "ssokit:9400"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(d.TokenEndpoint, "http://ssokit:9400/") || strings.Contains(d.Issuer, "ssokit") {
		t.Errorf("discovery through the internal name: %d issuer %q token %q", resp.StatusCode, d.Issuer, d.TokenEndpoint)
	}
	if !strings.Contains(errOut.String(), "using "+cfg+" (SSOKIT_CONFIG)") {
		t.Errorf("config from SSOKIT_CONFIG not announced:\n%s", errOut)
	}
}
