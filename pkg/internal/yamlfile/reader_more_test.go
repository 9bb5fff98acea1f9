package yamlfile

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// pairsOf parses src and returns the reader and the pairs of its mapping.
func pairsOf(t *testing.T, src string) (*Reader, map[string]Pair) {
	t.Helper()
	r := NewReader("f.yaml", []byte(src))
	f := r.Parse([]byte(src), 1<<20, 0)
	if f == nil {
		t.Fatalf("parse %q: %v", src, r.Err())
	}
	pairs, ok := r.Mapping(r.Body(f, "f.yaml"), "f.yaml")
	if !ok {
		t.Fatalf("%q is not a mapping: %v", src, r.Err())
	}
	m := map[string]Pair{}
	for _, p := range pairs {
		m[p.Key] = p
	}
	return r, m
}

func TestBooleanSpellings(t *testing.T) {
	r, m := pairsOf(t, "a: true\nb: No\nc: ON\nd: off\ne: YES\nf: false\n")
	want := map[string]bool{"a": true, "b": false, "c": true, "d": false, "e": true, "f": false}
	for k, w := range want {
		got := r.Boolean(m[k].Value, k)
		if got == nil || *got != w {
			t.Errorf("%s: got %v, want %v", k, got, w)
		}
	}
	if err := r.Err(); err != nil {
		t.Errorf("unexpected problems: %v", err)
	}
}

func TestBooleanRefusals(t *testing.T) {
	r, m := pairsOf(t, "maybe: perhaps\nlist: [true]\n")
	if got := r.Boolean(m["maybe"].Value, "maybe"); got != nil {
		t.Errorf("perhaps read as %v", *got)
	}
	if got := r.Boolean(m["list"].Value, "list"); got != nil {
		t.Errorf("a list read as %v", *got)
	}
	err := r.Err()
	if err == nil {
		t.Fatal("no problems reported")
	}
	for _, want := range []string{`f.yaml:1:8: maybe must be true or false, got "perhaps"`, "f.yaml:2:7: want a single value, got a list"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

func TestDurationForms(t *testing.T) {
	r, m := pairsOf(t, "a: 500ms\nb: 1.5\nc: 0\nd: 2m\ne: -3\nf: 10\n")
	for k, want := range map[string]time.Duration{"a": 500 * time.Millisecond, "b": 1500 * time.Millisecond, "c": 0, "d": 2 * time.Minute, "f": 10 * time.Second} {
		if got := r.Duration(m[k].Value, k); got != want {
			t.Errorf("%s: %v, want %v", k, got, want)
		}
	}
	if r.Err() != nil {
		t.Fatalf("valid durations refused: %v", r.Err())
	}
	// A negative number of seconds is not a duration either.
	if got := r.Duration(m["e"].Value, "e"); got != 0 {
		t.Errorf("-3 read as %v", got)
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), `f.yaml:5:4: e must be a duration such as 500ms, 2s or 1m, got "-3"`) {
		t.Errorf("got %v", err)
	}
}

func TestOneOfReturnsTheAllowedSpelling(t *testing.T) {
	r, m := pairsOf(t, "a: STRICT\nb: zzzzzz\nc: ''\n")
	if got := r.OneOf(m["a"].Value, "mode", "lax", "strict"); got != "strict" {
		t.Errorf("OneOf(STRICT) = %q, want the allowed spelling strict", got)
	}
	if r.Err() != nil {
		t.Fatalf("case-insensitive match refused: %v", r.Err())
	}
	r.OneOf(m["b"].Value, "mode", "lax", "strict")
	r.OneOf(m["c"].Value, "mode", "lax", "strict")
	got := r.Err().Error()
	if !strings.Contains(got, `f.yaml:2:4: mode must be lax or strict, got "zzzzzz"`+"\n") {
		t.Errorf("far-off value should get no suggestion:\n%s", got)
	}
	if strings.Contains(got, "did you mean") {
		t.Errorf("unexpected suggestion:\n%s", got)
	}
	if !strings.Contains(got, "f.yaml:3:4: mode must not be empty") || strings.Count(got, "f.yaml:3:") != 1 {
		t.Errorf("empty value should be reported once, as empty:\n%s", got)
	}
}

func TestScalarKinds(t *testing.T) {
	r, m := pairsOf(t, "int: 42\nfloat: 1.5\nbool: false\nnil: ~\ninf: .inf\nnan: .nan\nlit: |\n  two\n  lines\ntag: !!str 7\nstr: \"quoted\"\n")
	for k, want := range map[string]string{
		"int": "42", "float": "1.5", "bool": "false", "nil": "", "inf": ".inf", "nan": ".nan",
		"lit": "two\nlines\n", "tag": "7", "str": "quoted",
	} {
		got, ok := r.Scalar(m[k].Value)
		if !ok || got != want {
			t.Errorf("%s: %q %v, want %q", k, got, ok, want)
		}
	}
	if r.Err() != nil {
		t.Errorf("unexpected problems: %v", r.Err())
	}
	if s, ok := r.Scalar(nil); ok || s != "" || r.Err() != nil {
		t.Errorf("Scalar(nil) = %q %v, %v; want not ok and no problem", s, ok, r.Err())
	}
}

func TestMappingAndSequenceShapes(t *testing.T) {
	r, m := pairsOf(t, "empty:\nscalar: word\nlist: [a, b]\nmap: {x: 1}\n")
	if pairs, ok := r.Mapping(m["empty"].Value, "empty"); !ok || pairs != nil {
		t.Errorf("Mapping of nothing = %v %v, want nil, true", pairs, ok)
	}
	if items, ok := r.Sequence(m["empty"].Value, "empty"); !ok || items != nil {
		t.Errorf("Sequence of nothing = %v %v, want nil, true", items, ok)
	}
	if items, ok := r.Sequence(m["list"].Value, "list"); !ok || len(items) != 2 {
		t.Errorf("Sequence(list) = %v %v", items, ok)
	}
	if r.Err() != nil {
		t.Fatalf("unexpected problems: %v", r.Err())
	}
	if _, ok := r.Mapping(m["scalar"].Value, "app shell"); ok {
		t.Error("a scalar accepted as a mapping")
	}
	if _, ok := r.Sequence(m["map"].Value, "steps"); ok {
		t.Error("a mapping accepted as a list")
	}
	got := r.Err().Error()
	for _, want := range []string{
		`f.yaml:2:9: app shell must be a mapping (key: value), got "word"`,
		"f.yaml:4:6: steps must be a list, got a mapping",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestDescribe(t *testing.T) {
	if got := Describe(nil); got != "nothing" {
		t.Errorf("Describe(nil) = %q", got)
	}
	_, m := pairsOf(t, "s: hello\nl: [1]\nm: {a: 1}\nn: null\n")
	for k, want := range map[string]string{"s": `"hello"`, "l": "a list", "m": "a mapping", "n": "nothing"} {
		if got := Describe(m[k].Value); got != want {
			t.Errorf("Describe(%s) = %q, want %q", k, got, want)
		}
	}
}

func TestPosAndWidthOfNodes(t *testing.T) {
	if PosOf(nil) != (Pos{1, 1}) || WidthOf(nil) != 1 {
		t.Errorf("nil node: %v %d", PosOf(nil), WidthOf(nil))
	}
	src := "top:\n  first_key: 1\n  second: 2\nflow: {k: v}\n"
	_, m := pairsOf(t, src)
	block := m["top"].Value
	// A block mapping is at its first key, spanning that key.
	if got := PosOf(block); got != (Pos{2, 3}) {
		t.Errorf("block mapping at %v, want 2:3", got)
	}
	if got := WidthOf(block); got != len("first_key") {
		t.Errorf("block mapping width %d, want %d", got, len("first_key"))
	}
	// A flow mapping is at its opening brace.
	if got := PosOf(m["flow"].Value); got != (Pos{4, 7}) {
		t.Errorf("flow mapping at %v, want 4:7", got)
	}
}

func TestValueConversions(t *testing.T) {
	r, m := pairsOf(t, "big: 18446744073709551615\nneg: -5\nstr: text\nnested: {a: [1, {b: null}]}\n")
	if v, ok := r.Value(m["big"].Value).(float64); !ok || v < 1.8e19 {
		t.Errorf("a uint64 should become float64, got %#v", r.Value(m["big"].Value))
	}
	if v := r.Value(m["neg"].Value); v != int64(-5) {
		t.Errorf("neg = %#v", v)
	}
	if v := r.Value(m["str"].Value); v != "text" {
		t.Errorf("str = %#v", v)
	}
	nested, _ := r.Value(m["nested"].Value).(map[string]any)
	list, _ := nested["a"].([]any)
	inner, _ := list[1].(map[string]any)
	// goccy reads a non-negative integer as uint64, which becomes float64
	// (as JSON would decode it); a negative one stays int64.
	if len(list) != 2 || list[0] != float64(1) || inner == nil || inner["b"] != nil {
		t.Errorf("nested = %#v", nested)
	}
	if _, has := inner["b"]; !has {
		t.Error("a null value should keep its key")
	}
	if r.Err() != nil {
		t.Errorf("unexpected problems: %v", r.Err())
	}
}

func TestValueRefusesDeepNesting(t *testing.T) {
	src := "v: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n"
	r, m := pairsOf(t, src)
	r.Value(m["v"].Value)
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "value nested too deeply") {
		t.Errorf("got %v", err)
	}
}

func TestBodyAcrossDocuments(t *testing.T) {
	tests := []struct {
		src, want string
		body      bool
	}{
		{"", "", false},
		{"# only a comment\n", "", false},
		{"---\na: 1\n", "", true},
		{"# leading comment\n---\na: 1\n", "", true},
		{"a: 1\n---\n# trailing comment\n", "", true},
		{"a: 1\n---\nb: 2\n---\nc: 3\n", "f.yaml:3:1: cfg holds one YAML document", true},
	}
	for _, tt := range tests {
		r := NewReader("f.yaml", []byte(tt.src))
		f := r.Parse([]byte(tt.src), 1<<20, 0)
		if f == nil {
			t.Fatalf("%q: %v", tt.src, r.Err())
		}
		body := r.Body(f, "cfg")
		got := ""
		if err := r.Err(); err != nil {
			got = err.Error()
		}
		if (body != nil) != tt.body || !strings.HasPrefix(got, tt.want) || (tt.want == "") != (got == "") {
			t.Errorf("%q: body %v, problems %q; want body %v, %q", tt.src, body != nil, got, tt.body, tt.want)
		}
		if strings.Count(got, "holds one YAML document") > 1 {
			t.Errorf("%q: the extra documents should be reported once:\n%s", tt.src, got)
		}
	}
}

func TestYAMLErrorWithoutPosition(t *testing.T) {
	r := NewReader("f.yaml", []byte("a: 1\n"))
	r.YAMLError(errors.New("decoder exploded"))
	if err := r.Err(); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:1:1: YAML: decoder exploded") {
		t.Errorf("got %v", err)
	}
}

func TestAliasResolvesToAnchor(t *testing.T) {
	r, m := pairsOf(t, "base: &b hello\ncopy: *b\n")
	r.Resolve(m["base"].Value) // records the anchor, as a schema walking in order does
	if s, ok := r.Scalar(m["copy"].Value); !ok || s != "hello" {
		t.Errorf("alias read as %q %v", s, ok)
	}
	if r.Err() != nil {
		t.Errorf("unexpected problems: %v", r.Err())
	}
}
