package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain keeps the golden text reports stable when the suite itself runs
// on GitHub Actions, where GITHUB_ACTIONS=true would switch the default
// format to github.
func TestMain(m *testing.M) {
	os.Unsetenv("GITHUB_ACTIONS")
	os.Unsetenv("GITHUB_STEP_SUMMARY")
	os.Exit(m.Run())
}

// TestGitHubFormat runs a failing suite under every browser profile the way
// a GitHub Actions job does (GITHUB_ACTIONS=true, no --format): the text
// report, one ::error annotation per failing step at its line and column,
// and the Markdown matrix appended to $GITHUB_STEP_SUMMARY.
func TestGitHubFormat(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte("previous step's summary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	code, out, errOut := ssokit(t, "flow", "run", "testdata/policy-blocked.yaml", "--browser", "all")
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var ann []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "::") {
			ann = append(ann, l)
		}
	}
	// policy-blocked.yaml line 12: "      - silent: account" (col 9)
	want := "::error file=testdata/policy-blocked.yaml,line=12,col=9,title=flow \"cross-site silent auth\" failed at silent account [chrome-3pc-blocked]::silent auth failed under chrome-3pc-blocked: the provider's session cookie (ssokit_session, SameSite=None) is third-party"
	if len(ann) != 3 || !strings.HasPrefix(ann[0], want) {
		t.Errorf("annotations (want 3, one per profile's own reason):\n%s", strings.Join(ann, "\n"))
	}
	if !strings.Contains(out, "FAIL cross-site silent auth [safari]") {
		t.Errorf("the text report is still printed for the log:\n%s", out)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, w := range []string{
		"previous step's summary\n### ssokit flow run: ❌ failed",
		"1 passed, 3 failed",
		"| flow | chrome | chrome-3pc-blocked | safari | firefox |",
		"| cross-site silent auth | ✅ ",
		"- **cross-site silent auth** [safari] at `testdata/policy-blocked.yaml:12:9` (silent account): silent auth failed under safari",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}

	// --format text wins over the environment; no summary is written
	before := len(b)
	code, out, _ = ssokit(t, "flow", "run", "testdata/policy-blocked.yaml", "--browser", "safari", "--format", "text")
	if code != 1 || strings.Contains(out, "::error") {
		t.Errorf("--format text under GITHUB_ACTIONS: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(summary); len(b) != before {
		t.Error("--format text appended a summary")
	}
}

// A flow file with errors: nothing runs (exit 2), and each problem is an
// annotation at its file:line:col.
func TestGitHubFormatParseErrors(t *testing.T) {
	code, out, errOut := ssokit(t, "flow", "run", "testdata/bad.yaml", "--format", "github")
	if code != 2 || !strings.Contains(errOut, "nothing ran") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.HasPrefix(out, "::error file=testdata/bad.yaml,line=6,col=22,title=invalid flow file::unknown app \"shel\" (declared: shell)") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestFormatBadUsage(t *testing.T) {
	for args, want := range map[string]string{
		"--format yaml":          `--format "yaml" is not text, json or github`,
		"--json --format github": "--json and --format github contradict",
	} {
		code, _, errOut := ssokit(t, append([]string{"flow", "run", "testdata/timeout.yaml"}, strings.Fields(args)...)...)
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d %q", args, code, errOut)
		}
	}
}
