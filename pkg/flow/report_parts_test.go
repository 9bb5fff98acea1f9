package flow

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFmtDur(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0.0ms",
		250 * time.Microsecond:  "0.2ms",
		1500 * time.Microsecond: "1ms",
		999 * time.Millisecond:  "999ms",
		time.Second:             "1.00s",
		90 * time.Second:        "90.00s",
	} {
		if got := fmtDur(d); got != want {
			t.Errorf("fmtDur(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestWriteTextColor(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sampleResults(), TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"\x1b[32mPASS\x1b[0m sign in once [chrome]",
		"\x1b[31mFAIL\x1b[0m sign in once [safari]",
		"\x1b[31mexpected tokens, got error login_required\x1b[0m",
		"\x1b[33msilent auth failed under safari",
		"1 passed, 1 failed (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("colour report lacks %q:\n%s", want, out)
		}
	}
}

// The explanation of a passing step shows only with --verbose.
func TestWriteTextExplanationOfAPassingStep(t *testing.T) {
	res := []*Result{{File: "f.yaml", Issuer: "http://op/", Flows: []*FlowResult{{Name: "n", Browser: "safari", Passed: true, Steps: []*StepResult{
		{Label: "silent shell", Status: StatusPass, Outcome: "error login_required", Explanation: "silent auth failed under safari: because"},
	}}}}}
	var plain, verbose bytes.Buffer
	_ = WriteText(&plain, res, TextOptions{})
	_ = WriteText(&verbose, res, TextOptions{Verbose: true})
	if strings.Contains(plain.String(), "because") || !strings.Contains(verbose.String(), "because") {
		t.Errorf("plain:\n%s\nverbose:\n%s", plain.String(), verbose.String())
	}
}

// The label column grows to the longest label, up to 36 characters.
func TestWriteTextLabelColumn(t *testing.T) {
	long := strings.Repeat("x", 50)
	res := []*Result{{File: "f", Flows: []*FlowResult{{Name: "n", Passed: true, Steps: []*StepResult{
		{Label: "login shell as alice-with-a-long-name", Status: StatusPass, Duration: time.Millisecond},
		{Label: long, Status: StatusPass, Duration: time.Millisecond},
		{Label: "wait 1s", Status: StatusSkip},
	}}}}}
	var b bytes.Buffer
	_ = WriteText(&b, res, TextOptions{})
	lines := strings.Split(b.String(), "\n")
	if want := "    ✓ login shell as alice-with-a-long-name     1ms"; lines[2] != want {
		t.Errorf("line %q, want %q", lines[2], want)
	}
	if want := "    ✓ " + long + "     1ms"; lines[3] != want {
		t.Errorf("a label over 36 characters is not cut: %q", lines[3])
	}
	if want := "    - wait 1s" + strings.Repeat(" ", 36-len("wait 1s")) + " skipped"; lines[4] != want {
		t.Errorf("skipped: %q, want %q", lines[4], want)
	}
}

func TestWriteMatrixSeveralFiles(t *testing.T) {
	a, b := sampleResults()[0], sampleResults()[0]
	b.File = "other.yaml"
	b.Flows = b.Flows[:1]
	var out bytes.Buffer
	if err := WriteMatrix(&out, []*Result{a, b}, []string{"chrome", "safari", "firefox"}, true); err != nil {
		t.Fatal(err)
	}
	want := "flow                      chrome  safari  firefox\n" +
		"flows.yaml: sign in once  \x1b[32mpass\x1b[0m    \x1b[31mFAIL\x1b[0m    -\n" +
		"other.yaml: sign in once  \x1b[32mpass\x1b[0m    -       -\n"
	if out.String() != want {
		t.Errorf("matrix:\n%q\nwant\n%q", out.String(), want)
	}
}

func TestWriteJUnitFailureNamesTheStep(t *testing.T) {
	res := []*Result{{File: "f.yaml", Duration: 1500 * time.Millisecond, Flows: []*FlowResult{{Name: "n <&>", Browser: "chrome", Steps: []*StepResult{
		{Label: "fault clear", Line: 4, Status: StatusFail, Failures: []string{"the provider refused the fault: 500 <oops>", "second"}},
		{Label: "silent shell", Line: 5, Status: StatusSkip},
	}}}}}
	var b bytes.Buffer
	if err := WriteJUnit(&b, res); err != nil {
		t.Fatal(err)
	}
	var v junitSuites
	if err := xml.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	c := v.Suites[0].Cases[0]
	if c.Name != "n <&> [chrome]" || c.Failure == nil || v.Time != "1.500" {
		t.Fatalf("case: %+v", v)
	}
	if want := "step 1 (fault clear, line 4) failed: the provider refused the fault: 500 <oops>"; c.Failure.Message != want {
		t.Errorf("message %q, want %q", c.Failure.Message, want)
	}
	if want := "1. fault clear: fail\n   the provider refused the fault: 500 <oops>\n   second\n2. silent shell: skip\n"; c.Failure.Text != want {
		t.Errorf("text %q, want %q", c.Failure.Text, want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReportWriteErrors(t *testing.T) {
	for name, write := range map[string]func() error{
		"text":   func() error { return WriteText(failingWriter{}, sampleResults(), TextOptions{}) },
		"matrix": func() error { return WriteMatrix(failingWriter{}, sampleResults(), []string{"chrome"}, false) },
		"json":   func() error { return WriteJSON(failingWriter{}, sampleResults()) },
		"junit":  func() error { return WriteJUnit(failingWriter{}, sampleResults()) },
	} {
		if err := write(); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: err = %v, want the write error", name, err)
		}
	}
}
