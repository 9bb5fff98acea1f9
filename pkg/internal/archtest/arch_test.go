// Package archtest holds the import directions of DESIGN.md as a test:
// leaves ← domain ← engines ← orchestration ← commands.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/ssokit/ssokit/"

// forbidden maps a package prefix to the prefixes it must never import.
var forbidden = map[string][]string{
	"pkg/oidc":      {"pkg/"},
	"pkg/iostreams": {"pkg/"},
	"pkg/browser":   {"pkg/"},
	"pkg/fault":     {"pkg/"}, // a leaf: config, provider, flow and commands read faults through it
	"pkg/token":     {"pkg/provider", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/stack", "pkg/proxy", "pkg/flow", "github.com/spf13/cobra"},
	"pkg/config":    {"pkg/provider", "pkg/proxy", "pkg/flow", "pkg/scaffold", "pkg/stack", "pkg/tui", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/token"},
	"pkg/keys":      {"pkg/provider", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/config"},
	"pkg/events":    {"pkg/provider", "pkg/cmd", "pkg/cli", "pkg/cmdutil"},
	"pkg/provider":  {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/proxy", "pkg/flow", "pkg/stack", "pkg/tui", "pkg/iostreams", "github.com/spf13/cobra", "charm.land/"},
	"pkg/proxy":     {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/provider", "pkg/flow", "pkg/stack", "github.com/spf13/cobra"},
	"pkg/flow":      {"pkg/provider", "pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/stack", "github.com/spf13/cobra"},
	"pkg/scaffold":  {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/provider", "templates", "github.com/spf13/cobra"},
	"pkg/tui":       {"pkg/cmd", "pkg/cli", "pkg/cmdutil", "pkg/provider", "github.com/spf13/cobra"},
	"pkg/stack":     {"pkg/cmd", "pkg/cli", "github.com/spf13/cobra"},
	"pkg/cmd":       {"templates"}, // only the composition root embeds templates
}

func TestImportDirections(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		for prefix, bans := range forbidden {
			if pkg != prefix && !strings.HasPrefix(pkg, prefix+"/") {
				continue
			}
			checked++
			for _, imp := range fields[1:] {
				rel := strings.TrimPrefix(imp, mod)
				for _, ban := range bans {
					if (rel == ban || strings.HasPrefix(rel, ban)) && !strings.HasPrefix(rel, prefix) && !allowed(pkg, rel) {
						t.Errorf("%s imports %s; DESIGN.md forbids %s → %s", pkg, rel, prefix, ban)
					}
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d packages checked; is go list seeing the module?", checked)
	}
}

// allowed lists leaf-to-leaf imports that are fine: internal test helpers.
func allowed(pkg, imp string) bool {
	return strings.HasPrefix(imp, "pkg/internal/")
}
