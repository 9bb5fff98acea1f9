package scaffold

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTemplatesBuild renders every template into a temporary directory and
// builds it for real: `npm install && npm run build` for the front-end
// templates, `go vet`, `go test` and `go build` for the bff.
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
	cache := npmCache(t)
	tmpls, err := List(templatesFS())
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, tm := range tmpls {
		t.Run(tm.Name, func(t *testing.T) {
			data, err := goldenParams(tm.Name).Data()
			if err != nil {
				t.Fatal(err)
			}
			files, err := Render(templatesFS(), tm.Name, data)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(root, tm.Name)
			if _, err := Write(dir, files, false); err != nil {
				t.Fatal(err)
			}
			if tm.Kind == KindBFF {
				env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
				run(t, dir, env, 5*time.Minute, "go", "vet", "./...")
				run(t, dir, env, 5*time.Minute, "go", "test", "./...")
				run(t, dir, env, 5*time.Minute, "go", "build", "-o", filepath.Join(dir, "app"), ".")
				return
			}
			env := append(os.Environ(), "npm_config_cache="+cache, "npm_config_update_notifier=false", "npm_config_omit_lockfile_registry_resolved=true")
			// Install exactly what package-lock.json pins; --prefer-offline
			// serves repeat runs from the shared cache.
			run(t, dir, env, 8*time.Minute, "npm", "install", "--no-audit", "--no-fund", "--prefer-offline")
			run(t, dir, env, 5*time.Minute, "npm", "run", "build")
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

func npmCache(t *testing.T) string {
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

func run(t *testing.T, dir string, env []string, timeout time.Duration, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	t.Logf("%s %s: %s", name, strings.Join(args, " "), time.Since(start).Round(100*time.Millisecond))
}
