package flow

import (
	"strings"
	"testing"
)

// What a flow file or a provider sent cannot steer the terminal: ESC, BEL
// and bidi overrides in names, labels, outcomes and failures are printed
// as visible characters by the text report and the matrix.
func TestTextReportNeutralisesControlCharacters(t *testing.T) {
	evil := "x\x1b]0;pwned\x07\x1b[2J\u202egnp.exe"
	results := []*Result{{File: "f" + evil, Issuer: "http://localhost:1/", Flows: []*FlowResult{{
		Name: "flow " + evil, Browser: "chrome", Steps: []*StepResult{{
			Label: "login " + evil, Status: StatusFail, Outcome: "error " + evil,
			Failures: []string{"expected " + evil}, Explanation: "because " + evil,
		}},
	}}}}
	var text, matrix strings.Builder
	if err := WriteText(&text, results, TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMatrix(&matrix, results, []string{"chrome"}, false); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "matrix": matrix.String()} {
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("%s report passes control characters to the terminal: %q", name, out)
		}
		if !strings.Contains(out, "␛]0;pwned␇") || !strings.Contains(out, "⟨U+202E⟩") {
			t.Errorf("%s report does not show them visibly: %q", name, out)
		}
	}
}
