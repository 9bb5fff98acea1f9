// Package scaffold renders a micro-frontend template set from an fs.FS into a
// directory and registers the new app in ssokit.yaml.
//
// A template set is one directory per template. Files ending in ".tmpl" are
// rendered with text/template and lose the suffix; every other file is copied
// byte for byte (so JavaScript, Vue and HTML files may contain "{{" freely,
// and binary assets stay intact). Path segments may themselves be templates
// ("cmd/{{.Name}}/main.go.tmpl"), and a segment named "_gitignore" becomes
// ".gitignore" (npm and some tools drop dotfiles named .gitignore). The file
// ssokit-template.yaml describes the template and is never written out; its
// include: list takes files several templates share from _shared/ (which is
// not a template), rendering shared .tmpl files like the template's own.
//
// Every value a .tmpl file prints goes through the escaper of the output
// file's language ({{goString .Issuer}}, {{js .Name}}, {{html .Title}},
// {{env .Issuer}}, {{line .Name}} in comments and prose); a template that
// prints a bare value does not render (see escape.go), so a crafted value
// cannot add code to a generated app.
//
// Registration edits ssokit.yaml as text, guided by goccy/go-yaml's AST: new
// entries are spliced in after the last item of the clients: and apps:
// sequences, so every existing byte (comments, ordering, quoting, blank lines)
// stays as it was. A file that does not parse is never rewritten, and the
// result is parsed again before it is written.
package scaffold
