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
		"client account registers redirect_uri http://localhost:9000/account/callback on the configured proxy port 9000, under clients (" + path + ":3)",
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

// Moving the provider leaves the apps' .env files (written by ssokit new)
// pointing at the old issuer: `up` names the file, line and key.
func TestWarnsWhenAnAppEnvNamesAnotherIssuer(t *testing.T) {
	dir := t.TempDir()
	for app, env := range map[string]string{
		"account": "# Written by ssokit new\nVITE_SSOKIT_ISSUER=\"http://localhost:9400/\"\nVITE_SSOKIT_CLIENT_ID=\"account\"\n",
		"orders":  "ADDR=\"127.0.0.1:5103\"\nISSUER=\"http://localhost:9400/\"\n",
	} {
		if err := os.MkdirAll(filepath.Join(dir, app), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, app, ".env"), []byte(env), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Path: filepath.Join(dir, "ssokit.yaml"), Apps: []config.App{
		{Name: "account", Path: "/account", Upstream: "http://localhost:5102", Cwd: "./account"},
		{Name: "orders", Path: "/orders", Upstream: "http://localhost:5103", Cwd: "./orders"},
	}}
	out := &testutil.SyncBuffer{}
	s := startStack(t, cfg, out)
	for _, want := range []string{
		filepath.Join(dir, "account", ".env") + ":2: VITE_SSOKIT_ISSUER is http://localhost:9400/, but the provider's issuer is " + s.Issuer() + ": app account",
		filepath.Join(dir, "orders", ".env") + ":2: ISSUER is http://localhost:9400/",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// an .env that agrees (auth0's domain is the issuer's origin) is quiet
	origin := strings.TrimSuffix(s.Issuer(), "/")
	if got := envContradictions(&config.Config{Path: cfg.Path, Apps: []config.App{{Name: "account", Cwd: "./account"}}}, "http://localhost:9400/"); len(got) != 0 {
		t.Errorf("agreeing .env warned: %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "account", ".env"), []byte("VITE_AUTH0_DOMAIN=\""+origin+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := envContradictions(&config.Config{Path: cfg.Path, Apps: []config.App{{Name: "account", Cwd: "./account"}}}, s.Issuer()); len(got) != 0 {
		t.Errorf("auth0 domain warned: %v", got)
	}
}
