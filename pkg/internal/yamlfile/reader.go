package yamlfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Reader collects the problems of one file while a schema walks its nodes.
type Reader struct {
	name    string
	lines   []string
	diags   []Diag
	anchors map[string]ast.Node
}

// NewReader starts a reader for the file name with contents src.
func NewReader(name string, src []byte) *Reader {
	return &Reader{name: name, lines: strings.Split(string(src), "\n"), anchors: map[string]ast.Node{}}
}

// Diags returns the problems found so far.
func (r *Reader) Diags() []Diag { return r.diags }

// Err returns every problem found, in file order, or nil.
func (r *Reader) Err() error {
	if len(r.diags) == 0 {
		return nil
	}
	Sort(r.diags)
	return &Errors{Diags: r.diags}
}

// Parse parses src within the budget (size, alias expansion, nesting) and
// returns the parsed file. Bad input is a problem in r, never a panic; the
// file is nil when it cannot be used.
func (r *Reader) Parse(src []byte, maxSize int, mode parser.Mode) (f *ast.File) {
	if len(src) > maxSize {
		r.Add(Pos{1, 1}, 0, "file is %d bytes, more than the %d this file may have", len(src), maxSize)
		return nil
	}
	if line, col, ok := checkFlowDepth(src); !ok {
		r.Add(Pos{line, col}, 1, "YAML nested more than %d levels deep; flatten the file", MaxDepth)
		return nil
	}
	// goccy/go-yaml v1.19.2 panics on some malformed documents (found by
	// fuzzing); bad input must be an error, never a crash.
	defer func() {
		if v := recover(); v != nil {
			r.Add(Pos{1, 1}, 0, "the YAML cannot be parsed (%v); check the indentation and tags near the end of the file", v)
			f = nil
		}
	}()
	file, err := parser.ParseBytes(src, mode)
	if err != nil {
		r.yamlError(err)
		return nil
	}
	b := &budget{r: r, anchors: map[string]anchorCost{}}
	for _, d := range file.Docs {
		b.walk(d, 0)
		if b.failed {
			return nil
		}
	}
	return file
}

// CheckBudget parses src only to check it against the budget; it is for
// callers that decode src with another function afterwards.
func CheckBudget(name string, src []byte, maxSize int) error {
	r := NewReader(name, src)
	r.Parse(src, maxSize, 0)
	return r.Err()
}

// Body returns the one document's body of f, reporting a file with several
// documents; nil for an empty file.
func (r *Reader) Body(f *ast.File, what string) ast.Node {
	var body ast.Node
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		if _, ok := d.Body.(*ast.CommentGroupNode); ok {
			continue
		}
		if body != nil {
			r.ErrAt(d.Body, "%s holds one YAML document", what)
			break
		}
		body = d.Body
	}
	return body
}

// YAMLError adds a decoder or parser error at the position it names.
func (r *Reader) YAMLError(err error) { r.yamlError(err) }

func (r *Reader) yamlError(err error) {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		tk := ye.GetToken()
		r.Add(Pos{tk.Position.Line, tk.Position.Column}, len(tk.Value), "YAML: %s", ye.GetMessage())
		return
	}
	r.Add(Pos{1, 1}, 0, "YAML: %v", err)
}

// Add records a problem at pos spanning width characters.
func (r *Reader) Add(pos Pos, width int, format string, args ...any) {
	d := Diag{File: r.name, Pos: pos, Msg: fmt.Sprintf(format, args...), Width: width}
	d.Source, d.Width = r.Source(pos, width)
	r.diags = append(r.diags, d)
}

// Source returns the line at pos and width clipped to it.
func (r *Reader) Source(pos Pos, width int) (string, int) {
	if pos.Line < 1 || pos.Line > len(r.lines) {
		return "", width
	}
	src := strings.TrimRight(r.lines[pos.Line-1], "\r")
	if rest := len(src) - (pos.Col - 1); width > rest {
		width = max(rest, 1)
	}
	return src, width
}

// PosOf is a node's position ({1, 1} when unknown). A block mapping is at
// its first key, not at its first colon.
func PosOf(n ast.Node) Pos {
	n = keyOf(n)
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return Pos{1, 1}
	}
	tk := n.GetToken()
	return Pos{tk.Position.Line, tk.Position.Column}
}

func keyOf(n ast.Node) ast.Node {
	switch v := n.(type) {
	case *ast.MappingValueNode:
		if v.Key != nil {
			return v.Key
		}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 && v.Values[0].Key != nil {
			return v.Values[0].Key
		}
	}
	return n
}

// WidthOf is how many characters a node's first token spans (at least 1).
func WidthOf(n ast.Node) int {
	n = keyOf(n)
	if n == nil || n.GetToken() == nil {
		return 1
	}
	return max(len(n.GetToken().Value), 1)
}

// ErrAt records a problem at node n.
func (r *Reader) ErrAt(n ast.Node, format string, args ...any) {
	r.Add(PosOf(n), WidthOf(n), format, args...)
}

// Resolve strips tags and anchors and follows aliases.
func (r *Reader) Resolve(n ast.Node) ast.Node {
	for i := 0; i < 64 && n != nil; i++ {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			if v.Name != nil {
				r.anchors[v.Name.GetToken().Value] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.GetToken().Value
			}
			target, ok := r.anchors[name]
			if !ok {
				r.ErrAt(n, "unknown alias *%s", name)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return n
}

// Pair is one key: value of a mapping.
type Pair struct {
	Key   string
	KeyN  ast.Node
	Value ast.Node
}

// Mapping returns the pairs of a mapping node; what names the mapping in
// errors ("step", "app shell"). Duplicate keys are reported and dropped.
func (r *Reader) Mapping(n ast.Node, what string) ([]Pair, bool) {
	n = r.Resolve(n)
	var mvs []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		mvs = v.Values
	case *ast.MappingValueNode:
		mvs = []*ast.MappingValueNode{v}
	case nil, *ast.NullNode:
		return nil, true
	default:
		r.ErrAt(n, "%s must be a mapping (key: value), got %s", what, Describe(n))
		return nil, false
	}
	seen := map[string]bool{}
	out := make([]Pair, 0, len(mvs))
	for _, mv := range mvs {
		k, ok := r.Scalar(mv.Key)
		if !ok {
			continue
		}
		if seen[k] {
			r.ErrAt(mv.Key, "duplicate key %q in %s", k, what)
			continue
		}
		seen[k] = true
		out = append(out, Pair{Key: k, KeyN: mv.Key, Value: mv.Value})
	}
	return out, true
}

// Sequence returns the items of a list node.
func (r *Reader) Sequence(n ast.Node, what string) ([]ast.Node, bool) {
	n = r.Resolve(n)
	switch v := n.(type) {
	case *ast.SequenceNode:
		return v.Values, true
	case nil, *ast.NullNode:
		return nil, true
	}
	r.ErrAt(n, "%s must be a list, got %s", what, Describe(n))
	return nil, false
}

// Describe names a node's shape for messages.
func Describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode, nil:
		return "nothing"
	}
	return fmt.Sprintf("%q", n.GetToken().Value)
}

// Scalar returns a scalar's text.
func (r *Reader) Scalar(n ast.Node) (string, bool) {
	n = r.Resolve(n)
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value, true
		}
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	case *ast.NullNode:
		return "", true
	case nil:
		return "", false
	}
	r.ErrAt(n, "want a single value, got %s", Describe(n))
	return "", false
}

// Str returns a scalar that must not be empty.
func (r *Reader) Str(n ast.Node, what string) string {
	s, ok := r.Scalar(n)
	if ok && s == "" {
		r.ErrAt(n, "%s must not be empty", what)
	}
	return s
}

// OneOf returns a scalar that must be one of allowed (compared without
// case; the allowed spelling is returned), with "did you mean" otherwise.
func (r *Reader) OneOf(n ast.Node, what string, allowed ...string) string {
	s := r.Str(n, what)
	if s == "" {
		return s
	}
	for _, a := range allowed {
		if strings.EqualFold(a, s) {
			return a
		}
	}
	r.ErrAt(n, "%s must be %s, got %q%s", what, OrList(allowed), s, DidYouMean(s, allowed))
	return s
}

// OrList joins words as "a, b or c".
func OrList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// Boolean reads true/false (and yes/no, on/off).
func (r *Reader) Boolean(n ast.Node, what string) *bool {
	s, ok := r.Scalar(n)
	if !ok {
		return nil
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		t := true
		return &t
	case "false", "no", "off":
		f := false
		return &f
	}
	r.ErrAt(n, "%s must be true or false, got %q", what, s)
	return nil
}

// Duration reads a Go duration, or a number of seconds.
func (r *Reader) Duration(n ast.Node, what string) time.Duration {
	s, ok := r.Scalar(n)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if secs, err2 := strconv.ParseFloat(s, 64); err2 == nil && secs >= 0 {
			return time.Duration(secs * float64(time.Second))
		}
		r.ErrAt(n, "%s must be a duration such as 500ms, 2s or 1m, got %q", what, s)
		return 0
	}
	if d < 0 {
		r.ErrAt(n, "%s must not be negative, got %q", what, s)
		return 0
	}
	return d
}

// Value converts a node into plain Go values (for claims).
func (r *Reader) Value(n ast.Node) any { return r.value(n, 0) }

func (r *Reader) value(n ast.Node, depth int) any {
	n = r.Resolve(n)
	if depth > 32 {
		r.ErrAt(n, "value nested too deeply")
		return nil
	}
	switch v := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		pairs, _ := r.Mapping(v, "value")
		m := map[string]any{}
		for _, pr := range pairs {
			m[pr.Key] = r.value(pr.Value, depth+1)
		}
		return m
	case *ast.SequenceNode:
		out := make([]any, 0, len(v.Values))
		for _, e := range v.Values {
			out = append(out, r.value(e, depth+1))
		}
		return out
	case *ast.IntegerNode:
		if i, ok := v.Value.(int64); ok {
			return i
		}
		if u, ok := v.Value.(uint64); ok {
			return float64(u)
		}
		return v.GetToken().Value
	case *ast.FloatNode:
		return v.Value
	case *ast.BoolNode:
		return v.Value
	case *ast.NullNode, nil:
		return nil
	}
	s, _ := r.Scalar(n)
	return s
}

// UnknownKey reports a key outside the allowed set, with "did you mean".
func (r *Reader) UnknownKey(pr Pair, where string, allowed ...string) {
	r.ErrAt(pr.KeyN, "unknown key %q in %s (want one of %s)%s", pr.Key, where, strings.Join(allowed, ", "), DidYouMean(pr.Key, allowed))
}
