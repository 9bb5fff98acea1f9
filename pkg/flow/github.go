package flow

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// GitHub Actions output: workflow commands on stdout become annotations on
// the pull request's diff, and Markdown appended to $GITHUB_STEP_SUMMARY
// becomes the job's summary page.

// EscapeGitHubData escapes a workflow command's message the way the
// Actions runner unescapes it (actions/toolkit, command.ts): %, CR and LF.
// A flow name or server error holding "\n::warning::" cannot forge a
// second command.
func EscapeGitHubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// EscapeGitHubProperty escapes a workflow command property (file=, title=):
// EscapeGitHubData plus ":" and ",", which end a property.
func EscapeGitHubProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// GitHubOptions shape the annotations.
type GitHubOptions struct {
	// Workspace is $GITHUB_WORKSPACE: absolute flow file paths under it are
	// made relative, as annotations need paths from the repository root.
	Workspace string
}

// WriteGitHubAnnotations writes one ::error workflow command per failing
// step, at the step's file:line:col, with its one-sentence reason; the
// same failure under several browser profiles is one annotation naming
// them all (GitHub shows at most ten error annotations per step).
func WriteGitHubAnnotations(w io.Writer, results []*Result, o GitHubOptions) error {
	type key struct {
		file       string
		line, col  int
		flow, step string
		reason     string
	}
	var order []key
	browsers := map[key][]string{}
	for _, r := range results {
		for _, f := range r.Flows {
			for _, s := range f.Steps {
				if s.Status != StatusFail {
					continue
				}
				k := key{file: annotationPath(r.File, o.Workspace), line: s.Line, col: s.Col, flow: f.Name, step: s.Label, reason: failureReason(s)}
				if _, ok := browsers[k]; !ok {
					order = append(order, k)
				}
				browsers[k] = append(browsers[k], f.Browser)
			}
		}
	}
	var b strings.Builder
	for _, k := range order {
		title := fmt.Sprintf("flow %q failed at %s [%s]", k.flow, k.step, strings.Join(browsers[k], ", "))
		fmt.Fprintf(&b, "::error file=%s", EscapeGitHubProperty(k.file))
		if k.line > 0 {
			fmt.Fprintf(&b, ",line=%d", k.line)
			if k.col > 0 {
				fmt.Fprintf(&b, ",col=%d", k.col)
			}
		}
		fmt.Fprintf(&b, ",title=%s::%s\n", EscapeGitHubProperty(title), EscapeGitHubData(k.reason))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteGitHubParseErrors writes one ::error per problem of a flow file
// that did not parse, at its file:line:col.
func WriteGitHubParseErrors(w io.Writer, pe *ParseError, o GitHubOptions) error {
	var b strings.Builder
	for _, d := range pe.Diags {
		fmt.Fprintf(&b, "::error file=%s,line=%d,col=%d,title=%s::%s\n", EscapeGitHubProperty(annotationPath(d.File, o.Workspace)),
			d.Pos.Line, d.Pos.Col, EscapeGitHubProperty("invalid flow file"), EscapeGitHubData(d.Msg))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// failureReason is the one sentence a reviewer reads on the diff: the
// browser-policy explanation when there is one, else the failures.
func failureReason(s *StepResult) string {
	if s.Explanation != "" {
		return s.Explanation
	}
	if len(s.Failures) > 0 {
		return strings.Join(s.Failures, "; ")
	}
	return "step failed: " + s.Outcome
}

func annotationPath(file, workspace string) string {
	if workspace != "" && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(workspace, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	return filepath.ToSlash(file)
}

// WriteGitHubSummary writes the Markdown for $GITHUB_STEP_SUMMARY: the
// verdict, the flow × browser matrix with each cell's time, and every
// failure with its file:line and reason. Every value from a flow file or
// a server is escaped for Markdown tables and HTML.
func WriteGitHubSummary(w io.Writer, results []*Result) error {
	var b strings.Builder
	passed, failed := 0, 0
	var total time.Duration
	var browsers []string
	seen := map[string]bool{}
	type row struct {
		name  string
		cells map[string]*FlowResult
	}
	var rows []*row
	idx := map[string]*row{}
	for _, r := range results {
		total += r.Duration
		for _, f := range r.Flows {
			if f.Passed {
				passed++
			} else {
				failed++
			}
			if !seen[f.Browser] {
				seen[f.Browser] = true
				browsers = append(browsers, f.Browser)
			}
			k := r.File + "\x00" + f.Name
			rw, ok := idx[k]
			if !ok {
				name := f.Name
				if len(results) > 1 {
					name = filepath.Base(r.File) + ": " + f.Name
				}
				rw = &row{name: name, cells: map[string]*FlowResult{}}
				idx[k] = rw
				rows = append(rows, rw)
			}
			rw.cells[f.Browser] = f
		}
	}
	verdict := "✅ passed"
	if failed > 0 {
		verdict = "❌ failed"
	}
	fmt.Fprintf(&b, "### ssokit flow run: %s\n\n%d passed, %d failed in %s\n\n", verdict, passed, failed, fmtDur(total))
	b.WriteString("| flow |")
	for _, br := range browsers {
		fmt.Fprintf(&b, " %s |", mdInline(br))
	}
	b.WriteString("\n| --- |")
	for range browsers {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, rw := range rows {
		fmt.Fprintf(&b, "| %s |", mdInline(rw.name))
		for _, br := range browsers {
			f := rw.cells[br]
			switch {
			case f == nil:
				b.WriteString(" – |")
			case f.Passed:
				fmt.Fprintf(&b, " ✅ %s |", fmtDur(f.Duration))
			default:
				fmt.Fprintf(&b, " ❌ %s |", fmtDur(f.Duration))
			}
		}
		b.WriteString("\n")
	}
	if failed > 0 {
		b.WriteString("\n#### Failures\n\n")
		for _, r := range results {
			for _, f := range r.Flows {
				for _, s := range f.Steps {
					if s.Status != StatusFail {
						continue
					}
					fmt.Fprintf(&b, "- **%s** [%s] at `%s` (%s): %s\n", mdInline(f.Name), mdInline(f.Browser),
						strings.ReplaceAll(fmt.Sprintf("%s:%d:%d", filepath.ToSlash(r.File), s.Line, s.Col), "`", "'"),
						mdInline(s.Label), mdInline(failureReason(s)))
				}
			}
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mdInline makes s inert in Markdown and HTML: one line, no tags, no
// emphasis, links or code spans opened by the flow file's text.
func mdInline(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '(', ')', '#', '!', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteByte(' ')
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
