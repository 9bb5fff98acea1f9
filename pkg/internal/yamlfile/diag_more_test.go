package yamlfile

import (
	"errors"
	"strings"
	"testing"
)

func TestCaretShapes(t *testing.T) {
	tests := []struct {
		name   string
		pos    Pos
		source string
		width  int
		want   string
	}{
		{"no source line", Pos{3, 4}, "", 5, ""},
		{"first column, zero width", Pos{1, 1}, "abc", 0, "\n     1 | abc\n       | ^"},
		{"width one", Pos{2, 3}, "a: b", 1, "\n     2 | a: b\n       |   ^"},
		{"wide", Pos{12, 1}, "issuer: x", 6, "\n    12 | issuer: x\n       | ^~~~~~"},
		{"column zero does not indent negatively", Pos{1, 0}, "x", 1, "\n     1 | x\n       | ^"},
	}
	for _, tt := range tests {
		if got := Caret(tt.pos, tt.source, tt.width); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestReaderSourceClipsWidthToTheLine(t *testing.T) {
	r := NewReader("f.yaml", []byte("key: value\r\nshort\n"))
	tests := []struct {
		pos       Pos
		width     int
		src       string
		wantWidth int
	}{
		{Pos{1, 6}, 5, "key: value", 5},  // fits exactly; the \r is not part of the line
		{Pos{1, 6}, 50, "key: value", 5}, // clipped at the end of the line
		{Pos{2, 1}, 99, "short", 5},      // clipped
		{Pos{2, 9}, 3, "short", 1},       // past the end of the line: at least one caret
		{Pos{0, 1}, 4, "", 4},            // line before the file
		{Pos{9, 1}, 4, "", 4},            // line after the file
		{Pos{3, 1}, 2, "", 1},            // the empty line after the final newline
	}
	for _, tt := range tests {
		src, w := r.Source(tt.pos, tt.width)
		if src != tt.src || w != tt.wantWidth {
			t.Errorf("Source(%v, %d) = %q, %d; want %q, %d", tt.pos, tt.width, src, w, tt.src, tt.wantWidth)
		}
	}
}

func TestErrAggregatesInFileOrder(t *testing.T) {
	r := NewReader("c.yaml", []byte("one\ntwo\nthree\n"))
	if r.Err() != nil {
		t.Fatalf("Err with no problems = %v, want nil", r.Err())
	}
	r.Add(Pos{3, 2}, 1, "third")
	r.Add(Pos{1, 4}, 1, "first-b")
	r.Add(Pos{1, 1}, 1, "first-a")
	r.Add(Pos{3, 2}, 1, "third-again")
	if d := r.Diags(); len(d) != 4 || d[0].Msg != "third" {
		t.Fatalf("Diags before Err should be in the order added, got %+v", d)
	}
	err := r.Err()
	var e *Errors
	if !errors.As(err, &e) {
		t.Fatalf("Err() is %T, want *Errors", err)
	}
	var msgs []string
	for _, d := range e.Diags {
		msgs = append(msgs, d.Msg)
	}
	if got, want := strings.Join(msgs, ","), "first-a,first-b,third,third-again"; got != want {
		t.Errorf("order %s, want %s (by position, stable for ties)", got, want)
	}
	lines := strings.Split(err.Error(), "\n")
	// each diagnostic is a message line and two caret lines
	if len(lines) != 12 || lines[0] != "c.yaml:1:1: first-a" || lines[9] != "c.yaml:3:2: third-again" {
		t.Errorf("error text:\n%s", err)
	}
}

func TestDiagStringWithoutSource(t *testing.T) {
	d := Diag{File: "x.yaml", Pos: Pos{7, 2}, Msg: "gone"}
	if got := d.String(); got != "x.yaml:7:2: gone" {
		t.Errorf("got %q", got)
	}
}

func TestDidYouMeanAndClosest(t *testing.T) {
	cands := []string{"issuer", "clients", "users", "apps"}
	if got := DidYouMean("isuer", cands); got != `; did you mean "issuer"?` {
		t.Errorf("DidYouMean(isuer) = %q", got)
	}
	if got := Closest("client", cands); got != "clients" {
		t.Errorf("Closest(client) = %q", got)
	}
	if got := DidYouMean("zzzzzzzz", cands); got != "" {
		t.Errorf("DidYouMean of a word close to nothing = %q, want empty", got)
	}
	if got := Closest("anything", nil); got != "" {
		t.Errorf("Closest with no candidates = %q", got)
	}
}

func TestOrList(t *testing.T) {
	for in, want := range map[string]string{
		"":      "",
		"a":     "a",
		"a b":   "a or b",
		"a b c": "a, b or c",
	} {
		if got := OrList(strings.Fields(in)); got != want {
			t.Errorf("OrList(%q) = %q, want %q", in, got, want)
		}
	}
}
