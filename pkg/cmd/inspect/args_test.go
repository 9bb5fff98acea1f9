package inspect

import (
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/cmdutil"
)

func TestMissingFileArgument(t *testing.T) {
	for _, arg := range []string{"/nonexistent.txt", "nonexistent.txt", `dir\tokens`} {
		if err := checkFileArgs([]string{arg}); err == nil || !strings.Contains(err.Error(), "does not exist") || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%s: %v", arg, err)
		}
	}
	if err := checkFileArgs([]string{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", "-", "opaque"}); err != nil {
		t.Errorf("tokens refused: %v", err)
	}
}
