package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/goccy/go-yaml"

	"github.com/ssokit/ssokit/pkg/internal/suggest"
)

// MetaFile is the per-template description file; it is never rendered.
const MetaFile = "ssokit-template.yaml"

// SharedDir holds the files several templates include (it has no MetaFile,
// so it is not a template itself).
const SharedDir = "_shared"

// Kinds of template: how the app authenticates, which decides what gets
// registered in ssokit.yaml; or a tool, which is not an app at all.
const (
	// KindSPA is a browser app that is its own public OAuth client
	// (authorization code + PKCE, no secret).
	KindSPA = "spa"
	// KindBFF is a server-rendered app behind the proxy's auth gate: the proxy
	// is the (confidential) client and forwards the user and a bearer token.
	KindBFF = "bff"
	// KindSPABFF is a single-page app whose backend-for-frontend is the
	// proxy (auth: spa): the proxy is the confidential client, keeps the
	// tokens and calls the app's API with them; the app has no OAuth code.
	KindSPABFF = "spa-bff"
	// KindTool is not an app: files for the user's repository that work
	// with the apps (a Playwright fixture, say). Nothing is registered in
	// ssokit.yaml, it has no port, route or client, and DIR defaults to
	// the template's default_dir.
	KindTool = "tool"
)

// Module Federation roles (Template.Federation).
const (
	FederationHost   = "host"
	FederationRemote = "remote"
)

// Template describes one template set (from its ssokit-template.yaml).
type Template struct {
	Name        string `yaml:"-"`
	Description string `yaml:"description"`
	// Order sorts the list shown by `ssokit new --list` and the picker.
	Order int    `yaml:"order"`
	Kind  string `yaml:"kind"`
	// RedirectPaths are the redirect URIs relative to the app's base URL
	// ("callback", "silent-callback.html"); registered exactly, per origin.
	RedirectPaths []string `yaml:"redirect_paths"`
	// FrontchannelLogoutPath is relative to the app's base URL on the proxy.
	FrontchannelLogoutPath string `yaml:"frontchannel_logout_path"`
	// Command starts the dev server (`ssokit up` runs it in the app's dir).
	Command string `yaml:"command"`
	// Install installs dependencies (`ssokit new --install`); empty: nothing to install.
	Install string `yaml:"install"`
	// OriginIssuer: the template's SDK only works when the issuer is the
	// provider's origin plus "/" (auth0-spa-js derives the expected iss
	// from its domain).
	OriginIssuer bool `yaml:"origin_issuer"`
	// Include takes files from _shared/ (SharedDir) instead of keeping a
	// copy here: target path in this template → path in the template tree
	// (e.g. src/auth.ts: _shared/vanilla/auth.ts, so the shell signs in with
	// the very module `ssokit new vanilla` documents). A source ending in
	// ".tmpl" is rendered like the template's own.
	Include map[string]string `yaml:"include"`
	// Federation is the template's Module Federation role: "host" (owns the
	// auth client and reads remotes.json) or "remote" (registered in a
	// host's remotes.json by `ssokit new`); empty for other templates.
	Federation string `yaml:"federation"`
	// DefaultDir is where a tool (KindTool) is written when no DIR is
	// given, e.g. "e2e"; apps default to ./NAME instead.
	DefaultDir string `yaml:"default_dir"`
	// NextSteps are the commands `ssokit new` prints for a tool after
	// writing it (apps get cd, install, ssokit up and their URL).
	NextSteps []string `yaml:"next_steps"`
}

// IsApp reports whether the template is an app (registered in ssokit.yaml,
// served on a port behind the proxy) rather than a tool.
func (t Template) IsApp() bool { return t.Kind != KindTool }

// ErrUnknownTemplate is wrapped by Lookup when no template has the name.
var ErrUnknownTemplate = errors.New("unknown template")

// List returns every template in fsys (one directory each, with a
// ssokit-template.yaml), sorted by Order then name.
func List(fsys fs.FS) ([]Template, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read templates: %w", err)
	}
	var out []Template
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t, err := readMeta(fsys, e.Name())
		if errors.Is(err, fs.ErrNotExist) {
			continue // not a template directory
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Lookup returns the template called name; the error lists the available ones.
func Lookup(fsys fs.FS, name string) (Template, error) {
	all, err := List(fsys)
	if err != nil {
		return Template{}, err
	}
	names := make([]string, 0, len(all))
	for _, t := range all {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	if s := suggest.Closest(name, names); s != "" {
		return Template{}, fmt.Errorf("%w %q; did you mean %s? available: %s", ErrUnknownTemplate, name, s, strings.Join(names, ", "))
	}
	return Template{}, fmt.Errorf("%w %q; available: %s", ErrUnknownTemplate, name, strings.Join(names, ", "))
}

func readMeta(fsys fs.FS, name string) (Template, error) {
	b, err := fs.ReadFile(fsys, path.Join(name, MetaFile))
	if err != nil {
		return Template{}, err
	}
	var t Template
	if err := yaml.UnmarshalWithOptions(b, &t, yaml.Strict()); err != nil {
		return Template{}, fmt.Errorf("template %s: %s: %w", name, MetaFile, err)
	}
	t.Name = name
	switch t.Federation {
	case "", FederationHost, FederationRemote:
	default:
		return Template{}, fmt.Errorf("template %s: %s: federation %q is neither %q nor %q", name, MetaFile, t.Federation, FederationHost, FederationRemote)
	}
	switch t.Kind {
	case KindSPA, KindBFF, KindSPABFF:
		if t.DefaultDir != "" {
			return Template{}, fmt.Errorf("template %s: %s: default_dir is for kind %q only (an app is written to ./NAME)", name, MetaFile, KindTool)
		}
	case KindTool:
		if t.DefaultDir == "" || !fs.ValidPath(t.DefaultDir) || t.DefaultDir == "." {
			return Template{}, fmt.Errorf("template %s: %s: a %q template needs default_dir, a relative directory such as e2e", name, MetaFile, KindTool)
		}
		if len(t.RedirectPaths) > 0 || t.FrontchannelLogoutPath != "" || t.Command != "" || t.OriginIssuer {
			return Template{}, fmt.Errorf("template %s: %s: a %q template registers nothing: drop redirect_paths, frontchannel_logout_path, command and origin_issuer", name, MetaFile, KindTool)
		}
	default:
		return Template{}, fmt.Errorf("template %s: %s: kind %q is not %q, %q, %q or %q", name, MetaFile, t.Kind, KindSPA, KindBFF, KindSPABFF, KindTool)
	}
	return t, nil
}

// Data is what templates see. Every URL is absolute; Base and AppURL end in "/".
type Data struct {
	Template string // template name, e.g. "vanilla"
	Name     string // app name, e.g. "account"
	Title    string // human title, e.g. "Account"
	Path     string // proxy route, e.g. "/account"
	Base     string // Vite base / URL prefix, e.g. "/account/"
	Port     int    // dev server port, e.g. 5102
	ClientID string
	Issuer   string // e.g. "http://localhost:9400/"
	// IssuerOrigin is the issuer's scheme://host:port (auth0-spa-js's domain,
	// and the origin web_message responses must come from).
	IssuerOrigin string
	ProxyURL     string // e.g. "http://localhost:9000"
	AppURL       string // ProxyURL + Base
	DevURL       string // http://localhost:Port + Base
	// Apps are the other apps registered in ssokit.yaml (the shell links to them).
	Apps []AppLink
}

// AppLink is another app under the same proxy.
type AppLink struct {
	Name string
	Path string
	// URL is the app's page under the proxy (ProxyURL + Path + "/"); set by
	// Params.Data.
	URL string
}

// File is one rendered file, relative to the target directory (slash-separated).
type File struct {
	Path string
	Data []byte
	Mode fs.FileMode
	// Rendered is true for files produced by text/template (false: copied as-is).
	Rendered bool
}

// Render renders template name from fsys with data, in lexical path order.
func Render(fsys fs.FS, name string, data Data) ([]File, error) {
	root := name
	if _, err := fs.Stat(fsys, root); err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrUnknownTemplate, name, err)
	}
	var files []File
	seen := map[string]string{}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel := strings.TrimPrefix(p, root+"/")
		if rel == MetaFile {
			return nil
		}
		out, err := renderPath(rel, data)
		if err != nil {
			return fmt.Errorf("template %s: file name %s: %w", name, rel, err)
		}
		if prev, dup := seen[out]; dup {
			return fmt.Errorf("template %s: %s and %s both render to %s", name, prev, rel, out)
		}
		seen[out] = rel
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := File{Path: out, Data: raw, Mode: fileMode(info.Mode())}
		if strings.HasSuffix(rel, ".tmpl") {
			if !utf8.Valid(raw) {
				return fmt.Errorf("template %s: %s is not UTF-8 text; drop the .tmpl suffix to copy it as-is", name, rel)
			}
			f.Data, err = execute(rel, out, string(raw), data)
			if err != nil {
				return fmt.Errorf("template %s: %w", name, err)
			}
			f.Rendered = true
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	meta, err := readMeta(fsys, name)
	if err != nil {
		return nil, err
	}
	for dst, src := range meta.Include {
		if !fs.ValidPath(dst) || dst == "." || strings.HasSuffix(dst, ".tmpl") || path.Base(dst) == MetaFile {
			return nil, fmt.Errorf("template %s: include %s: the target must be a relative file path without \".tmpl\" (e.g. public/frontchannel-logout.html)", name, dst)
		}
		if prev, dup := seen[dst]; dup {
			return nil, fmt.Errorf("template %s: include %s would overwrite %s", name, dst, prev)
		}
		raw, err := fs.ReadFile(fsys, src)
		if err != nil {
			return nil, fmt.Errorf("template %s: include %s: %w", name, dst, err)
		}
		f := File{Path: dst, Data: raw, Mode: 0o644}
		if strings.HasSuffix(src, ".tmpl") {
			// rendered, and escaped for the target's language, like the
			// template's own .tmpl files
			if f.Data, err = execute(src, dst, string(raw), data); err != nil {
				return nil, fmt.Errorf("template %s: include %s: %w", name, dst, err)
			}
			f.Rendered = true
		}
		seen[dst] = src
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// fileMode keeps the executable bit (embed.FS reports 0444; a real directory may say 0755).
func fileMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// renderPath renders templated segments, strips ".tmpl" and maps _gitignore.
func renderPath(rel string, data Data) (string, error) {
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		if strings.Contains(s, "{{") {
			b, err := execute(rel, "", s, data)
			if err != nil {
				return "", err
			}
			s = string(b)
		}
		if i == len(segs)-1 {
			s = strings.TrimSuffix(s, ".tmpl")
			if s == "_gitignore" {
				s = ".gitignore"
			}
		}
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
			return "", fmt.Errorf("segment renders to %q, which is not a file name", s)
		}
		segs[i] = s
	}
	return strings.Join(segs, "/"), nil
}

// execute renders text. When out (the output file's path) is set, every
// value the template prints must go through the escaper of out's language
// (see escapers); path segments (out == "") are checked by renderPath.
func execute(name, out, text string, data Data) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(escapers).Parse(text)
	if err != nil {
		return nil, err
	}
	if out != "" {
		if err := checkEscaped(t, out); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
