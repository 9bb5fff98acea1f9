package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// Issue 12: `up --provider-addr …` with an issuer on another port served
// discovery pointing at the old port, and moving only the proxy gave
// "redirect_uri … is not registered", both silently. Both are warned about,
// naming the flag, the key and file:line.
func TestWarnsWhenFlagsContradictTheConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ssokit.yaml")
	yaml := "# dev stack\nissuer: http://localhost:9400/\nclients:\n  - client_id: account\n    redirect_uris: [http://localhost:9000/account/callback]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := &testutil.SyncBuffer{}
	s := startStack(t, cfg, out) // --provider-addr 127.0.0.1:0 --proxy-addr 127.0.0.1:0
	got := out.String()
	_, providerPort, _ := strings.Cut(strings.TrimSuffix(s.providerLn.Addr().String(), "/"), "127.0.0.1:")
	for _, want := range []string{
		"warning: the provider listens on port " + providerPort + " (--provider-addr 127.0.0.1:0), but issuer (" + path + ":2) is http://localhost:9400/, on port 9400",
		"warning: --proxy-addr 127.0.0.1:0 moves the apps to port ",
		"client account registers redirect_uri http://localhost:9000/account/callback on the configured proxy port 9000 (clients (" + path + ":3))",
		`"Moving the stack"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestNoWarningWhenFlagsAgree(t *testing.T) {
	out := &testutil.SyncBuffer{}
	startStack(t, &config.Config{Clients: []config.Client{{ClientID: "x", RedirectURIs: []string{"http://localhost:9000/cb"}}}, Proxy: config.Proxy{Addr: "127.0.0.1:0"}}, out)
	if strings.Contains(out.String(), "warning:") {
		t.Errorf("unexpected warning:\n%s", out)
	}
}
