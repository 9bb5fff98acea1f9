package yamlfile

import (
	"fmt"
	"sort"
	"strings"
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
func DidYouMean(s string, candidates []string) string {
	if c := Closest(s, candidates); c != "" {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

// Closest returns the candidate within edit distance 2 of s (compared
// without case), if any; failing that, one whose beginning is within
// distance 1 of s, so an abbreviated "stripp" finds "strip_prefix".
func Closest(s string, candidates []string) string {
	ls := strings.ToLower(s)
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" || len(ls) < 4 {
		return best
	}
	for _, c := range candidates {
		if lc := strings.ToLower(c); len(lc) > len(ls) && editDistance(ls, lc[:len(ls)]) <= 1 {
			return c
		}
	}
	return ""
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
