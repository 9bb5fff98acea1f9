package scaffold

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// TestPlaywrightTemplate is issue 14's proof of `ssokit new playwright`:
// the fixture and example spec, scaffolded into the shared workspace after
// the apps (so its apps.ts lists them, vanilla and react first) and
// installed from the template's own package-lock.json, run with
// @playwright/test driving the system Chromium (never a downloaded browser)
// against the stack `ssokit up` runs with the vanilla and react apps built
// for real. The spec signs in through the test API, checks the second app
// signed in silently, signs out everywhere, injects a fault for one test,
// catches a replayed refresh token through the provider's events and the
// tokens the app holds, and signs in through the login form.
//
// It runs where TestTemplatesBuild does: always with CI=true, else with
// SSOKIT_TEST_TEMPLATES=1.
func TestPlaywrightTemplate(t *testing.T) {
	needTemplates(t, "the template builds (npm, minutes)")
	chrome := testutil.ChromePath(t) // before minutes of building
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: install Node.js 20.19+ (.ci/setup.d/40-templates.sh checks this)")
	}
	w := sharedWorkspace(t)
	pw := w.built(t, "playwright") // npm install from its own lockfile
	if len(pw.data.Apps) < 2 || pw.data.Apps[0].Name != "vanilla" || pw.data.Apps[1].Name != "react" {
		t.Fatalf("apps.ts lists %v; the example spec signs in to the first two, which must be vanilla and react", pw.data.Apps)
	}
	vanilla, react := w.built(t, "vanilla"), w.built(t, "react")
	vanilla.serveDist(t)
	react.serveDist(t)

	cfg, err := config.Load(w.config)
	if err != nil {
		t.Fatalf("load the ssokit.yaml that ssokit new wrote: %v", err)
	}
	st := w.startStack(t, cfg, nil)
	if st.Issuer() != w.issuer || pw.data.Issuer != w.issuer {
		t.Fatalf("stack issuer %s, apps.ts's provider %s, apps built for %s", st.Issuer(), pw.data.Issuer, w.issuer)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("node_modules", "@playwright", "test", "cli.js"), "test")
	cmd.Dir = pw.dir
	// No SSOKIT_PROVIDER, APP_A or APP_B: the values `ssokit new` rendered
	// into apps.ts are the ones under test. PLAYWRIGHT_BROWSERS_PATH points
	// at nothing, so a spec that asked for Playwright's own browser fails.
	cmd.Env = append(os.Environ(),
		"SSOKIT_CHROME="+chrome,
		"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1", "PLAYWRIGHT_BROWSERS_PATH="+filepath.Join(t.TempDir(), "no-browsers"),
		"CI=1", "FORCE_COLOR=0", "NO_COLOR=1")
	cmd.Env = withoutEnv(cmd.Env, "SSOKIT_PROVIDER", "APP_A", "APP_B")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("npx playwright test in %s: %v\n%s", pw.dir, err, out)
	}
	if !regexp.MustCompile(`\b4 passed\b`).Match(out) || strings.Contains(string(out), "skipped") {
		t.Fatalf("want the example's 4 tests passed, none skipped:\n%s", out)
	}
	t.Logf("npx playwright test: %s (Node start-up, Chromium launch, 4 tests)\n%s", took.Round(100*time.Millisecond), out)
}

// withoutEnv drops the named variables from env.
func withoutEnv(env []string, names ...string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
