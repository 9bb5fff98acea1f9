package flow

import (
	"go/build"
	"strings"
	"testing"
)

// TestLayering holds the package's place: the flow engine speaks HTTP to
// any provider, so it never imports ssokit's provider (nor its keys or
// config), and as an engine it never imports cobra or the commands.
func TestLayering(t *testing.T) {
	forbidden := []string{
		"github.com/ssokit/ssokit/pkg/provider", "github.com/ssokit/ssokit/pkg/keys",
		"github.com/ssokit/ssokit/pkg/config", "github.com/ssokit/ssokit/pkg/cmd",
		"github.com/ssokit/ssokit/pkg/cmdutil", "github.com/spf13/cobra",
	}
	for _, dir := range []string{".", "browser"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			for _, f := range forbidden {
				if imp == f || strings.HasPrefix(imp, f+"/") {
					t.Errorf("pkg/flow/%s imports %s", strings.TrimPrefix(dir, "."), imp)
				}
			}
		}
	}
}
