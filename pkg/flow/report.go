package flow

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// TextOptions shape the human report.
type TextOptions struct {
	// Verbose adds each step's requests as an arrow diagram.
	Verbose bool
	// Color adds ANSI colour.
	Color bool
}

func paint(on bool, code, s string) string {
	if !on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// fmtDur renders durations the way the report shows them.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

// WriteText writes the readable report: every flow, each step with its
// outcome and time, failures with their reasons, and a summary line.
func WriteText(w io.Writer, results []*Result, o TextOptions) error {
	var b strings.Builder
	passed, failed := 0, 0
	var total time.Duration
	width := 20 // the label column, as wide as the longest label (up to 36)
	for _, r := range results {
		for _, f := range r.Flows {
			for _, s := range f.Steps {
				width = max(width, min(len([]rune(s.Label)), 36))
			}
		}
	}
	for _, r := range results {
		fmt.Fprintf(&b, "%s · issuer %s\n", termSafe(r.File), termSafe(r.Issuer))
		total += r.Duration
		for _, f := range r.Flows {
			verdict := paint(o.Color, "32", "PASS")
			if !f.Passed {
				verdict = paint(o.Color, "31", "FAIL")
				failed++
			} else {
				passed++
			}
			fmt.Fprintf(&b, "  %s %s [%s] %s\n", verdict, termSafe(f.Name), termSafe(f.Browser), fmtDur(f.Duration))
			for _, s := range f.Steps {
				mark := map[string]string{StatusPass: paint(o.Color, "32", "✓"), StatusFail: paint(o.Color, "31", "✗"), StatusSkip: "-"}[s.Status]
				line := fmt.Sprintf("    %s %-*s", mark, width, termSafe(s.Label))
				switch s.Status {
				case StatusSkip:
					line += " skipped"
				default:
					line += fmt.Sprintf(" %7s", fmtDur(s.Duration))
					if s.Outcome != "" {
						line += "  " + termSafe(s.Outcome)
					}
				}
				b.WriteString(strings.TrimRight(line, " ") + "\n")
				for _, fl := range s.Failures {
					fmt.Fprintf(&b, "        %s\n", paint(o.Color, "31", termSafe(fl)))
				}
				if s.Explanation != "" && (s.Status == StatusFail || o.Verbose) {
					fmt.Fprintf(&b, "        %s\n", paint(o.Color, "33", termSafe(s.Explanation)))
				}
				if o.Verbose {
					writeArrows(&b, s.Trace)
				}
			}
		}
	}
	fmt.Fprintf(&b, "%d passed, %d failed (%s)\n", passed, failed, fmtDur(total))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeArrows(b *strings.Builder, tr []TraceLine) {
	for _, t := range tr {
		status := "—"
		if t.Status != 0 {
			status = fmt.Sprint(t.Status)
		}
		ctx := ""
		if t.Context != "top-level" && t.Context != "fetch" {
			ctx = " (" + t.Context + ")"
		}
		line := fmt.Sprintf("        %8s → %-8s %-4s %s %s%s", termSafe(t.From), termSafe(t.To), termSafe(t.Method), termSafe(t.URL), status, termSafe(ctx))
		if t.Note != "" {
			line += " · " + termSafe(t.Note)
		}
		if len(t.Sent) > 0 {
			line += " · cookies: " + termSafe(strings.Join(t.Sent, ", "))
		}
		if len(t.Blocked) > 0 {
			line += " · withheld: " + termSafe(strings.Join(t.Blocked, ", "))
		}
		b.WriteString(line + "\n")
	}
}

// WriteMatrix writes the flow × browser table of a --browser all run.
func WriteMatrix(w io.Writer, results []*Result, profiles []string, color bool) error {
	var b strings.Builder
	width := len("flow")
	type row struct {
		name  string
		cells map[string]string
	}
	var rows []*row
	idx := map[string]*row{}
	for _, r := range results {
		for _, f := range r.Flows {
			key := r.File + "\x00" + f.Name
			rw, ok := idx[key]
			if !ok {
				name := termSafe(f.Name)
				if len(results) > 1 {
					name = termSafe(r.File) + ": " + termSafe(f.Name)
				}
				rw = &row{name: name, cells: map[string]string{}}
				idx[key] = rw
				rows = append(rows, rw)
				width = max(width, len([]rune(name)))
			}
			if f.Passed {
				rw.cells[f.Browser] = "pass"
			} else {
				rw.cells[f.Browser] = "FAIL"
			}
		}
	}
	fmt.Fprintf(&b, "%-*s", width, "flow")
	for _, p := range profiles {
		fmt.Fprintf(&b, "  %s", p)
	}
	b.WriteString("\n")
	for _, rw := range rows {
		fmt.Fprintf(&b, "%-*s", width+len(rw.name)-len([]rune(rw.name)), rw.name)
		for _, p := range profiles {
			c := rw.cells[p]
			if c == "" {
				c = "-"
			}
			pad := strings.Repeat(" ", len(p)-len(c))
			if c == "FAIL" {
				c = paint(color, "31", c)
			} else if c == "pass" {
				c = paint(color, "32", c)
			}
			fmt.Fprintf(&b, "  %s%s", c, pad)
		}
		trimTrailing(&b)
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the results as one JSON document.
func WriteJSON(w io.Writer, results []*Result) error {
	passed := true
	for _, r := range results {
		passed = passed && r.Passed()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Passed  bool      `json:"passed"`
		Results []*Result `json:"results"`
	}{passed, results})
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes JUnit XML: one testsuite per flow file, one testcase
// per flow and browser.
func WriteJUnit(w io.Writer, results []*Result) error {
	out := junitSuites{Name: "ssokit flow"}
	var total time.Duration
	for _, r := range results {
		s := junitSuite{Name: r.File, Time: secs(r.Duration)}
		total += r.Duration
		for _, f := range r.Flows {
			c := junitCase{Classname: r.File, Name: f.Name + " [" + f.Browser + "]", Time: secs(f.Duration)}
			var steps strings.Builder
			for i, st := range f.Steps {
				fmt.Fprintf(&steps, "%d. %s: %s", i+1, st.Label, st.Status)
				if st.Outcome != "" {
					fmt.Fprintf(&steps, " (%s)", st.Outcome)
				}
				steps.WriteString("\n")
				for _, fl := range st.Failures {
					fmt.Fprintf(&steps, "   %s\n", fl)
				}
				if st.Explanation != "" {
					fmt.Fprintf(&steps, "   %s\n", st.Explanation)
				}
				if st.Status == StatusFail && c.Failure == nil {
					msg := fmt.Sprintf("step %d (%s, line %d) failed", i+1, st.Label, st.Line)
					if len(st.Failures) > 0 {
						msg += ": " + st.Failures[0]
					}
					c.Failure = &junitFailure{Message: msg, Type: "FlowStepFailed"}
				}
			}
			if c.Failure != nil {
				c.Failure.Text = steps.String()
				s.Failures++
			} else {
				c.SystemOut = steps.String()
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Suites = append(out.Suites, s)
	}
	out.Time = secs(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func trimTrailing(b *strings.Builder) {
	s := strings.TrimRight(b.String(), " ")
	b.Reset()
	b.WriteString(s)
}

// termSafe keeps what a flow file or a provider sent from steering the
// terminal: control characters (ESC, BEL …) and bidi overrides are shown
// as visible characters, as the HTML report shows them (vis).
func termSafe(s string) string { return vis(s, math.MaxInt32) }
