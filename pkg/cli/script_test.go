package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ssokit/ssokit/pkg/internal/golden"
)

// TestMain lets the scripts run `ssokit` as a real process: the test
// binary re-executes itself as ssokit.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ssokit": func() { os.Exit(Main()) },
	})
}

// TestScripts runs testdata/script/*.txtar: each command's help, errors,
// exit codes and key outputs, pinned as text a reviewer can read.
// Refresh the expected files with go test ./pkg/cli -run TestScripts -update.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts: golden.Update(),
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"start-provider": startProvider,
		},
		Setup: func(env *testscript.Env) error {
			// Keys, CA and config live under the script's work dir, never
			// the developer's home.
			home := filepath.Join(env.WorkDir, "home")
			env.Setenv("HOME", home)
			env.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("NO_COLOR", "1")
			// $VALID: an HS256 token signed with 0123456789abcdef0123456789abcdef.
			env.Setenv("VALID", hs256(`{"sub":"alice","exp":4102444800}`, "0123456789abcdef0123456789abcdef"))
			return nil
		},
	})
}
