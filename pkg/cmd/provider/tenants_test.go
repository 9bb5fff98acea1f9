package provider

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
)

// runProvider runs the command until the test ends and returns its base URL.
func runProvider(t *testing.T, opts *Options) (string, *strings.Builder) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	ready := make(chan string, 1)
	opts.Addr, opts.LogFormat, opts.Ready = "127.0.0.1:0", "text", func(a string) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, f, opts) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case addr := <-ready:
		var b strings.Builder
		b.WriteString(errOut.String())
		return "http://" + addr, &b
	case err := <-done:
		t.Fatal(err)
	}
	return "", nil
}

func discoveryIssuer(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct{ Issuer string }
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v", url, resp.StatusCode, err)
	}
	return d.Issuer
}

// TestRunTenants: `ssokit provider --config` serves the configured
// tenants on the one listener, lists them in the banner and persists each
// tenant's keys in its own directory under the keys dir.
func TestRunTenants(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ssokit.yaml")
	if err := os.WriteFile(cfg, []byte(`tenants:
  - name: acme
  - name: demo
    profile: keycloak
`), 0o600); err != nil {
		t.Fatal(err)
	}
	keysDir := filepath.Join(dir, "keys")
	base, banner := runProvider(t, &Options{ConfigFile: cfg, KeysDir: keysDir, MaxTenants: 5})
	host := strings.Replace(base, "127.0.0.1", "localhost", 1)
	if iss := discoveryIssuer(t, base+"/acme/.well-known/openid-configuration"); iss != host+"/acme/" {
		t.Errorf("acme issuer %q", iss)
	}
	if iss := discoveryIssuer(t, base+"/realms/demo/.well-known/openid-configuration"); iss != host+"/realms/demo" {
		t.Errorf("demo issuer %q", iss)
	}
	for _, want := range []string{"Tenants (each its own issuer", "acme  " + host + "/acme/", "demo  " + host + "/realms/demo  keycloak"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner.String(), "on first use") {
		t.Errorf("a configured provider promises tenants on first use:\n%s", banner)
	}
	for _, name := range []string{"acme", "demo"} {
		if m, _ := filepath.Glob(filepath.Join(keysDir, "tenants", name, "*")); len(m) == 0 {
			t.Errorf("no persisted keys for tenant %s", name)
		}
	}
}

// TestRunTenantsZeroConfig: with no config, the banner says how to make a
// tenant, and a keycloak realm exists on its first request.
func TestRunTenantsZeroConfig(t *testing.T) {
	base, banner := runProvider(t, &Options{EphemeralKeys: true, MaxTenants: 3})
	host := strings.Replace(base, "127.0.0.1", "localhost", 1)
	for _, want := range []string{"Tenants on first use (no config; up to 3)", host + "/realms/acme  (keycloak: url " + host + ", realm acme)", host + "/acme/v2.0  (entra)"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if iss := discoveryIssuer(t, base+"/realms/demo/.well-known/openid-configuration"); iss != host+"/realms/demo" {
		t.Errorf("demo issuer %q", iss)
	}
}

func TestMaxTenantsFlag(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdProvider(&cmdutil.Factory{IOStreams: ios}, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"--max-tenants", "0"})
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--max-tenants 0 must be at least 1") {
		t.Errorf("--max-tenants 0: %v", err)
	}
}
