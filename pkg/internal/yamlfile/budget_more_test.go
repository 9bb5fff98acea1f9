package yamlfile

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckFlowDepthCountsOnlyRealBrackets(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1)
	tests := []struct {
		name      string
		src       string
		line, col int
		ok        bool
	}{
		{"exactly the limit", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), 0, 0, true},
		{"one past the limit", deep, 1, MaxDepth + 1, false},
		{"position on a later line", "a: 1\nb: " + deep, 2, 3 + MaxDepth + 1, false},
		{"closing brackets bring the depth back", strings.Repeat("[]", 5*MaxDepth), 0, 0, true},
		{"mixed braces", strings.Repeat("{a: [", MaxDepth/2) + "{", 1, 5*(MaxDepth/2) + 1, false},
		{"double-quoted", `s: "` + deep + `"`, 0, 0, true},
		{"escaped double quote stays inside", `s: "\"` + deep + `"`, 0, 0, true},
		{"single-quoted with doubled quote", `s: 'it''s ` + deep + `'`, 0, 0, true},
		{"comment", "a: 1 # " + deep + "\nb: 2\n", 0, 0, true},
		{"comment at line start", "# " + deep + "\n", 0, 0, true},
		{"a comment ends at the newline", "# x\n" + deep, 2, MaxDepth + 1, false},
		{"# inside a word is not a comment", "a#" + deep, 1, 2 + MaxDepth + 1, false},
		{"apostrophe inside a word opens no quote", "don't " + deep, 1, 6 + MaxDepth + 1, false},
		{"stray closing brackets do not go negative", strings.Repeat("]", 50) + deep, 1, 50 + MaxDepth + 1, false},
	}
	for _, tt := range tests {
		line, col, ok := checkFlowDepth([]byte(tt.src))
		if ok != tt.ok || line != tt.line || col != tt.col {
			t.Errorf("%s: %d:%d %v, want %d:%d %v", tt.name, line, col, ok, tt.line, tt.col, tt.ok)
		}
	}
}

// aliasFile anchors a list of items values and aliases it refs times.
func aliasFile(items, refs int) string {
	return "a: &a [" + strings.TrimSuffix(strings.Repeat("x, ", items), ", ") + "]\n" +
		"b: [" + strings.TrimSuffix(strings.Repeat("*a, ", refs), ", ") + "]\n"
}

func TestAliasBudgetBoundary(t *testing.T) {
	// The anchored list counts as itself plus its 999 items: 1,000 nodes per alias.
	if err := CheckBudget("f.yaml", []byte(aliasFile(999, MaxAliasNodes/1000)), 1<<20); err != nil {
		t.Errorf("exactly %d aliased nodes refused: %v", MaxAliasNodes, err)
	}
	err := CheckBudget("f.yaml", []byte(aliasFile(999, MaxAliasNodes/1000+1)), 1<<20)
	if err == nil {
		t.Fatal("one alias past the limit accepted")
	}
	// The problem is at the first alias past the limit: column of the 101st *a.
	want := fmt.Sprintf("f.yaml:2:%d: too many alias expansions (limit %d nodes): with *a", 5+4*(MaxAliasNodes/1000), MaxAliasNodes)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v\nwant prefix %s", err, want)
	}
	if n := strings.Count(err.Error(), "too many alias"); n != 1 {
		t.Errorf("reported %d times, want once", n)
	}
}

func TestAliasBudgetSpansDocuments(t *testing.T) {
	// What aliases add is counted across the whole file, not per document.
	doc := aliasFile(999, 60)
	if err := CheckBudget("f.yaml", []byte(doc), 1<<20); err != nil {
		t.Fatalf("one document refused: %v", err)
	}
	if err := CheckBudget("f.yaml", []byte(doc+"---\n"+doc), 1<<20); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:5:165: too many alias expansions") {
		t.Errorf("two documents of 60,000 aliased nodes each: %v, want refusal at the 41st alias of the second", err)
	}
}

func TestBudgetSizeLimitIsInclusive(t *testing.T) {
	src := []byte("a: 1234\n")
	if err := CheckBudget("f.yaml", src, len(src)); err != nil {
		t.Errorf("file of exactly the limit refused: %v", err)
	}
	err := CheckBudget("f.yaml", src, len(src)-1)
	if err == nil || err.Error() != "f.yaml:1:1: file is 8 bytes, more than the 7 this file may have\n     1 | a: 1234\n       | ^" {
		t.Errorf("got %q", err)
	}
}

func TestBudgetFollowsTagsAndAnchorsOfMappings(t *testing.T) {
	// A tagged, anchored mapping nested to the limit and aliased below one
	// more level of nesting crosses MaxDepth only once expanded.
	var b strings.Builder
	b.WriteString("a: &deep !!map ")
	b.WriteString(strings.Repeat("{k: ", MaxDepth-2) + "v" + strings.Repeat("}", MaxDepth-2) + "\n")
	b.WriteString("b: [[[*deep]]]\n")
	err := CheckBudget("f.yaml", []byte(b.String()), 1<<20)
	if err == nil || !strings.Contains(err.Error(), "f.yaml:2:7: YAML nested more than 100 levels deep once *deep is expanded") {
		t.Errorf("got %v", err)
	}
}

func TestAddSatSaturates(t *testing.T) {
	if got := addSat(2, 3); got != 5 {
		t.Errorf("addSat(2, 3) = %d", got)
	}
	if got := addSat(1<<41, 1); got != 1<<41 {
		t.Errorf("addSat of a huge count = %d, want it pinned at 1<<41", got)
	}
	if got := addSat(1, 1<<50); got != 1<<41 {
		t.Errorf("addSat(1, 1<<50) = %d", got)
	}
}
