package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --html writes the report whatever else is printed (the text report
// without -v keeps its short form), and a path that cannot be written is
// bad usage before anything runs.
func TestHTMLFlag(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.html")
	code, out, errOut := ssokit(t, "flow", "run", "testdata/policy-blocked.yaml", "--browser", "safari", "--html", report)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "→") {
		t.Errorf("--html made the text report verbose:\n%s", out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<!doctype html>", `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-`,
		`<details class="flow fail" id="flow-1" open>`, `<tbody class="step fail">`, `<span class="ck blk">withheld <b>ssokit_session</b>`, "Browser matrix"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}

	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "report.html")
	code, out, errOut = ssokit(t, "flow", "run", "testdata/policy-blocked.yaml", "--html", bad)
	if code != 2 || out != "" || !strings.Contains(errOut, "--html "+bad+": no such file or directory; nothing ran") {
		t.Errorf("unwritable --html: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
