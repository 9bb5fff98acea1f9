package cli

import (
	"context"
	"strings"
	"testing"
)

// TestShellCompletion drives cobra's __complete (what the shell scripts
// call) and checks the candidates and the directive after ":".
func TestShellCompletion(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string // lines that must appear
	}{
		{[]string{"new", ""}, []string{"vanilla\t", "react\t", "vue\t", "auth0\t", "shell\t", "bff\t", ":4"}},
		{[]string{"new", "re"}, []string{"react\t", ":4"}},
		{[]string{"new", "react", ""}, []string{":16"}}, // the directory: directories only
		{[]string{"flow", "run", "--browser", ""}, []string{"chrome", "chrome-3pc-blocked", "safari", "firefox", "all", ":4"}},
		{[]string{"flow", "run", ""}, []string{"yaml", "yml", ":8"}}, // flow files: *.yaml, *.yml
		{[]string{"flow", "run", "a.yaml", ""}, []string{"yaml", "yml", ":8"}},
		{[]string{"token", "get", "--print", ""}, []string{"access_token", "id_token", "refresh_token", ":4"}},
		{[]string{"provider", "--signing-alg", ""}, []string{"RS256", "ES256", ":4"}},
		{[]string{"provider", "--same-site", ""}, []string{"lax", "strict", "none", ":4"}},
		{[]string{"provider", "--log-format", ""}, []string{"text", "json", ":4"}},
		{[]string{"up", "--log-format", ""}, []string{"text", "json", "none", ":4"}},
		{[]string{"token", "mint", "--type", ""}, []string{"id", "access", ":4"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, out, _ := testFactory()
			if code := Run(context.Background(), f, append([]string{"__complete"}, tt.args...)); code != 0 {
				t.Fatalf("exit %d", code)
			}
			lines := strings.Split(out.String(), "\n")
			for _, w := range tt.want {
				found := false
				for _, l := range lines {
					if strings.HasPrefix(l, w) {
						found = true
					}
				}
				if !found {
					t.Errorf("no line starting %q in\n%s", w, out)
				}
			}
		})
	}
}
