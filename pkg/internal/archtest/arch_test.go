// Package archtest holds the import directions of DESIGN.md as the one
// architecture test: leaves ← domain ← engines ← orchestration ← commands.
//
// Decisions it holds:
//   - pkg/flow (and its virtual browser, pkg/flow/browser) talks HTTP to any
//     OpenID provider, as a browser does, so it imports neither ssokit's
//     provider nor its keys nor its config: a flow file is its own schema.
//     (pkg/flow/layering_test.go said so, archtest allowed flow → config;
//     this test is now the only one and forbids it.) What the simulator
//     shares with the provider lives in leaves: pkg/fault (faults and their
//     key=value form), pkg/oidc (protocol words).
//   - The proxy engine knows nothing of ssokit.yaml: turning config into
//     routes is pkg/stack's job (stack.RoutesFromConfig).
//   - A command never imports another command: only pkg/cmd/root assembles
//     the tree, and a group (flow, token) its verbs; what commands share is
//     in pkg/cmdutil (errors, exit codes, listeners, the request logger).
//   - pkg/openurl opens the system browser; it is a leaf.
package archtest

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const mod = "github.com/ssokit/ssokit/"

// forbidden maps a package prefix to the prefixes it must never import.
var forbidden = map[string][]string{
	"pkg/oidc":      {"pkg/"},
	"pkg/iostreams": {"pkg/"},
	"pkg/openurl":   {"pkg/"},
	"pkg/netutil":   {"pkg/"},
	"pkg/fault":     {"pkg/"}, // a leaf: config, provider, flow and commands read faults through it
	"pkg/token":     {"pkg/provider", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/stack", "pkg/proxy", "pkg/flow", "github.com/spf13/cobra"},
	"pkg/config":    {"pkg/provider", "pkg/proxy", "pkg/flow", "pkg/scaffold", "pkg/stack", "pkg/tui", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/token"},
	"pkg/keys":      {"pkg/provider", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/config"},
	"pkg/events":    {"pkg/provider", "pkg/cmd", "pkg/cli", "pkg/cmdutil"},
	"pkg/provider":  {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/proxy", "pkg/flow", "pkg/stack", "pkg/tui", "pkg/iostreams", "github.com/spf13/cobra", "charm.land/"},
	"pkg/proxy":     {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/provider", "pkg/flow", "pkg/stack", "pkg/config", "github.com/spf13/cobra"},
	"pkg/flow":      {"pkg/provider", "pkg/keys", "pkg/config", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/stack", "pkg/scaffold", "pkg/tui", "github.com/spf13/cobra"},
	"pkg/scaffold":  {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/provider", "templates", "github.com/spf13/cobra"},
	"pkg/tui":       {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/provider", "github.com/spf13/cobra"},
	"pkg/stack":     {"pkg/cmd", "pkg/cli", "github.com/spf13/cobra"},
	"pkg/cmd":       {"templates"}, // only the composition root embeds templates
	// the Go test package wraps the provider for its users' tests, nothing more
	"pkg/ssokittest": {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/stack", "pkg/proxy", "pkg/flow", "pkg/tui", "github.com/spf13/cobra"},
}

// TestNothingImportsSsokittest: pkg/ssokittest is for ssokit's users'
// tests; no package of ssokit itself depends on it.
func TestNothingImportsSsokittest(t *testing.T) {
	for pkg, imps := range imports(t) {
		for _, imp := range imps {
			if imp == "pkg/ssokittest" {
				t.Errorf("%s imports pkg/ssokittest; it is a leaf for users' tests", pkg)
			}
		}
	}
}

// imports returns every package of the module (relative path, such as
// "pkg/flow") with its non-test imports (module imports made relative).
// It reads the sources in process with go/build, so `go test` notices an
// edit anywhere and never serves a stale cached pass.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root := filepath.Join("..", "..", "..")
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		if err != nil {
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		var imps []string
		for _, imp := range p.Imports {
			imps = append(imps, strings.TrimPrefix(imp, mod))
		}
		pkgs[filepath.ToSlash(rel)] = imps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 20 {
		t.Fatalf("only %d packages found under %s", len(pkgs), root)
	}
	return pkgs
}

func TestImportDirections(t *testing.T) {
	checked := 0
	for pkg, imps := range imports(t) {
		for prefix, bans := range forbidden {
			if pkg != prefix && !strings.HasPrefix(pkg, prefix+"/") {
				continue
			}
			checked++
			for _, rel := range imps {
				for _, ban := range bans {
					if (rel == ban || strings.HasPrefix(rel, ban)) && !strings.HasPrefix(rel, prefix) && !allowed(pkg, rel) {
						t.Errorf("%s imports %s; DESIGN.md forbids %s → %s", pkg, rel, prefix, ban)
					}
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d packages checked", checked)
	}
}

// TestCommandsDoNotImportCommands: pkg/cmd/X may import pkg/cmd/X/… (a
// group its verbs) but no sibling; pkg/cmd/root assembles them all.
func TestCommandsDoNotImportCommands(t *testing.T) {
	n := 0
	for pkg, imps := range imports(t) {
		if !strings.HasPrefix(pkg, "pkg/cmd/") || pkg == "pkg/cmd/root" {
			continue
		}
		n++
		for _, rel := range imps {
			if !strings.HasPrefix(rel, "pkg/cmd/") || strings.HasPrefix(rel, pkg+"/") || siblingShared(pkg, rel) {
				continue
			}
			t.Errorf("%s imports the command %s; move what they share to pkg/cmdutil", pkg, rel)
		}
	}
	if n < 5 {
		t.Fatalf("only %d command packages found", n)
	}
}

// siblingShared allows a verb to import its group's shared helpers
// (pkg/cmd/token/decode → pkg/cmd/token/shared, …/internal/…).
func siblingShared(pkg, imp string) bool {
	i := strings.LastIndex(pkg, "/")
	group := pkg[:i]
	return group != "pkg/cmd" && strings.HasPrefix(imp, group+"/") &&
		(strings.HasSuffix(imp, "/shared") || strings.Contains(imp, "/internal/"))
}

// joseImporters are the only packages that may import go-jose: pkg/token
// parses, verifies and discovers; pkg/keys signs (issue 10 §1).
var joseImporters = []string{"pkg/token", "pkg/keys"}

func TestOnlyTokenAndKeysImportJose(t *testing.T) {
	for pkg, imps := range imports(t) {
		ok := false
		for _, p := range joseImporters {
			ok = ok || pkg == p || strings.HasPrefix(pkg, p+"/")
		}
		for _, imp := range imps {
			if strings.HasPrefix(imp, "github.com/go-jose/") && !ok {
				t.Errorf("%s imports %s; only %s may (use pkg/token)", pkg, imp, strings.Join(joseImporters, " and "))
			}
		}
	}
}

// allowed lists leaf-to-leaf imports that are fine: internal test helpers.
func allowed(pkg, imp string) bool {
	return strings.HasPrefix(imp, "pkg/internal/")
}
