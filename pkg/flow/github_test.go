package flow

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// ghHostile holds everything that would break a workflow command or the
// summary's Markdown if it went through unescaped.
const ghHostile = "50% done\r\n::warning file=x::forged, title: t | <img src=x onerror=alert(1)> **b** `c` [l](http://e)"

// parseCommand reads a workflow command line the way the Actions runner
// does (ActionCommand.TryParseV2): "::name props::message", props split on
// ",", key=value; then unescapes (%0D, %0A, %3A, %2C, %25 last).
func parseCommand(t *testing.T, line string) (name string, props map[string]string, msg string) {
	t.Helper()
	rest, ok := strings.CutPrefix(line, "::")
	if !ok {
		t.Fatalf("not a command: %q", line)
	}
	head, msg, ok := strings.Cut(rest, "::")
	if !ok {
		t.Fatalf("no message: %q", line)
	}
	name, propStr, _ := strings.Cut(head, " ")
	props = map[string]string{}
	for _, p := range strings.Split(propStr, ",") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			t.Fatalf("property %q of %q is not key=value", p, line)
		}
		props[k] = unescapeProperty(v)
	}
	return name, props, unescapeData(msg)
}

func unescapeData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func unescapeProperty(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}

func TestGitHubEscaping(t *testing.T) {
	if got := EscapeGitHubData("a%b\r\nc:d,e"); got != "a%25b%0D%0Ac:d,e" {
		t.Errorf("data: %q", got)
	}
	if got := EscapeGitHubProperty("a%b\r\nc:d,e"); got != "a%25b%0D%0Ac%3Ad%2Ce" {
		t.Errorf("property: %q", got)
	}
	// %0A in the input must survive as text, not become a newline
	if got := unescapeData(EscapeGitHubData("literal %0A")); got != "literal %0A" {
		t.Errorf("round trip of a literal %%0A: %q", got)
	}
}

func ghHostileResults() []*Result {
	ms := time.Millisecond
	fail := func(browser string) *FlowResult {
		return &FlowResult{Name: ghHostile, Browser: browser, Duration: 30 * ms, Steps: []*StepResult{
			{Kind: StepLogin, Label: "login shell as alice", Line: 9, Col: 7, Status: StatusPass, Duration: 10 * ms},
			{Kind: StepSilent, Label: "silent " + ghHostile, Line: 12, Col: 9, Status: StatusFail, Duration: 20 * ms,
				Failures: []string{"expected tokens, got error login_required"}, Explanation: "silent auth failed: " + ghHostile},
			{Kind: StepRefresh, Label: "refresh", Line: 14, Col: 9, Status: StatusSkip},
		}}
	}
	return []*Result{{File: "flows/sso,1:x.yaml", Issuer: "http://localhost:9400/", Duration: 90 * ms, Flows: []*FlowResult{
		{Name: "fine", Browser: "chrome", Passed: true, Duration: 5 * ms, Steps: []*StepResult{{Kind: StepLogin, Label: "login", Line: 3, Col: 7, Status: StatusPass}}},
		fail("safari"), fail("firefox"),
	}}}
}

func TestWriteGitHubAnnotations(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGitHubAnnotations(&b, ghHostileResults(), GitHubOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("one failing step under two browsers is one annotation; got %d lines:\n%s", len(lines), b.String())
	}
	name, props, msg := parseCommand(t, lines[0])
	if name != "error" || props["file"] != "flows/sso,1:x.yaml" || props["line"] != "12" || props["col"] != "9" {
		t.Errorf("command %q props %q", name, props)
	}
	if want := "silent auth failed: " + ghHostile; msg != want {
		t.Errorf("message after the runner's unescaping:\n got %q\nwant %q", msg, want)
	}
	if !strings.Contains(props["title"], "[safari, firefox]") || !strings.Contains(props["title"], "silent "+ghHostile) {
		t.Errorf("title %q", props["title"])
	}
	if len(props) != 4 {
		t.Errorf("a property was forged: %q", props)
	}

	// a failure without a browser explanation: the expectation failures
	r := ghHostileResults()
	r[0].Flows[1].Steps[1].Explanation = ""
	b.Reset()
	_ = WriteGitHubAnnotations(&b, r[:1], GitHubOptions{})
	if _, _, msg := parseCommand(t, strings.Split(b.String(), "\n")[0]); msg != "expected tokens, got error login_required" {
		t.Errorf("message %q", msg)
	}
	// an absolute path under the workspace is made relative to it
	r[0].File = "/home/runner/work/app/app/flows/sso.yaml"
	b.Reset()
	_ = WriteGitHubAnnotations(&b, r[:1], GitHubOptions{Workspace: "/home/runner/work/app/app"})
	if !strings.HasPrefix(b.String(), "::error file=flows/sso.yaml,line=12,col=9,") {
		t.Errorf("workspace-relative path: %q", b.String())
	}
}

func TestWriteGitHubParseErrors(t *testing.T) {
	pe := &ParseError{Diags: []Diag{{File: "f,1.yaml", Pos: Pos{Line: 3, Col: 5}, Msg: "unknown key \"lgoin\"\n::error::x"}}}
	var b bytes.Buffer
	_ = WriteGitHubParseErrors(&b, pe, GitHubOptions{})
	if strings.Count(b.String(), "\n") != 1 {
		t.Fatalf("%q", b.String())
	}
	_, props, msg := parseCommand(t, strings.TrimSuffix(b.String(), "\n"))
	if props["file"] != "f,1.yaml" || props["line"] != "3" || props["col"] != "5" || msg != pe.Diags[0].Msg {
		t.Errorf("props %q msg %q", props, msg)
	}
}

func TestWriteGitHubSummary(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGitHubSummary(&b, ghHostileResults()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"### ssokit flow run: ❌ failed\n\n1 passed, 2 failed in 90ms",
		"| flow | chrome | safari | firefox |\n| --- | --- | --- | --- |\n",
		"| fine | ✅ 5ms | – | – |\n",
		" ❌ 30ms | ❌ 30ms |\n",
		"#### Failures",
		"`flows/sso,1:x.yaml:12:9`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// the ghHostile name stays inside its row and renders as text
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| ") && strings.Count(l, "|")-strings.Count(l, `\|`) != 5 {
			t.Errorf("table row with a forged cell: %q", l)
		}
	}
	for _, bad := range []string{"<img", "**b**", "[l](", "\r", "\n::warning"} {
		if strings.Contains(out, bad) {
			t.Errorf("summary carries %q unescaped:\n%s", bad, out)
		}
	}
}

// FuzzGitHubEscaping: whatever a flow file or a server puts in a name or a
// reason, the annotation stays one line and the runner reads back exactly
// that text, with no extra property.
func FuzzGitHubEscaping(f *testing.F) {
	for _, s := range []string{ghHostile, "", "%", "%0A", "a,b:c", "\r\n", "::error::x", "%25%0D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := "::error file=" + EscapeGitHubProperty(s) + ",title=" + EscapeGitHubProperty(s) + "::" + EscapeGitHubData(s)
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("%q escapes to more than one line", s)
		}
		_, props, msg := parseCommand(t, line)
		if len(props) != 2 || props["file"] != s || props["title"] != s || msg != s {
			t.Fatalf("%q read back as props %q msg %q", s, props, msg)
		}
	})
}
