package provider_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/scaffold"
)

// TestPlaywrightFixture runs the fixture `ssokit new playwright` writes
// (templates/files/playwright, rendered as the command renders it, for this
// provider's issuer) with the pinned @playwright/test (testdata/npm/playwright,
// .ci/setup.d/50-playwright.sh) driving the system Chromium, against a
// provider and two micro-frontends using the unmodified oidc-client-ts and
// auth0-spa-js. The spec (testdata/playwright/sdk.spec.ts, in place of the
// template's example, which drives `ssokit new` apps: pkg/scaffold
// TestPlaywrightTemplate runs that one) drives the SDKs' test hooks:
// test.use({user}) signs the browser in through the test API, both apps sign
// in silently, ssokit.tokens reads what oidc-client-ts received, signing out
// at one app signs out the other and both back-channel logouts are
// delivered (provider events), a fault fires for one test, and a replayed
// refresh token is caught.
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

	// the template as `ssokit new playwright` writes it, with this spec
	// instead of the example, beside the pinned node_modules
	dir := t.TempDir()
	tmpls := os.DirFS(filepath.Join(testutil.RepoRoot(t), "templates", "files"))
	data, err := scaffold.Params{Template: "playwright", Name: "e2e", Tool: true, Issuer: e.issuer}.Data()
	if err != nil {
		t.Fatal(err)
	}
	files, err := scaffold.Render(tmpls, "playwright", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scaffold.Write(dir, files, false); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "sso.spec.ts")); err != nil {
		t.Fatalf("the template has no example spec to replace: %v", err)
	}
	spec, err := os.ReadFile(filepath.Join("testdata", "playwright", "sdk.spec.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sdk.spec.ts"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(nm, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(nm, "@playwright", "test", "cli.js"), "test", "--reporter", "list")
	cmd.Dir = dir
	// No SSOKIT_PROVIDER: apps.ts's rendered issuer is used.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SSOKIT_PROVIDER=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"SSOKIT_CHROME="+chrome,
		"APP_A="+e.apps["app-a"].origin+"/oidc/", "APP_B="+e.apps["app-b"].origin+"/auth0/",
		"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1", "PLAYWRIGHT_BROWSERS_PATH="+filepath.Join(dir, "no-browsers"),
		"CI=1", "FORCE_COLOR=0", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("playwright test: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`\b4 passed\b`).Match(out) {
		t.Fatalf("want 4 passed:\n%s", out)
	}
	t.Logf("%s", out)
}
