package yamlfile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ssokit/ssokit/pkg/internal/suggest"
)

// Pos is a 1-based line and column in a file.
type Pos struct {
	Line, Col int
}

// Diag is one problem in a file.
type Diag struct {
	File string
	Pos  Pos
	Msg  string
	// Source is the offending line; Width how many of its characters from
	// Pos.Col the problem spans.
	Source string
	Width  int
}

func (d Diag) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s", d.File, d.Pos.Line, d.Pos.Col, d.Msg)
	b.WriteString(Caret(d.Pos, d.Source, d.Width))
	return b.String()
}

// Caret renders the source line under a message, with ^~~ under the
// offending text; "" when there is no source line.
func Caret(pos Pos, source string, width int) string {
	if source == "" {
		return ""
	}
	return fmt.Sprintf("\n  %4d | %s\n       | %s%s", pos.Line, source,
		strings.Repeat(" ", max(pos.Col-1, 0)), "^"+strings.Repeat("~", max(width-1, 0)))
}

// Errors lists every problem found in a file, in file order.
type Errors struct {
	Diags []Diag
}

func (e *Errors) Error() string {
	parts := make([]string, len(e.Diags))
	for i, d := range e.Diags {
		parts[i] = d.String()
	}
	return strings.Join(parts, "\n")
}

// Sort orders diagnostics by position (stable for equal positions).
func Sort(ds []Diag) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
}

// DidYouMean returns `; did you mean "x"?` for the candidate closest to s,
// or "" when none is close.
func DidYouMean(s string, candidates []string) string { return suggest.DidYouMean(s, candidates) }

// Closest returns the candidate closest to s, or "" (see suggest.Closest).
func Closest(s string, candidates []string) string { return suggest.Closest(s, candidates) }
