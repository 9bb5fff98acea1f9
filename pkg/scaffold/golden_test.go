package scaffold

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/ssokit/ssokit/pkg/internal/golden"
)

// templatesFS is the real template tree. Only pkg/cmd/factory imports the
// templates package; the tests read the same files from disk.
func templatesFS() fs.FS { return os.DirFS(filepath.Join("..", "..", "templates", "files")) }

// goldenParams are the choices every golden rendering uses.
func goldenParams(template string) Params {
	if tm, err := Lookup(templatesFS(), template); err == nil && !tm.IsApp() {
		return Params{
			Template: template, Name: "e2e", Tool: true,
			Apps: []AppLink{{Name: "shell", Path: "/shell"}, {Name: "account", Path: "/account"}, {Name: "orders", Path: "/orders"}},
		}
	}
	return Params{
		Template: template, Name: "account", Port: 5102,
		Apps: []AppLink{{Name: "shell", Path: "/shell"}, {Name: "account", Path: "/account"}, {Name: "orders", Path: "/orders"}},
	}
}

// txtar renders files as a txtar archive. Binary files and files over 16 KiB
// (lockfiles) are recorded by size and SHA-256, to keep the archive readable.
func txtar(comment string, files []File) []byte {
	var b bytes.Buffer
	b.WriteString(comment + "\n")
	for _, f := range files {
		fmt.Fprintf(&b, "-- %s --\n", f.Path)
		data := f.Data
		if !utf8.Valid(data) || len(data) > 16<<10 || bytes.Contains(data, []byte("\n-- ")) {
			fmt.Fprintf(&b, "sha256:%x %d bytes mode %v\n", sha256.Sum256(data), len(data), f.Mode)
			continue
		}
		if f.Mode != 0o644 {
			fmt.Fprintf(&b, "(mode %v)\n", f.Mode)
		}
		b.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			b.WriteString("\n(no final newline)\n")
		}
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	tmpls, err := List(templatesFS())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tm := range tmpls {
		names = append(names, tm.Name)
	}
	if got, want := strings.Join(names, " "), "vanilla react vue auth0 shell bff spa-bff mf-host mf-remote playwright"; got != want {
		t.Fatalf("templates = %s, want %s", got, want)
	}
	for _, tm := range tmpls {
		t.Run(tm.Name, func(t *testing.T) {
			data, err := goldenParams(tm.Name).Data()
			if err != nil {
				t.Fatal(err)
			}
			files, err := Render(templatesFS(), tm.Name, data)
			if err != nil {
				t.Fatal(err)
			}
			assertTemplateRules(t, tm, files)
			cmdline := fmt.Sprintf("ssokit new %s account --port 5102", tm.Name)
			if !tm.IsApp() {
				cmdline = fmt.Sprintf("ssokit new %s e2e", tm.Name)
			}
			got := txtar(fmt.Sprintf("%s (%s)", cmdline, tm.Description), files)
			path := filepath.Join("testdata", "golden", tm.Name+".txtar")
			golden.Equal(t, path, got)
		})
	}
}

// assertTemplateRules checks what every generated app promises.
func assertTemplateRules(t *testing.T, tm Template, files []File) {
	t.Helper()
	byPath := map[string]File{}
	for _, f := range files {
		byPath[f.Path] = f
		if strings.HasSuffix(f.Path, ".tmpl") || f.Path == MetaFile || f.Path == "_gitignore" {
			t.Errorf("%s: %s should not be in the output", tm.Name, f.Path)
		}
		if f.Rendered && bytes.Contains(f.Data, []byte("<no value>")) {
			t.Errorf("%s: %s has an unset template value", tm.Name, f.Path)
		}
	}
	if !tm.IsApp() {
		assertToolRules(t, tm, byPath)
		return
	}
	for _, need := range []string{"README.md", ".env", ".gitignore"} {
		if _, ok := byPath[need]; !ok {
			t.Errorf("%s: no %s", tm.Name, need)
		}
	}
	env := string(byPath[".env"].Data)
	var all strings.Builder
	for _, f := range files {
		all.Write(f.Data)
	}
	if tm.Kind == KindSPABFF {
		// The proxy is the client: the app knows its base path, calls its
		// API with the CSRF header, and never handles a token.
		if !strings.Contains(env, `VITE_SSOKIT_BASE="/account/"`) {
			t.Errorf("%s: .env lacks the base path:\n%s", tm.Name, env)
		}
		if !strings.Contains(all.String(), "'X-CSRF'") {
			t.Errorf("%s: the API calls carry no X-CSRF header", tm.Name)
		}
		for _, f := range files {
			if strings.HasPrefix(f.Path, "src/") && (bytes.Contains(f.Data, []byte("Bearer ")) || bytes.Contains(f.Data, []byte("access_token"))) {
				t.Errorf("%s: %s handles a token; the proxy must hold them", tm.Name, f.Path)
			}
		}
	} else {
		if !strings.Contains(env, "account") || !strings.Contains(env, "http://localhost:9400") {
			t.Errorf("%s: .env lacks the client id or issuer:\n%s", tm.Name, env)
		}
		// A protected-API example that sends the access token. (A Module
		// Federation host calls no API itself: its remotes do, with its token.)
		if !strings.Contains(all.String(), "Bearer ") && tm.Federation != FederationHost {
			t.Errorf("%s: no protected API call with a bearer token", tm.Name)
		}
	}
	for _, id := range []string{`id="status"`, `id="user"`, `"logout"`, `"login"`} {
		if !strings.Contains(all.String(), id) {
			t.Errorf("%s: the page has no %s element", tm.Name, id)
		}
	}
	if strings.Contains(all.String(), `postMessage(`) && strings.Contains(all.String(), `, '*')`) {
		t.Errorf("%s: postMessage with targetOrigin *", tm.Name)
	}
	if tm.Kind == KindSPA || tm.Kind == KindSPABFF {
		pkg := string(byPath["package.json"].Data)
		if strings.ContainsAny(pkg, "^~") || strings.Contains(pkg, `"latest"`) {
			t.Errorf("%s: package.json has unpinned versions:\n%s", tm.Name, pkg)
		}
		if _, ok := byPath["package-lock.json"]; !ok {
			t.Errorf("%s: no package-lock.json", tm.Name)
		}
		for _, p := range tm.RedirectPaths {
			if strings.HasSuffix(p, ".html") {
				if _, ok := byPath[p]; !ok {
					t.Errorf("%s: redirect path %s has no page", tm.Name, p)
				}
			}
		}
		if tm.FrontchannelLogoutPath != "" {
			if _, ok := byPath["public/"+tm.FrontchannelLogoutPath]; !ok {
				t.Errorf("%s: no public/%s", tm.Name, tm.FrontchannelLogoutPath)
			}
		}
	}
}

// Files several templates use live once, in _shared/, and are included:
// no template keeps a byte-identical copy of another's file, and no template
// reaches into another template's directory. The shell signs in with the
// very module `ssokit new vanilla` documents.
func TestSharedFilesAreNotCopied(t *testing.T) {
	fsys := templatesFS()
	tmpls, err := List(fsys)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[32]byte]string{}
	for _, tm := range tmpls {
		err := fs.WalkDir(fsys, tm.Name, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Base(p) == MetaFile || strings.HasSuffix(p, "README.md.tmpl") {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			if prev, dup := seen[sum]; dup {
				t.Errorf("%s is a copy of %s: move it to %s/ and include it from both", p, prev, SharedDir)
			}
			seen[sum] = p
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for dst, src := range tm.Include {
			if !strings.HasPrefix(src, SharedDir+"/") {
				t.Errorf("%s includes %s from %s, outside %s/", tm.Name, dst, src, SharedDir)
			}
		}
	}
	want, err := fs.ReadFile(fsys, SharedDir+"/plain-ts/auth.ts")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vanilla", "shell"} {
		data, err := goldenParams(name).Data()
		if err != nil {
			t.Fatal(err)
		}
		files, err := Render(fsys, name, data)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(files, func(f File) bool { return f.Path == "src/auth.ts" })
		if i < 0 || !bytes.Equal(files[i].Data, want) {
			t.Errorf("%s's src/auth.ts is not %s/plain-ts/auth.ts", name, SharedDir)
		}
	}
	if _, err := Lookup(fsys, SharedDir); err == nil {
		t.Errorf("%s is listed as a template", SharedDir)
	}
}

func TestRenderRules(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0xff, '{', '{'}
	fsys := fstest.MapFS{
		"t/" + MetaFile:                {Data: []byte("description: test\nkind: spa\n")},
		"t/_gitignore":                 {Data: []byte("node_modules/\n")},
		"t/README.md.tmpl":             {Data: []byte("# {{line .Title}} at {{line .AppURL}}\n")},
		"t/src/App.vue":                {Data: []byte("<p>{{ user.name }}</p>\n")},
		"t/cmd/{{.Name}}/main.go.tmpl": {Data: []byte("package main // {{line .Name}}\n")},
		"t/logo.png":                   {Data: png},
		"t/run.sh":                     {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
	}
	data, err := Params{Template: "t", Name: "order-history", Port: 5103}.Data()
	if err != nil {
		t.Fatal(err)
	}
	files, err := Render(fsys, "t", data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]File{}
	for _, f := range files {
		got[f.Path] = f
	}
	want := map[string]string{
		".gitignore":                "node_modules/\n",
		"README.md":                 "# Order history at http://localhost:9000/order-history/\n",
		"src/App.vue":               "<p>{{ user.name }}</p>\n", // not a .tmpl: copied as-is
		"cmd/order-history/main.go": "package main // order-history\n",
		"logo.png":                  string(png),
		"run.sh":                    "#!/bin/sh\n",
	}
	if len(got) != len(want) {
		t.Errorf("rendered %d files, want %d: %v", len(got), len(want), files)
	}
	for p, w := range want {
		if string(got[p].Data) != w {
			t.Errorf("%s = %q, want %q", p, got[p].Data, w)
		}
	}
	if got["run.sh"].Mode != 0o755 || got["README.md"].Mode != 0o644 {
		t.Errorf("modes: run.sh %v, README.md %v", got["run.sh"].Mode, got["README.md"].Mode)
	}
	if got["logo.png"].Rendered || !got["README.md"].Rendered {
		t.Error("only .tmpl files are rendered")
	}

	for name, bad := range map[string]fstest.MapFS{
		"missing key":   {"t/x.tmpl": {Data: []byte("{{.Nope}}")}},
		"bad syntax":    {"t/x.tmpl": {Data: []byte("{{.Name")}},
		"binary .tmpl":  {"t/x.tmpl": {Data: []byte{0xff, 0xfe}}},
		"escaping name": {"t/{{\"..\"}}/x": {Data: []byte("x")}},
		"two to one":    {"t/a.tmpl": {Data: []byte("1")}, "t/a": {Data: []byte("2")}},
		"unescaped":     {"t/x.go.tmpl": {Data: []byte(`var s = "{{.Name}}"`)}},
		"wrong escaper": {"t/x.ts.tmpl": {Data: []byte(`const s = {{goString .Name}}`)}},
	} {
		if _, err := Render(bad, "t", data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Render(fsys, "nope", data); err == nil {
		t.Error("unknown template: no error")
	}
}

// A typo gets a suggestion; something unrelated only the list.
func TestLookupSuggestsOnTypos(t *testing.T) {
	for typo, want := range map[string]string{"reakt": "react", "raect": "react", "Vue": "vue", "vanila": "vanilla", "auth": "auth0", "bf": "bff", "shel": "shell"} {
		_, err := Lookup(templatesFS(), typo)
		if err == nil || !strings.Contains(err.Error(), "did you mean "+want+"? available: vanilla, react") {
			t.Errorf("%s: err = %v, want a suggestion of %s", typo, err, want)
		}
	}
	if _, err := Lookup(templatesFS(), "angular"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("angular: err = %v, want no suggestion", err)
	}
}

func TestLookupListsAvailable(t *testing.T) {
	_, err := Lookup(templatesFS(), "angular")
	if err == nil || !strings.Contains(err.Error(), `unknown template "angular"; available: vanilla, react, vue, auth0, shell, bff`) {
		t.Errorf("err = %v", err)
	}
}

func TestParamsValidation(t *testing.T) {
	ok := Params{Name: "account", Port: 5102}
	for name, p := range map[string]Params{
		"upper case":     {Name: "Account", Port: 5102},
		"trailing dash":  {Name: "account-", Port: 5102},
		"double dash":    {Name: "a--b", Port: 5102},
		"leading digit":  {Name: "1app", Port: 5102},
		"path no slash":  {Name: "a", Path: "account", Port: 5102},
		"path trailing":  {Name: "a", Path: "/account/", Port: 5102},
		"path reserved":  {Name: "a", Path: "/_ssokit", Port: 5102},
		"path traversal": {Name: "a", Path: "/a/../b", Port: 5102},
		"low port":       {Name: "a", Port: 80},
		"bad issuer":     {Name: "a", Port: 5102, Issuer: "localhost:9400"},
		"bad client id":  {Name: "a", Port: 5102, ClientID: "a b"},
	} {
		if _, err := p.Data(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	d, err := ok.Data()
	if err != nil {
		t.Fatal(err)
	}
	if d.Base != "/account/" || d.AppURL != "http://localhost:9000/account/" || d.DevURL != "http://localhost:5102/account/" ||
		d.IssuerOrigin != "http://localhost:9400" || d.ClientID != "account" || d.Title != "Account" {
		t.Errorf("derived data: %+v", d)
	}
}

// assertToolRules checks a tool template (kind tool): documented, pinned,
// no app wiring.
func assertToolRules(t *testing.T, tm Template, byPath map[string]File) {
	t.Helper()
	for _, need := range []string{"README.md", ".gitignore", "package.json", "package-lock.json"} {
		if _, ok := byPath[need]; !ok {
			t.Errorf("%s: no %s", tm.Name, need)
		}
	}
	if _, ok := byPath[".env"]; ok {
		t.Errorf("%s: a tool has no .env (it is not an app)", tm.Name)
	}
	pkg := string(byPath["package.json"].Data)
	if strings.ContainsAny(pkg, "^~") || strings.Contains(pkg, `"latest"`) {
		t.Errorf("%s: package.json has unpinned versions:\n%s", tm.Name, pkg)
	}
	if tm.DefaultDir == "" || len(tm.NextSteps) == 0 {
		t.Errorf("%s: a tool needs default_dir and next_steps", tm.Name)
	}
}

// The Playwright template pins exactly the @playwright/test that CI installs
// for pkg/provider's TestPlaywrightFixture (testdata/npm/playwright), so
// the fixture is proven with the version users get.
func TestPlaywrightTemplatePinsTheTestedVersion(t *testing.T) {
	data, err := goldenParams("playwright").Data()
	if err != nil {
		t.Fatal(err)
	}
	files, err := Render(templatesFS(), "playwright", data)
	if err != nil {
		t.Fatal(err)
	}
	type lock struct {
		Packages map[string]json.RawMessage `json:"packages"`
	}
	var got, want lock
	for _, f := range files {
		if f.Path == "package-lock.json" {
			if err := json.Unmarshal(f.Data, &got); err != nil {
				t.Fatalf("the rendered package-lock.json: %v", err)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "npm", "playwright", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	delete(got.Packages, "")
	delete(want.Packages, "")
	if len(got.Packages) == 0 || len(got.Packages) != len(want.Packages) {
		t.Fatalf("the template locks %d packages, testdata/npm/playwright %d", len(got.Packages), len(want.Packages))
	}
	for name, w := range want.Packages {
		var a, b any
		_ = json.Unmarshal(got.Packages[name], &a)
		_ = json.Unmarshal(w, &b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: the template locks %s, testdata/npm/playwright %s", name, got.Packages[name], w)
		}
	}
}

// A tool template declares where it goes and nothing an app registers; an
// app has no default_dir. Params for a tool take no route, port or client.
func TestToolTemplateMeta(t *testing.T) {
	for meta, want := range map[string]string{
		"kind: tool\n":                                         "needs default_dir",
		"kind: tool\ndefault_dir: ../up\n":                     "needs default_dir",
		"kind: tool\ndefault_dir: e2e\ncommand: npm run dev\n": "registers nothing",
		"kind: tool\ndefault_dir: e2e\nredirect_paths: [cb]\n": "registers nothing",
		"kind: spa\ndefault_dir: e2e\n":                        "default_dir is for kind \"tool\" only",
		"kind: tools\n":                                        `kind "tools" is not "spa", "bff", "spa-bff" or "tool"`,
	} {
		_, err := List(fstest.MapFS{"t/" + MetaFile: {Data: []byte(meta)}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", meta, err, want)
		}
	}
	tm, err := Lookup(fstest.MapFS{"t/" + MetaFile: {Data: []byte("kind: tool\ndefault_dir: tests/e2e\n")}}, "t")
	if err != nil || tm.IsApp() || tm.DefaultDir != "tests/e2e" {
		t.Fatalf("%+v %v", tm, err)
	}
	for _, p := range []Params{{Name: "e2e", Tool: true, Port: 5102}, {Name: "e2e", Tool: true, Path: "/e2e"}, {Name: "e2e", Tool: true, ClientID: "x"}} {
		if _, err := p.Data(); err == nil || !strings.Contains(err.Error(), "is a tool, not an app") {
			t.Errorf("%+v: err = %v", p, err)
		}
	}
	d, err := Params{Name: "e2e", Tool: true, ProxyURL: "http://localhost:9011/", Apps: []AppLink{{Name: "root", Path: "/"}, {Name: "shop", Path: "/shop"}}}.Data()
	if err != nil {
		t.Fatal(err)
	}
	if d.Port != 0 || d.AppURL != "" || d.Base != "" || len(d.Apps) != 2 || d.Apps[0].URL != "http://localhost:9011/" || d.Apps[1].URL != "http://localhost:9011/shop/" {
		t.Errorf("tool data: %+v", d)
	}
}
