package yamlfile

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// read parses src, hands its body to walk and returns every message.
func read(t *testing.T, src string, walk func(r *Reader, body ast.Node)) string {
	t.Helper()
	r := NewReader("f.yaml", []byte(src))
	if f := r.Parse([]byte(src), 1<<20, 0); f != nil {
		if body := r.Body(f, "f.yaml"); body != nil {
			walk(r, body)
		}
	}
	if err := r.Err(); err != nil {
		return err.Error()
	}
	return ""
}

func TestReaderReportsEachMistakeAtItsPosition(t *testing.T) {
	var wait, ok time.Duration
	var flag *bool
	var kind string
	got := read(t, "kind: Strikt\ncount: [1]\nwait: soon\nok: 2\nneg: -1s\nflag: yes\nlist: {a: 1}\nalias: *nowhere\nempty: ''\ncolour: red\n", func(r *Reader, body ast.Node) {
		pairs, _ := r.Mapping(body, "the file")
		for _, pr := range pairs {
			switch pr.Key {
			case "kind":
				kind = r.OneOf(pr.Value, "kind", "lax", "strict")
			case "count":
				r.Scalar(pr.Value)
			case "wait":
				wait = r.Duration(pr.Value, "wait")
			case "ok":
				ok = r.Duration(pr.Value, "ok")
			case "neg":
				r.Duration(pr.Value, "neg")
			case "flag":
				flag = r.Boolean(pr.Value, "flag")
			case "list":
				r.Sequence(pr.Value, "list")
			case "alias":
				r.Scalar(pr.Value)
			case "empty":
				r.Str(pr.Value, "empty")
			default:
				r.UnknownKey(pr, "the file", "kind", "count", "color")
			}
		}
	})
	for _, want := range []string{
		`f.yaml:1:7: kind must be lax or strict, got "Strikt"; did you mean "strict"?`,
		"f.yaml:2:8: want a single value, got a list",
		`f.yaml:3:7: wait must be a duration such as 500ms, 2s or 1m, got "soon"`,
		`f.yaml:5:6: neg must not be negative, got "-1s"`,
		"f.yaml:7:7: list must be a list, got a mapping",
		"f.yaml:8:8: unknown alias *nowhere",
		"f.yaml:9:8: empty must not be empty",
		`f.yaml:10:1: unknown key "colour" in the file (want one of kind, count, color); did you mean "color"?`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if wait != 0 || ok != 2*time.Second || flag == nil || !*flag || kind != "Strikt" {
		t.Errorf("values: wait %v ok %v flag %v kind %q", wait, ok, flag, kind)
	}
	if n := strings.Count(got, "f.yaml:"); n != 8 {
		t.Errorf("%d messages, want 8:\n%s", n, got)
	}
}

func TestReaderValueFollowsAliases(t *testing.T) {
	var v any
	got := read(t, "base: &b {roles: [a, b], n: 3, ok: true, x: ~, f: 1.5}\ncopy: *b\n", func(r *Reader, body ast.Node) {
		pairs, _ := r.Mapping(body, "f")
		r.Value(pairs[0].Value)
		v = r.Value(pairs[1].Value)
	})
	m, _ := v.(map[string]any)
	if got != "" || m == nil || fmt.Sprint(m["n"]) != "3" || m["ok"] != true || m["x"] != nil || m["f"] != 1.5 || len(m["roles"].([]any)) != 2 {
		t.Fatalf("value %#v, errors %s", v, got)
	}
}

func TestReaderRefusesWhatItCannotRead(t *testing.T) {
	for src, want := range map[string]string{
		"a: [unclosed\n":  "f.yaml:1:",
		"a: 1\n---\nb: 2": "f.yaml:3:1: f.yaml holds one YAML document",
		"a: 1\na: 2\n":    "already defined",
	} {
		if got := read(t, src, func(*Reader, ast.Node) {}); !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", src, got, want)
		}
	}
	r := NewReader("f.yaml", nil)
	if r.Parse(make([]byte, 11), 10, 0) != nil || !strings.Contains(r.Err().Error(), "file is 11 bytes, more than the 10") {
		t.Errorf("size limit: %v", r.Err())
	}
}
