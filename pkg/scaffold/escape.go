package scaffold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"path"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
)

// Every value a template writes goes through an escaper proper to the
// language of the file it lands in, so no value (an issuer from a crafted
// ssokit.yaml, say) can close a string and add code:
//
//	goString  a Go string literal (strconv.Quote), quotes included
//	js        a JavaScript/TypeScript/JSON string literal (JSON, with <, >, &,
//	          U+2028 and U+2029 escaped, so it is safe inside <script> too)
//	html      HTML text or a quoted attribute value (html.EscapeString)
//	yaml      a double-quoted YAML scalar
//	env       a double-quoted .env value; refuses what no .env dialect
//	          (dotenv, dotenv-expand, the bff's loader) reads back unchanged
//	line      a value inside a comment or prose (Markdown, .gitignore): any
//	          line break or control character is refused, so it cannot end
//	          the comment
//
// checkEscaped enforces it: a .tmpl file whose actions print a value
// without the escapers its file type allows does not render.
var escapers = template.FuncMap{
	"goString": func(v any) string { return strconv.Quote(fmt.Sprint(v)) },
	"js":       jsString,
	"html":     htmlText,
	"yaml":     yamlString,
	"env":      envValue,
	"line":     lineValue,
}

// allowedEscapers lists, per output file type, the escapers whose result may
// be printed there.
func allowedEscapers(out string) []string {
	base := path.Base(out)
	switch {
	case base == "go.mod":
		return []string{"goString"}
	case base == ".env" || strings.HasPrefix(base, ".env."):
		return []string{"env", "line"}
	}
	switch path.Ext(base) {
	case ".go":
		return []string{"goString", "line"}
	case ".ts", ".tsx", ".js", ".mjs", ".cjs", ".json", ".vue":
		return []string{"js", "line"}
	case ".html", ".htm":
		return []string{"html", "js"}
	case ".yaml", ".yml":
		return []string{"yaml", "line"}
	}
	return []string{"line"}
}

func jsString(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(true) // <, > and & as \u003c…: no </script> or <!-- inside a script
	if err := enc.Encode(fmt.Sprint(v)); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// htmlText escapes for HTML text and quoted attributes; line breaks become
// character references so the markup's lines stay as the template wrote them.
func htmlText(v any) string {
	return strings.NewReplacer("\n", "&#10;", "\r", "&#13;").Replace(html.EscapeString(fmt.Sprint(v)))
}

func yamlString(v any) string {
	// A JSON string is a valid double-quoted YAML scalar (YAML 1.2 is a
	// superset of JSON) with the same value.
	s, _ := jsString(v)
	return s
}

func envValue(v any) (string, error) {
	s := fmt.Sprint(v)
	if i := strings.IndexAny(s, "\"\\$`\r\n\x00"); i >= 0 {
		return "", fmt.Errorf("%q cannot be written to a .env file: it contains %q (quotes, backslashes, $, backticks and line breaks are read differently by dotenv, dotenv-expand and other loaders)", s, s[i])
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return "", fmt.Errorf("%q cannot be written to a .env file: it contains the control character %q", s, r)
		}
	}
	return `"` + s + `"`, nil
}

func lineValue(v any) (string, error) {
	s := fmt.Sprint(v)
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return "", fmt.Errorf("%q contains the line break or control character %q", s, r)
		}
	}
	return s, nil
}

// checkEscaped refuses a template whose actions print a value without one of
// the escapers allowed for the output file out. Actions inside {{if}},
// {{range}} and {{with}} bodies are checked too; their conditions print
// nothing.
func checkEscaped(t *template.Template, out string) error {
	allowed := allowedEscapers(out)
	var check func(parse.Node) error
	check = func(n parse.Node) error {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := check(c); err != nil {
					return err
				}
			}
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 {
				return nil // {{$x := …}} prints nothing
			}
			cmds := n.Pipe.Cmds
			last := cmds[len(cmds)-1]
			if id, ok := last.Args[0].(*parse.IdentifierNode); ok {
				for _, a := range allowed {
					if id.Ident == a {
						return nil
					}
				}
			}
			return fmt.Errorf("line %d: %s prints a value without escaping it for %s; pipe it through %s", n.Line, n, path.Base(out), strings.Join(allowed, " or "))
		case *parse.IfNode:
			return checkBranch(check, &n.BranchNode)
		case *parse.RangeNode:
			return checkBranch(check, &n.BranchNode)
		case *parse.WithNode:
			return checkBranch(check, &n.BranchNode)
		case *parse.TemplateNode:
			return fmt.Errorf("line %d: {{template}} is not supported in scaffold templates", n.Line)
		}
		return nil
	}
	return check(t.Tree.Root)
}

func checkBranch(check func(parse.Node) error, b *parse.BranchNode) error {
	if err := check(b.List); err != nil {
		return err
	}
	if b.ElseList != nil {
		return check(b.ElseList)
	}
	return nil
}
