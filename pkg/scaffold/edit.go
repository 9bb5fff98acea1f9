package scaffold

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/ssokit/ssokit/pkg/config"
)

// field is one key of a new mapping entry: a scalar, a list of scalars, or
// raw YAML flow text written as it is (a list of mappings, such as api:).
type field struct {
	key  string
	str  string
	list []string
	raw  string
}

func clientFields(c config.Client) []field {
	fs := []field{{key: "client_id", str: c.ClientID}}
	if c.Secret != "" {
		fs = append(fs, field{key: "secret", str: c.Secret})
	}
	fs = appendList(fs, "redirect_uris", c.RedirectURIs)
	fs = appendList(fs, "post_logout_redirect_uris", c.PostLogoutRedirectURIs)
	fs = appendList(fs, "web_origins", c.WebOrigins)
	if c.FrontchannelLogoutURI != "" {
		fs = append(fs, field{key: "frontchannel_logout_uri", str: c.FrontchannelLogoutURI})
	}
	if c.BackchannelLogoutURI != "" {
		fs = append(fs, field{key: "backchannel_logout_uri", str: c.BackchannelLogoutURI})
	}
	return fs
}

func appFields(a config.App) []field {
	fs := []field{{key: "name", str: a.Name}, {key: "path", str: a.Path}, {key: "upstream", str: a.Upstream}}
	for _, kv := range [][2]string{{"command", a.Command}, {"cwd", a.Cwd}, {"auth", a.Auth}, {"client_id", a.ClientID}} {
		if kv[1] != "" {
			fs = append(fs, field{key: kv[0], str: kv[1]})
		}
	}
	if len(a.API) > 0 {
		apis := make([]string, len(a.API))
		for i, api := range a.API {
			apis[i] = "{path: " + flowScalar(api.Path) + ", upstream: " + flowScalar(api.Upstream) + "}"
		}
		fs = append(fs, field{key: "api", raw: "[" + strings.Join(apis, ", ") + "]"})
	}
	return fs
}

func appendList(fs []field, key string, list []string) []field {
	if len(list) == 0 {
		return fs
	}
	return append(fs, field{key: key, list: list})
}

// plainSafe matches scalars that read back as the same string when written
// unquoted, in block and flow context alike.
var plainSafe = regexp.MustCompile(`^[A-Za-z_./][A-Za-z0-9 ._~:/@+-]*$`)

var yamlKeywords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true,
}

// scalar writes s as a YAML scalar: plain when unambiguous, else double-quoted.
func scalar(s string) string {
	if plainSafe.MatchString(s) && !strings.HasSuffix(s, " ") && !strings.Contains(s, ": ") &&
		!strings.Contains(s, " #") && !strings.HasSuffix(s, ":") && !yamlKeywords[strings.ToLower(s)] {
		return s
	}
	return strconv.Quote(s) // a Go-quoted string is a valid YAML double-quoted scalar
}

func (f field) value() string { return f.render(scalar) }

// flowScalar quotes anything with a colon: goccy/go-yaml misreads plain
// URLs inside a flow sequence nested in a flow mapping.
func flowScalar(s string) string {
	if strings.Contains(s, ":") {
		return strconv.Quote(s)
	}
	return scalar(s)
}

func (f field) render(sc func(string) string) string {
	if f.raw != "" {
		return f.raw
	}
	if f.list == nil {
		return sc(f.str)
	}
	parts := make([]string, len(f.list))
	for i, s := range f.list {
		parts[i] = sc(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// blockItem renders a block sequence item whose dash is at indent.
func blockItem(indent, comment string, fields []field) []string {
	var out []string
	if comment != "" {
		out = append(out, indent+"# "+comment)
	}
	for i, f := range fields {
		lead := indent + "  "
		if i == 0 {
			lead = indent + "- "
		}
		out = append(out, lead+f.key+": "+f.value())
	}
	return out
}

func flowItem(fields []field) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.key + ": " + f.render(flowScalar)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// editor splices text into the original lines. Positions always refer to
// the original file; edits are applied bottom-up so they never shift each other.
type editor struct {
	lines   []string
	eol     string
	inserts []insert
	appends []string
}

type insert struct {
	after int // original 1-based line number; new lines go after it
	seq   int // keeps edits at the same position in call order
	// replace, when set, edits columns [from, to) of line `after` first.
	replace    bool
	from, to   int // 0-based rune offsets
	text       string
	extraLines []string
}

func newEditor(src []byte) *editor {
	s := string(src)
	e := &editor{eol: "\n"}
	if strings.Contains(s, "\r\n") {
		e.eol = "\r\n"
	}
	if strings.TrimSpace(s) == "" {
		return e
	}
	s = strings.TrimSuffix(s, "\n")
	for _, l := range strings.Split(s, "\n") {
		e.lines = append(e.lines, strings.TrimSuffix(l, "\r"))
	}
	return e
}

func (e *editor) bytes() []byte {
	lines := make([][]string, len(e.lines))
	for i, l := range e.lines {
		lines[i] = []string{l}
	}
	ins := append([]insert(nil), e.inserts...)
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].seq < ins[j].seq })
	for _, in := range ins {
		idx := in.after - 1
		if in.replace {
			r := []rune(lines[idx][0])
			lines[idx][0] = string(r[:in.from]) + in.text + string(r[in.to:])
			if in.text == "" {
				// drop the value and the space before it: "apps: ~  # c" -> "apps:  # c"
				if in.from > 0 && r[in.from-1] == ' ' {
					in.from--
				}
				lines[idx][0] = strings.TrimRight(string(r[:in.from])+string(r[in.to:]), " \t")
			}
		}
		lines[idx] = append(lines[idx], in.extraLines...)
	}
	var out []string
	for _, ls := range lines {
		out = append(out, ls...)
	}
	if len(e.appends) > 0 {
		if len(out) > 0 && strings.TrimSpace(out[len(out)-1]) != "" {
			out = append(out, "")
		}
		out = append(out, e.appends...)
	}
	return []byte(strings.Join(out, e.eol) + e.eol)
}

func (e *editor) add(in insert) {
	in.seq = len(e.inserts)
	e.inserts = append(e.inserts, in)
}

func indent(n int) string {
	if n < 0 {
		n = 0
	}
	return strings.Repeat(" ", n)
}

// lastContentLine is the last line in [from, to] that is neither blank nor a
// comment, or from-1 when there is none.
func (e *editor) lastContentLine(from, to int) int {
	if to > len(e.lines) {
		to = len(e.lines)
	}
	for l := to; l >= from; l-- {
		t := strings.TrimSpace(e.lines[l-1])
		if t != "" && !strings.HasPrefix(t, "#") {
			return l
		}
	}
	return from - 1
}

// textAt reports whether line (1-based) holds want at rune offset col.
func (e *editor) textAt(line, col int, want string) bool {
	if line < 1 || line > len(e.lines) || col < 0 {
		return false
	}
	r := []rune(e.lines[line-1])
	w := []rune(want)
	return col+len(w) <= len(r) && string(r[col:col+len(w)]) == want
}

// appendItem adds one entry to the top-level sequence key, creating the key
// at the end of the file when it is missing.
func (e *editor) appendItem(root []*ast.MappingValueNode, key, comment string, fields []field) error {
	idx, mv := findKey(root, key)
	if mv == nil {
		if len(e.appends) > 0 {
			e.appends = append(e.appends, "")
		}
		e.appends = append(e.appends, key+":")
		e.appends = append(e.appends, blockItem("  ", comment, fields)...)
		return nil
	}
	keyPos := mv.Key.GetToken().Position
	next := len(e.lines) + 1
	if idx+1 < len(root) {
		next = root[idx+1].Key.GetToken().Position.Line
	}
	switch v := mv.Value.(type) {
	case *ast.SequenceNode:
		if !v.IsFlowStyle {
			last := e.lastContentLine(keyPos.Line+1, next-1)
			e.add(insert{after: last, extraLines: blockItem(indent(v.Start.Position.Column-1), comment, fields)})
			return nil
		}
		start, end := v.Start.Position, v.End.Position
		if !e.textAt(start.Line, start.Column-1, "[") || !e.textAt(end.Line, end.Column-1, "]") {
			return fmt.Errorf("line %d: cannot find the brackets of %s: [...]; add the entry by hand", keyPos.Line, key)
		}
		if len(v.Values) == 0 && start.Line == keyPos.Line && end.Line == keyPos.Line {
			// "clients: []" becomes a block sequence.
			e.add(insert{after: keyPos.Line, replace: true, from: start.Column - 1, to: end.Column,
				extraLines: blockItem(indent(keyPos.Column+1), comment, fields)})
			return nil
		}
		sep := ", "
		if len(v.Values) == 0 {
			sep = ""
		}
		e.add(insert{after: end.Line, replace: true, from: end.Column - 1, to: end.Column - 1, text: sep + flowItem(fields)})
		return nil
	case *ast.NullNode:
		// "clients:" (or "clients: ~") with no items yet.
		if tk := v.GetToken(); tk != nil && tk.Type == token.NullType && tk.Position != nil && tk.Position.Line == keyPos.Line {
			from := tk.Position.Column - 1
			if !e.textAt(keyPos.Line, from, tk.Value) {
				return fmt.Errorf("line %d: cannot find %q to replace; add the entry by hand", keyPos.Line, tk.Value)
			}
			e.add(insert{after: keyPos.Line, replace: true, from: from, to: from + len([]rune(tk.Value))})
		}
		e.add(insert{after: keyPos.Line, extraLines: blockItem(indent(keyPos.Column+1), comment, fields)})
		return nil
	default:
		return fmt.Errorf("line %d: %s: is a %s, not a list; add the entry by hand", keyPos.Line, key, mv.Value.Type())
	}
}

// newConfigFile is the ssokit.yaml written when there is none yet.
func newConfigFile(reg Registration, issuer string) []byte {
	if issuer == "" {
		issuer = config.DefaultIssuer
	}
	lines := []string{
		"# ssokit.yaml: the local single-sign-on stack that `ssokit up` runs.",
		"# Written by `ssokit new`, which adds each new app below and keeps your",
		"# comments and ordering. Reference: ssokit up --help.",
		"issuer: " + scalar(issuer),
		"",
		"# Test users: any password signs in when none is set.",
		"users:",
		"  - username: alice",
		"    claims: {name: Alice Doe, email: alice@example.com, email_verified: true}",
		"  - username: bob",
		"    claims: {name: Bob Smith, email: bob@example.com, email_verified: true}",
		"",
		"# OAuth clients: redirect URIs are matched exactly.",
		"clients:",
	}
	lines = append(lines, blockItem("  ", reg.Comment, clientFields(reg.Client))...)
	lines = append(lines, "", "# Routes of the dev proxy (http://localhost:9000 by default).", "apps:")
	lines = append(lines, blockItem("  ", reg.Comment, appFields(reg.App))...)
	return []byte(strings.Join(lines, "\n") + "\n")
}
