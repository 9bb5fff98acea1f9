package scaffold

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io/fs"
	"path"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// hostile is what a crafted ssokit.yaml or flag could try to smuggle into
// generated code: every quote, a template literal, a script end tag, an
// HTML comment, a Go/JS comment end, a backslash and a format verb.
const hostile = `x"'` + "`" + `${alert(1)}</script><b>ok</b><!-- */ \ %s $HOME`

// hostileData sets every string template value to v (Params.Data would
// refuse most of them; Render must be safe even so).
func hostileData(tmpl, v string) Data {
	return Data{
		Template: tmpl, Name: v, Title: v, Path: v, Base: v, Port: 5102, ClientID: v,
		Issuer: v, IssuerOrigin: v, ProxyURL: v, AppURL: v, DevURL: v,
		Apps: []AppLink{{Name: v, Path: v, URL: v}, {Name: v, Path: v, URL: v}},
	}
}

// outputName is the file a .tmpl file of the real tree becomes: its own
// path without .tmpl, or for a shared file the target a template includes
// it as.
func outputName(t *testing.T, rel string) string {
	t.Helper()
	if shared, ok := strings.CutPrefix(rel, SharedDir+"/"); ok {
		tmpls, err := List(templatesFS())
		if err != nil {
			t.Fatal(err)
		}
		for _, tm := range tmpls {
			for dst, src := range tm.Include {
				if src == rel {
					return dst
				}
			}
		}
		t.Fatalf("no template includes %s", shared)
	}
	_, within, _ := strings.Cut(rel, "/")
	out, err := renderPath(within, Data{Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// renderFile renders one .tmpl file of the real tree as Render does.
func renderFile(t *testing.T, rel string, d Data) ([]byte, error) {
	t.Helper()
	raw, err := fs.ReadFile(templatesFS(), rel)
	if err != nil {
		t.Fatal(err)
	}
	return execute(rel, outputName(t, rel), string(raw), d)
}

// Every template file rendered with hostile values keeps its structure: the
// value lands inside one string literal (or text node) and reads back
// unchanged; a file type that cannot hold the value safely refuses it.
func TestTemplatesEscapeHostileValues(t *testing.T) {
	var tmplFiles []string
	err := fs.WalkDir(templatesFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tmpl") {
			tmplFiles = append(tmplFiles, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tmplFiles) < 25 {
		t.Fatalf("found %d template files; is the tree at ../../templates/files?", len(tmplFiles))
	}
	const plain = "plainvalue"
	for _, rel := range tmplFiles {
		tmpl, _, _ := strings.Cut(rel, "/")
		out := path.Base(outputName(t, rel))
		for _, v := range []string{hostile, hostile + "\n\r\u2028x"} {
			t.Run(rel, func(t *testing.T) {
				benign, err := renderFile(t, rel, hostileData(tmpl, plain))
				if err != nil {
					t.Fatalf("benign render: %v", err)
				}
				got, err := renderFile(t, rel, hostileData(tmpl, v))
				mayRefuse := out == ".env" || out == ".gitignore" || strings.HasSuffix(out, ".md")
				if err != nil {
					if !mayRefuse && !strings.ContainsAny(v, "\n") {
						t.Fatalf("%s refused a value it should escape: %v", out, err)
					}
					if !mayRefuse {
						// only comments (line) may refuse line breaks in code
						if !strings.Contains(err.Error(), "line break") {
							t.Fatalf("unexpected error: %v", err)
						}
					}
					return
				}
				if strings.Count(string(got), "\n") != strings.Count(string(benign), "\n") {
					t.Errorf("a line break got through:\n%s", got)
				}
				switch {
				case strings.HasSuffix(out, ".go"):
					checkGo(t, benign, got, v)
				case out == "go.mod":
					mod, _ := strings.CutPrefix(strings.SplitN(string(got), "\n", 2)[0], "module ")
					if s, err := strconv.Unquote(mod); err != nil || s != v {
						t.Errorf("go.mod module %s does not read back: %q %v", mod, s, err)
					}
				case strings.HasSuffix(out, ".json"):
					checkJSON(t, benign, got, v)
				case strings.HasSuffix(out, ".ts"):
					checkJS(t, benign, got, v)
				case strings.HasSuffix(out, ".html"):
					checkHTML(t, benign, got, v)
				case out == ".env":
					checkEnv(t, got, v)
				}
			})
		}
	}
}

func checkGo(t *testing.T, benign, got []byte, v string) {
	t.Helper()
	fset := token.NewFileSet()
	want, err := parser.ParseFile(fset, "benign.go", benign, 0)
	if err != nil {
		t.Fatalf("benign render does not parse: %v", err)
	}
	f, err := parser.ParseFile(fset, "hostile.go", got, 0)
	if err != nil {
		t.Fatalf("hostile render does not parse: %v\n%s", err, got)
	}
	if a, b := goShape(want), goShape(f); !reflect.DeepEqual(a, b) {
		t.Errorf("the hostile value changed the program's structure:\n%s", got)
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, err := strconv.Unquote(lit.Value)
			if err == nil && strings.Contains(s, v) {
				found = true
			}
		}
		return true
	})
	if !found {
		t.Errorf("no string literal holds the value unchanged:\n%s", got)
	}
}

// goShape is the sequence of node types and identifiers: literals may
// differ, nothing else.
func goShape(f *ast.File) []string {
	var s []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case nil:
			s = append(s, ")")
		case *ast.Ident:
			s = append(s, "id:"+n.Name)
		default:
			s = append(s, reflect.TypeOf(n).String())
		}
		return true
	})
	return s
}

func checkJSON(t *testing.T, benign, got []byte, v string) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(benign, &a); err != nil {
		t.Fatalf("benign render is not JSON: %v", err)
	}
	if err := json.Unmarshal(got, &b); err != nil {
		t.Fatalf("hostile render is not JSON: %v\n%s", err, got)
	}
	sa := strings.ReplaceAll(string(mustJSON(a)), `"plainvalue"`, `"V"`)
	sb := strings.ReplaceAll(string(mustJSON(b)), string(mustJSON(v)), `"V"`)
	if sa != sb {
		t.Errorf("the hostile value changed the JSON document:\n%s", got)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// jsSkeleton blanks the contents of string literals and comments of a
// JavaScript/TypeScript source, returning what is left and the literals'
// raw text. Injected code shows up as a different skeleton.
func jsSkeleton(src string) (string, []string) {
	var b strings.Builder
	var lits []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			lits = append(lits, src[i:min(j+1, len(src))])
			b.WriteString(string(c) + string(c))
			i = j + 1
		case strings.HasPrefix(src[i:], "//"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			b.WriteString("//")
			i += j
		case strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return b.String() + "/*UNTERMINATED", lits
			}
			b.WriteString("/**/")
			i += j + 4
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), lits
}

func checkJS(t *testing.T, benign, got []byte, v string) {
	t.Helper()
	a, _ := jsSkeleton(string(benign))
	b, lits := jsSkeleton(string(got))
	if a != b {
		t.Errorf("the hostile value changed the code outside string literals:\n%s", got)
	}
	for _, l := range lits {
		if strings.HasPrefix(l, `"`) && strings.Contains(l, "alert") {
			var s string
			if err := json.Unmarshal([]byte(l), &s); err != nil || !strings.HasSuffix(s, v) {
				t.Errorf("literal %s does not read back as the value: %q %v", l, s, err)
			}
		}
	}
}

func checkHTML(t *testing.T, benign, got []byte, v string) {
	t.Helper()
	for _, tag := range []string{"<", ">", "</script", "<!--", "<b>"} {
		if strings.Count(string(got), tag) != strings.Count(string(benign), tag) {
			t.Errorf("the hostile value added markup %q:\n%s", tag, got)
		}
	}
	// Script bodies: the value is inside one string literal.
	gs, bs := scripts(string(got)), scripts(string(benign))
	if len(gs) != len(bs) {
		t.Fatalf("%d scripts, want %d", len(gs), len(bs))
	}
	for i := range gs {
		checkJS(t, []byte(bs[i]), []byte(gs[i]), v)
	}
	if len(gs) == 0 && !strings.Contains(html.UnescapeString(string(got)), v) {
		t.Errorf("the value does not read back from the page:\n%s", got)
	}
}

func scripts(page string) []string {
	var out []string
	for {
		_, rest, ok := strings.Cut(page, "<script>")
		if !ok {
			return out
		}
		body, after, _ := strings.Cut(rest, "</script>")
		out = append(out, body)
		page = after
	}
}

func checkEnv(t *testing.T, got []byte, v string) {
	t.Helper()
	for _, line := range strings.Split(string(got), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		_, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf(".env line %q is not KEY=VALUE", line)
			continue
		}
		if val == "" {
			continue
		}
		inner, ok := strings.CutPrefix(val, `"`)
		inner, ok2 := strings.CutSuffix(inner, `"`)
		if !ok || !ok2 || strings.ContainsAny(inner, "\"$\\`") {
			t.Errorf(".env value %s is not a plain double-quoted value", val)
		}
	}
}

// An included .tmpl is rendered and escaped for its target like a
// template's own files; a target outside the app is refused.
func TestIncludeRendersAndEscapes(t *testing.T) {
	meta := func(include string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("description: t\nkind: spa\ninclude:\n  " + include + "\n")}
	}
	shared := &fstest.MapFile{Data: []byte("package x\n\nconst Issuer = {{goString .Issuer}}\n")}
	d := hostileData("t", hostile)
	files, err := Render(fstest.MapFS{"t/" + MetaFile: meta("x.go: _shared/x.go.tmpl"), "_shared/x.go.tmpl": shared}, "t", d)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Path != "x.go" || !files[0].Rendered {
		t.Fatalf("files: %+v", files)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "x.go", files[0].Data, 0); err != nil || !strings.Contains(string(files[0].Data), strconv.Quote(hostile)) {
		t.Errorf("included x.go: %v\n%s", err, files[0].Data)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"bare value":      {"t/" + MetaFile: meta("x.go: _shared/x.go.tmpl"), "_shared/x.go.tmpl": {Data: []byte(`const s = "{{.Issuer}}"`)}},
		"target escapes":  {"t/" + MetaFile: meta("../x.go: _shared/x.go.tmpl"), "_shared/x.go.tmpl": shared},
		"target is .tmpl": {"t/" + MetaFile: meta("x.go.tmpl: _shared/x.go.tmpl"), "_shared/x.go.tmpl": shared},
	} {
		if _, err := Render(fsys, "t", d); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
