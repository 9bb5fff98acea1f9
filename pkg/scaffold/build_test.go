package scaffold

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplatesBuild scaffolds every template as `ssokit new` does (into the
// workspace it shares with the browser test) and builds it for real:
// `npm install && npm run build` for the front-end templates, `go vet`,
// `go test` and `go build` for the bff.
//
// It needs the npm registry and takes a few minutes, so outside CI it runs
// only with SSOKIT_TEST_TEMPLATES=1; with CI=true it always runs and fails
// (never skips) when node or npm is missing. Installs share one npm cache
// ($SSOKIT_NPM_CACHE, default <user cache dir>/ssokit/npm-test-cache) that
// .ci/setup.d/40-templates.sh prepares.
func TestTemplatesBuild(t *testing.T) {
	inCI := os.Getenv("CI") == "true"
	if !inCI && os.Getenv("SSOKIT_TEST_TEMPLATES") == "" {
		t.Skip("builds every template with npm (minutes, needs the npm registry); set SSOKIT_TEST_TEMPLATES=1 to run it, CI=true always does")
	}
	w := sharedWorkspace(t)
	tmpls, err := List(templatesFS())
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range tmpls {
		t.Run(tm.Name, func(t *testing.T) {
			// Scaffolded as `ssokit new` does and built once per test
			// binary, shared with TestScaffoldedAppsInChromium
			// (workspace_browser_test.go).
			a := w.built(t, tm.Name)
			dir, files := a.dir, a.files
			if !tm.IsApp() {
				// A tool is installed from its lockfile (TestPlaywrightTemplate
				// runs its specs).
				if _, err := os.Stat(filepath.Join(dir, "node_modules", "@playwright", "test", "package.json")); err != nil {
					t.Errorf("npm install did not install @playwright/test: %v", err)
				}
				return
			}
			if tm.Kind == KindBFF {
				if _, err := os.Stat(filepath.Join(dir, "app")); err != nil {
					t.Errorf("go build produced no binary: %v", err)
				}
				return
			}
			for _, want := range []string{"dist/index.html"} {
				if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
					t.Errorf("build produced no %s", want)
				}
			}
			for _, p := range tm.RedirectPaths {
				if strings.HasSuffix(p, ".html") {
					if _, err := os.Stat(filepath.Join(dir, "dist", p)); err != nil {
						t.Errorf("build produced no dist/%s (a registered redirect URI)", p)
					}
				}
			}
			if tm.FrontchannelLogoutPath != "" {
				if _, err := os.Stat(filepath.Join(dir, "dist", tm.FrontchannelLogoutPath)); err != nil {
					t.Errorf("build produced no dist/%s (the front-channel logout URI)", tm.FrontchannelLogoutPath)
				}
			}
			// The lockfile must stay as rendered: a template whose
			// package.json and package-lock.json disagree drifts silently.
			lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Path == "package-lock.json" && string(f.Data) != string(lock) {
					t.Errorf("npm install rewrote package-lock.json: regenerate templates/files/%s/package-lock.json.tmpl", tm.Name)
				}
			}
		})
	}
}

func npmCache(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install Node.js 20.19+ and npm (.ci/setup.d/40-templates.sh checks this)", tool)
		}
	}
	if dir := os.Getenv("SSOKIT_NPM_CACHE"); dir != "" {
		return dir
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "ssokit", "npm-test-cache")
}
