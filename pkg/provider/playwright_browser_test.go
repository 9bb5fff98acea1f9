package provider_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// TestPlaywrightFixture runs the Playwright fixture's example spec
// (testdata/playwright: ssokit.ts and example.spec.ts) with the pinned
// @playwright/test (testdata/npm/playwright, .ci/setup.d/50-playwright.sh)
// driving the system Chromium, against a provider and two micro-frontends
// using the unmodified oidc-client-ts and auth0-spa-js: test.use({user})
// signs the browser in through the test API, both apps sign in silently, a
// fault fires for one test, and signing out at one app signs out the other.
func TestPlaywrightFixture(t *testing.T) {
	chrome := testutil.ChromePath(t)
	nm := testutil.NodeModules(t, "playwright")
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node not found (CI=true: this test must run); install Node.js")
		}
		t.Skip("node not found; install Node.js to run the Playwright fixture's spec")
	}
	e := newSDKEnv(t, "", appSpec{"app-a", "localhost"}, appSpec{"app-b", "localhost"})

	// the spec and fixture, beside the pinned node_modules, as in a user's repo
	dir := t.TempDir()
	for _, f := range []string{"ssokit.ts", "example.spec.ts", "playwright.config.ts"} {
		b, err := os.ReadFile(filepath.Join("testdata", "playwright", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(nm, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(nm, "@playwright", "test", "cli.js"), "test", "--config", "playwright.config.ts")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"SSOKIT_PROVIDER="+e.issuer, "SSOKIT_CHROME="+chrome,
		"APP_A="+e.apps["app-a"].origin+"/oidc/", "APP_B="+e.apps["app-b"].origin+"/auth0/",
		"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1", "PLAYWRIGHT_BROWSERS_PATH="+filepath.Join(dir, "no-browsers"),
		"CI=1", "FORCE_COLOR=0", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("playwright test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "3 passed") {
		t.Fatalf("want 3 passed:\n%s", out)
	}
	t.Logf("%s", out)
}
