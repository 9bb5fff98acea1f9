package run_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// startOIDCProvider starts panva's oidc-provider (pinned in
// testdata/npm/oidc-provider, installed by .ci/setup.d/30-oidc-provider.sh)
// with node on a free loopback port and returns its issuer.
func startOIDCProvider(t *testing.T) string {
	t.Helper()
	modules := testutil.NodeModules(t, "oidc-provider")
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node not found (CI=true): install nodejs")
		}
		t.Skip("node not found: install nodejs to run the oidc-provider interop test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "server.mjs", strconv.Itoa(port))
	cmd.Dir = filepath.Dir(modules)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("oidc-provider output:\n%s", logs.String())
		}
	})
	issuer := "http://localhost:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(issuer + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return issuer
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("oidc-provider did not answer at %s within 30s: %v\n%s", issuer, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAgainstOIDCProvider runs login → silent → refresh → userinfo →
// logout → silent against a provider ssokit did not write: its own login
// form, consent screen and logout confirmation, filled generically.
func TestAgainstOIDCProvider(t *testing.T) {
	issuer := startOIDCProvider(t)
	code, out, errOut := ssokit(t, "flow", "run", "testdata/oidc-provider.yaml", "--issuer", issuer, "--verbose")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"✓ login shell as alice", "✓ silent account", "✓ logout shell",
		"POST /session/end/confirm 303", // the logout confirmation form was submitted
		"1 passed, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// Apps on other localhost ports are same-site: every profile passes.
	code, out, errOut = ssokit(t, "flow", "run", "testdata/oidc-provider.yaml", "--issuer", issuer, "--browser", "all", "--parallel", "2")
	if code != 0 || !strings.Contains(out, "4 passed, 0 failed") {
		t.Fatalf("--browser all: exit %d\n%s\n%s", code, out, errOut)
	}
}
