package new

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/scaffold"
)

var templatesDir, _ = filepath.Abs(filepath.Join("..", "..", "..", "templates", "files"))

func templatesFS() fs.FS { return os.DirFS(templatesDir) }

type result struct {
	code     int
	out, err string
	opts     *Options
}

// run executes `ssokit new args…` with test streams; tweak adjusts the
// options before the run (seams such as Prompt and RunInstall).
func run(t testing.TB, tty bool, tweak func(*Options), args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetTTY(tty, tty, tty)
	f := &cmdutil.Factory{IOStreams: ios, Templates: templatesFS()}
	var got *Options
	cmd := NewCmdNew(f, func(ctx context.Context, o *Options) error {
		got = o
		o.ClientSecret = "test-secret"
		o.PortInUse = func(int) bool { return false } // other processes on this machine must not move the ports tests expect
		o.Prompt = func(*Options, []scaffold.Template, map[string]bool) error {
			t.Error("prompted although it must not")
			return nil
		}
		o.RunInstall = func(context.Context, string, string, io.Writer) error {
			t.Error("installed although not asked to")
			return nil
		}
		if tweak != nil {
			tweak(o)
		}
		return Run(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SilenceUsage = true
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	r := result{code: cmdutil.ExitCode(err), out: out.String(), err: errOut.String(), opts: got}
	if err != nil {
		r.err += "error: " + err.Error()
	}
	return r
}

func TestFlags(t *testing.T) {
	var got *Options
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdNew(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"react", "web/shop", "--name", "shop", "--path", "/store", "--port", "5200", "--client-id", "shop-web",
		"--issuer", "http://localhost:9401/", "-c", "dev.yaml", "--no-register", "--force", "--dry-run", "--install"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := Options{Template: "react", Dir: "web/shop", Name: "shop", Path: "/store", Port: 5200, ClientID: "shop-web",
		Issuer: "http://localhost:9401/", ConfigFile: "dev.yaml", NoRegister: true, Force: true, DryRun: true, Install: true}
	g := *got
	g.IO, g.Templates, g.Prompt, g.RunInstall, g.flagsSet = nil, nil, nil, nil, nil
	if !reflect.DeepEqual(g, want) {
		t.Errorf("options:\n got %+v\nwant %+v", g, want)
	}
	if !got.flagsSet["name"] || !got.flagsSet["port"] || got.flagsSet["list"] {
		t.Errorf("flagsSet = %v", got.flagsSet)
	}
	cmd = NewCmdNew(&cmdutil.Factory{IOStreams: ios}, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"a", "b", "c"})
	cmd.SilenceUsage = true
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("three args: %v", err)
	}
}

func TestNewCreatesAppAndRegisters(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ssokit.yaml")
	appDir := filepath.Join(dir, "account")
	r := run(t, false, nil, "vanilla", appDir, "--port", "5102", "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	for _, want := range []string{
		"Created " + appDir + " from template vanilla: 13 files created.\n",
		"Created " + cfgPath + ": client account, route /account → http://localhost:5102.",
		// `ssokit up` inside the app finds ../ssokit.yaml (issue 12: it used to start the demo)
		"Next steps:\n  cd " + appDir + "\n  npm install\n  ssokit up   # uses " + filepath.Join("..", "ssokit.yaml") + "\n  open http://localhost:9000/account/\n",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	for _, f := range []string{"package.json", "src/auth.ts", ".env", ".gitignore", "README.md", "public/frontchannel-logout.html"} {
		if _, err := os.Stat(filepath.Join(appDir, f)); err != nil {
			t.Error(err)
		}
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := c.Client("account")
	if !ok || len(cl.RedirectURIs) != 2 || cl.RedirectURIs[0] != "http://localhost:9000/account/callback" ||
		cl.FrontchannelLogoutURI != "http://localhost:9000/account/frontchannel-logout.html" || cl.Secret != "" {
		t.Errorf("client: %+v", cl)
	}
	if len(c.Apps) != 1 || !reflect.DeepEqual(c.Apps[0], config.App{Name: "account", Path: "/account", Upstream: "http://localhost:5102", Command: "npm run dev", Cwd: "./account"}) {
		t.Errorf("apps: %+v", c.Apps)
	}

	// A second app gets the next port, and the shell links to both.
	r = run(t, false, nil, "shell", filepath.Join(dir, "shell"), "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	apps, err := os.ReadFile(filepath.Join(dir, "shell", "src", "apps.ts"))
	if err != nil || !strings.Contains(string(apps), `{ name: "account", path: "/account" },`) {
		t.Errorf("shell apps.ts: %s %v", apps, err)
	}
	c, _ = config.Load(cfgPath)
	if len(c.Apps) != 2 || c.Apps[1].Upstream != "http://localhost:5103" {
		t.Errorf("second app: %+v", c.Apps)
	}

	// Re-running is refused without --force…
	before, _ := os.ReadFile(cfgPath)
	r = run(t, false, nil, "vanilla", appDir, "--port", "5102", "--config", cfgPath)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "directory is not empty") || !strings.Contains(r.err, "--force") {
		t.Errorf("re-run without --force: exit %d, %s", r.code, r.err)
	}
	// …and with --force it keeps files it does not produce and changes nothing else.
	mine := filepath.Join(appDir, "src", "mine.ts")
	if err := os.WriteFile(mine, []byte("// mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(appDir, "README.md"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, false, nil, "vanilla", appDir, "--port", "5102", "--config", cfgPath, "--force")
	if r.code != 0 {
		t.Fatalf("--force: exit %d: %s", r.code, r.err)
	}
	if !strings.Contains(r.out, "Updated "+appDir+" from template vanilla: 1 file overwritten, 12 unchanged.\n") || !strings.Contains(r.out, "already registers app account; unchanged.") {
		t.Errorf("--force output:\n%s", r.out)
	}
	// Nothing to do: no "Created … 0 files, 13 unchanged".
	r = run(t, false, nil, "vanilla", appDir, "--port", "5102", "--config", cfgPath, "--force")
	if r.code != 0 || !strings.Contains(r.out, appDir+" already matches template vanilla: 13 files unchanged.\n") || strings.Contains(r.out, "Created") {
		t.Errorf("--force again: exit %d\n%s", r.code, r.out)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Error("--force deleted a file the template does not produce")
	}
	after, _ := os.ReadFile(cfgPath)
	if !bytes.Equal(before, after) {
		t.Errorf("re-run changed ssokit.yaml:\n%s", after)
	}
}

func TestNewDryRun(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ssokit.yaml")
	orig := "# mine\nissuer: http://localhost:9400/\napps:\n  - name: shell  # keep\n    path: /shell\n    upstream: http://localhost:5101\n"
	if err := os.WriteFile(cfgPath, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	appDir := filepath.Join(dir, "orders")
	r := run(t, false, nil, "bff", appDir, "--config", cfgPath, "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	for _, want := range []string{
		"Would write 7 files to " + appDir + ":\n  create    " + filepath.ToSlash(appDir) + "/.env\n",
		"  create    " + filepath.ToSlash(appDir) + "/main.go\n",
		"+  - name: orders\n+    path: /orders\n+    upstream: http://localhost:5102\n+    command: go run .\n+    cwd: ./orders\n+    auth: required\n+    client_id: orders\n",
		"+  - client_id: orders\n+    secret: test-secret\n+    redirect_uris: [http://localhost:9000/orders/_ssokit/callback]\n",
		"   - name: shell  # keep\n",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.err, "nothing was written") {
		t.Errorf("stderr: %s", r.err)
	}
	if got, _ := os.ReadFile(cfgPath); string(got) != orig {
		t.Error("--dry-run changed ssokit.yaml")
	}
	if _, err := os.Stat(appDir); !errors.Is(err, os.ErrNotExist) {
		t.Error("--dry-run created the directory")
	}
}

func TestNewBadInput(t *testing.T) {
	dir := t.TempDir()
	badCfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badCfg, []byte("clients: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	taken := filepath.Join(dir, "taken.yaml")
	if err := os.WriteFile(taken, []byte("apps:\n  - name: account\n    path: /acct\n    upstream: http://localhost:5120\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ssokit.yaml")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no template without a terminal", []string{"--config", cfg}, "which template? run `ssokit new TEMPLATE [DIR]` with one of: vanilla, react, vue, auth0, shell, bff, spa-bff, mf-host, mf-remote"},
		{"unknown template", []string{"angular", filepath.Join(dir, "x"), "--config", cfg}, `unknown template "angular"; available: vanilla, react, vue, auth0, shell, bff, spa-bff, mf-host, mf-remote`},
		{"invalid name", []string{"vanilla", filepath.Join(dir, "x"), "--name", "My App", "--config", cfg}, `invalid name "My App": use 1-40 lowercase letters`},
		{"invalid dir name", []string{"vanilla", filepath.Join(dir, "My_App"), "--config", cfg}, "DIR's last element is the default name: pass --name"},
		{"invalid path", []string{"vanilla", filepath.Join(dir, "x"), "--path", "account/", "--config", cfg}, `invalid path "account/": use a path like /account`},
		{"invalid port", []string{"vanilla", filepath.Join(dir, "x"), "--port", "80", "--config", cfg}, "invalid port 80"},
		{"config does not parse", []string{"vanilla", filepath.Join(dir, "x"), "--config", badCfg}, "does not parse, so it was not changed"},
		{"app name taken", []string{"vanilla", filepath.Join(dir, "account"), "--config", taken}, `taken.yaml:2: conflict: app "account" already exists (path /acct`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, false, nil, tt.args...)
			if r.code != cmdutil.ExitUsage {
				t.Errorf("exit %d, want 2", r.code)
			}
			if !strings.Contains(r.err, tt.want) {
				t.Errorf("stderr:\n  %s\nwant:\n  %s", r.err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
				t.Error("wrote the app despite the error")
			}
		})
	}
	if got, _ := os.ReadFile(badCfg); string(got) != "clients: [\n" {
		t.Error("rewrote a config that does not parse")
	}
	// --no-register ignores the broken config.
	r := run(t, false, nil, "vanilla", filepath.Join(dir, "y"), "--config", badCfg, "--no-register")
	if r.code != 0 || !strings.Contains(r.out, "Not registered (--no-register)") {
		t.Errorf("--no-register: exit %d %s %s", r.code, r.out, r.err)
	}
}

func TestNewList(t *testing.T) {
	r := run(t, false, nil, "--list")
	if r.code != 0 {
		t.Fatal(r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	var names []string
	for _, l := range lines {
		names = append(names, strings.Fields(l)[0])
	}
	if len(lines) != 10 || strings.Join(names, " ") != "vanilla react vue auth0 shell bff spa-bff mf-host mf-remote playwright" ||
		!strings.HasPrefix(lines[0], "vanilla     TypeScript + Vite") || !strings.HasPrefix(lines[9], "playwright  a Playwright fixture") {
		t.Errorf("--list:\n%s", r.out)
	}
}

// `ssokit new playwright` is a tool, not an app: written to ./e2e by
// default, listing the apps of ssokit.yaml, which it never changes.
func TestNewPlaywright(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := "# mine\nissuer: http://localhost:9411/\nproxy:\n  addr: 127.0.0.1:9011\napps:\n  - name: shell  # keep\n    path: /shell\n    upstream: http://localhost:5101\n  - name: account\n    path: /account\n    upstream: http://localhost:5102\n"
	if err := os.WriteFile("ssokit.yaml", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, false, nil, "playwright", "--dry-run")
	if r.code != 0 || !strings.Contains(r.out, "Would write 8 files to e2e:\n") || !strings.Contains(r.out, "  create    e2e/ssokit.ts\n") ||
		!strings.Contains(r.out, "ssokit.yaml: not touched (template playwright is a tool, not an app)") {
		t.Errorf("--dry-run: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if _, err := os.Stat("e2e"); err == nil {
		t.Error("--dry-run wrote e2e/")
	}

	r = run(t, false, nil, "playwright")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	for _, want := range []string{"Created e2e from template playwright: 8 files created.", "ssokit.yaml: not touched", "  cd e2e\n  npm install\n  npx playwright install chromium", "  npx playwright test\n"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if got, _ := os.ReadFile("ssokit.yaml"); string(got) != cfg {
		t.Errorf("ssokit.yaml changed:\n%s", got)
	}
	apps, err := os.ReadFile(filepath.Join("e2e", "apps.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`process.env.SSOKIT_PROVIDER || "http://localhost:9411/";`,
		`{ name: "shell", url: "http://localhost:9011/shell/" },`,
		`{ name: "account", url: "http://localhost:9011/account/" },`,
	} {
		if !strings.Contains(string(apps), want) {
			t.Errorf("apps.ts lacks %s:\n%s", want, apps)
		}
	}
	if pkg, _ := os.ReadFile(filepath.Join("e2e", "package.json")); !strings.Contains(string(pkg), `"name": "e2e"`) {
		t.Errorf("package.json:\n%s", pkg)
	}

	// a tool has no route, port or client; an existing e2e needs --force
	for args, want := range map[string]string{
		"playwright tests --port 5200":   "--port: template playwright is a tool, not an app",
		"playwright tests --path /x":     "--path: template playwright is a tool",
		"playwright tests --client-id x": "--client-id: template playwright is a tool",
		"playwright":                     "e2e: directory is not empty",
		"playwright My_Tests":            "DIR's last element is the default name: pass --name",
	} {
		r := run(t, false, nil, strings.Fields(args)...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", args, r.code, r.err, want)
		}
	}
	if _, err := os.Stat("tests"); err == nil {
		t.Error("wrote tests/ despite the error")
	}
	r = run(t, false, nil, "playwright", "--force")
	if r.code != 0 || !strings.Contains(r.out, "e2e already matches template playwright: 8 files unchanged.") {
		t.Errorf("--force again: exit %d %s %s", r.code, r.out, r.err)
	}
}

func TestNewInstall(t *testing.T) {
	dir := t.TempDir()
	var gotDir, gotCmd string
	r := run(t, false, func(o *Options) {
		o.RunInstall = func(_ context.Context, dir, command string, log io.Writer) error {
			gotDir, gotCmd = dir, command
			return nil
		}
	}, "react", filepath.Join(dir, "shop"), "--no-register", "--install")
	if r.code != 0 || gotDir != filepath.Join(dir, "shop") || gotCmd != "npm install" {
		t.Errorf("exit %d, install %q in %q; %s", r.code, gotCmd, gotDir, r.err)
	}
	if !strings.Contains(r.err, "running npm install in ") || !strings.Contains(r.err, "✓ npm install in ") {
		t.Errorf("progress on stderr:\n%s", r.err)
	}
	if strings.Contains(r.out, "\n  npm install\n") {
		t.Error("next steps still say npm install")
	}
	r = run(t, false, func(o *Options) {
		o.RunInstall = func(_ context.Context, _, _ string, log io.Writer) error {
			io.WriteString(log, "npm ERR! boom\n")
			return errors.New("exit status 1")
		}
	}, "vue", filepath.Join(dir, "v"), "--no-register", "--install")
	if r.code != 1 || !strings.Contains(r.err, "npm ERR! boom") {
		t.Errorf("failed install: exit %d\n%s", r.code, r.err)
	}
}

func TestNeverPromptsInCIOrWithArgs(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CI", "true")
	r := run(t, true, nil, "--config", filepath.Join(dir, "ssokit.yaml"))
	if r.code != cmdutil.ExitUsage {
		t.Errorf("CI=true on a TTY: exit %d, want 2 (no prompt)", r.code)
	}
	t.Setenv("CI", "")
	r = run(t, true, nil, "vanilla", filepath.Join(dir, "a"), "--no-register")
	if r.code != 0 {
		t.Errorf("all args on a TTY: exit %d %s", r.code, r.err)
	}
}

func TestPromptsOnTTYWhenArgsMissing(t *testing.T) {
	t.Chdir(t.TempDir()) // DIR defaults to ./NAME
	t.Setenv("CI", "")
	called := false
	r := run(t, true, func(o *Options) {
		o.Prompt = func(o *Options, ts []scaffold.Template, set map[string]bool) error {
			called = true
			if !set["port"] || set["name"] {
				t.Errorf("flagsSet = %v", set)
			}
			o.Template, o.Name = "vue", "settings"
			return nil
		}
	}, "--port", "5300", "--no-register")
	if !called || r.code != 0 {
		t.Fatalf("prompt called=%v exit %d %s", called, r.code, r.err)
	}
	if !strings.Contains(r.err, "Without prompts: ssokit new vue settings --path /settings --port 5300\n") {
		t.Errorf("no reproducing command on stderr:\n%s", r.err)
	}
	if _, err := os.Stat(filepath.Join("settings", "src", "App.vue")); err != nil || r.opts.Dir != "settings" {
		t.Errorf("dir = %q: %v", r.opts.Dir, err)
	}
}

func TestRelDir(t *testing.T) {
	for _, tt := range []struct{ cfg, dir, want string }{
		{"ssokit.yaml", "account", "./account"},
		{"ssokit.yaml", "apps/account", "./apps/account"},
		{"stack/ssokit.yaml", "apps/account", "../apps/account"},
		{"ssokit.yaml", ".", "."},
	} {
		got, err := relDir(tt.cfg, tt.dir)
		if err != nil || got != tt.want {
			t.Errorf("relDir(%q, %q) = %q, %v; want %q", tt.cfg, tt.dir, got, err, tt.want)
		}
	}
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestForm(t *testing.T) {
	templates, err := scaffold.List(templatesFS())
	if err != nil {
		t.Fatal(err)
	}
	o := &Options{ConfigFile: filepath.Join(t.TempDir(), "none.yaml"), PortInUse: func(int) bool { return false }}
	f := newForm(o, templates, map[string]bool{})
	send := func(keys ...string) {
		for _, k := range keys {
			f.Update(key(k))
		}
	}
	if v := f.View().Content; !strings.Contains(v, "> vanilla") || !strings.Contains(v, "  bff") {
		t.Fatalf("picker view:\n%s", v)
	}
	send("down", "enter") // react
	// The default is a placeholder, not editable text: typing replaces it
	// (issue 12: typing "orders" gave "reactorders").
	if v := f.View().Content; !strings.Contains(v, "Template: react\nApp name: █"+placeholderStyle+"react") {
		t.Fatalf("name view:\n%s", v)
	}
	send("S", "h", "o", "p", "enter")
	if !strings.Contains(f.View().Content, "✗ invalid name \"Shop\"") {
		t.Errorf("invalid name not reported:\n%s", f.View().Content)
	}
	send("backspace", "backspace", "backspace", "backspace", "s", "h", "o", "p", "enter")
	if v := f.View().Content; !strings.Contains(v, "App name: shop\n") || !strings.Contains(v, "Route under the proxy: █"+placeholderStyle+"/shop") {
		t.Fatalf("path view:\n%s", v)
	}
	send("enter", "enter") // default path, default port
	if !f.done {
		t.Fatal("form not done")
	}
	f.apply(o)
	if o.Template != "react" || o.Name != "shop" || o.Path != "/shop" || o.Port != scaffold.FirstPort {
		t.Errorf("answers: %+v", o)
	}

	// A tool (playwright, the last template) has no route or port: only its name is asked.
	o = &Options{ConfigFile: filepath.Join(t.TempDir(), "none.yaml"), PortInUse: func(int) bool { return false }}
	f = newForm(o, templates, map[string]bool{})
	send("up", "enter")
	if v := f.View().Content; !strings.Contains(v, "Template: playwright\nApp name: █"+placeholderStyle+"e2e") {
		t.Fatalf("tool name view:\n%s", v)
	}
	send("enter")
	if v := f.View().Content; !f.done || strings.Contains(v, "Route") || strings.Contains(v, "port") {
		t.Fatalf("the form asked a tool for a route or port (done %v):\n%s", f.done, v)
	}
	f.apply(o)
	if o.Template != "playwright" || o.Name != "e2e" || o.Path != "" || o.Port != 0 {
		t.Errorf("tool answers: %+v", o)
	}

	f = newForm(&Options{Template: "vue", Dir: "x", Name: "x", Path: "/x", Port: 5200}, templates, map[string]bool{})
	if !f.done {
		t.Error("nothing to ask, but the form is not done")
	}
	f = newForm(&Options{}, templates, map[string]bool{})
	send("esc")
	if !f.cancelled {
		t.Error("esc did not cancel")
	}
}

// BenchmarkNew measures `ssokit new` end to end without npm: render the
// vanilla template, write it, and register it in an existing ssokit.yaml.
func BenchmarkNew(b *testing.B) {
	dir := b.TempDir()
	seed := []byte("# bench\nissuer: http://localhost:9400/\nclients:\n  - client_id: shell\n    redirect_uris: [http://localhost:9000/shell/callback]\napps:\n  - name: shell\n    path: /shell\n    upstream: http://localhost:5101\n")
	fsys := templatesFS()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		cfg := filepath.Join(dir, "ssokit.yaml")
		if err := os.WriteFile(cfg, seed, 0o644); err != nil {
			b.Fatal(err)
		}
		ios, _, _, _ := iostreams.Test()
		app := filepath.Join(dir, "app", strconv.Itoa(i))
		err := Run(context.Background(), &Options{IO: ios, Templates: fsys, Template: "vanilla", Dir: app, Name: "account", ConfigFile: cfg})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func TestNewWarnsAuth0IssuerWithPath(t *testing.T) {
	dir := t.TempDir()
	r := run(t, false, nil, "auth0", filepath.Join(dir, "p"), "--no-register", "--issuer", "http://localhost:9400/realms/dev")
	if r.code != 0 || !strings.Contains(r.err, "warning: template auth0 needs the issuer to be the provider's origin plus \"/\" (http://localhost:9400/)") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.err)
	}
	r = run(t, false, nil, "auth0", filepath.Join(dir, "q"), "--no-register")
	if strings.Contains(r.err, "warning") {
		t.Errorf("default issuer warned:\n%s", r.err)
	}
}

func TestNewDotDirNamesAfterDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "billing")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := run(t, false, nil, "vanilla", ".")
	if r.code != 0 || r.opts.Name != "billing" {
		t.Fatalf("exit %d name %q: %s", r.code, r.opts.Name, r.err)
	}
	c, err := config.Load("ssokit.yaml")
	if err != nil || c.Apps[0].Cwd != "." || c.Apps[0].Path != "/billing" {
		t.Errorf("config: %+v %v", c, err)
	}
}

// Issue 11: a crafted issuer in ssokit.yaml was written unescaped into the
// bff's main.go, which then compiled and ran the attacker's code. It is
// refused with the file and line, and nothing is written.
func TestNewRefusesInjectedIssuer(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ssokit.yaml")
	evil := "# shared config\nissuer: 'http://localhost:9400/\" + func() string { os.WriteFile(\"pwned\", nil, 0o644); return \"\" }() + \"'\n"
	if err := os.WriteFile(cfgPath, []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	appDir := filepath.Join(dir, "orders")
	r := run(t, false, nil, "bff", appDir, "--config", cfgPath)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, cfgPath+":2: issuer: ") || !strings.Contains(r.err, "not allowed in a URL") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.err)
	}
	if _, err := os.Stat(appDir); !errors.Is(err, os.ErrNotExist) {
		t.Error("wrote the app despite the crafted issuer")
	}
	// The same through --issuer.
	r = run(t, false, nil, "bff", appDir, "--no-register", "--issuer", "http://localhost:9400/\"+x+\"")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "invalid issuer") {
		t.Errorf("--issuer: exit %d, stderr:\n%s", r.code, r.err)
	}
}

// The next steps work from where they leave you: a config that `ssokit up`
// would not find from the app's directory is named with an absolute path.
func TestNewNextStepsNameAConfigUpWouldNotFind(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cfg", "dev.yaml")
	appDir := filepath.Join(dir, "apps", "account")
	r := run(t, false, nil, "vanilla", appDir, "--port", "5102", "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	if want := "  npm install\n  ssokit up --config " + cfgPath + "\n"; !strings.Contains(r.out, want) {
		t.Errorf("output lacks %q:\n%s", want, r.out)
	}
}

// Issue 12: the default port avoided only the ports in ssokit.yaml; a port
// another process listens on is skipped too.
func TestNewDefaultPortSkipsPortsInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ssokit.yaml")
	// the highest app port is port-1, so NextPort alone would pick port
	seed := fmt.Sprintf("apps:\n  - name: shell\n    path: /shell\n    upstream: http://localhost:%d\n", port-1)
	if err := os.WriteFile(cfgPath, []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, false, func(o *Options) { o.PortInUse = scaffold.PortInUse }, "vanilla", filepath.Join(dir, "account"), "--config", cfgPath, "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	if r.opts.Port == port || r.opts.Port < port {
		t.Errorf("default port %d, but %d is in use", r.opts.Port, port)
	}
	if !scaffold.PortInUse(port) {
		t.Error("PortInUse does not see a listener")
	}
}

// TestNewModuleFederation: `ssokit new mf-remote` registers the remote in
// ssokit.yaml (client and route) and in its host's remotes.json; a second
// remote of the same federation name, a host whose remotes.json does not
// parse, and no host at all are refused before anything is written.
func TestNewModuleFederation(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ssokit.yaml")
	remotes := filepath.Join(dir, "portal", "remotes.json")

	r := run(t, false, nil, "mf-remote", filepath.Join(dir, "early"), "--config", cfgPath)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, "no Module Federation host: "+cfgPath+" does not exist; create one first with `ssokit new mf-host`, or pass --no-register") {
		t.Fatalf("a remote without a host: exit %d %s", r.code, r.err)
	}
	if r := run(t, false, nil, "mf-host", filepath.Join(dir, "portal"), "--port", "5201", "--config", cfgPath); r.code != 0 {
		t.Fatalf("mf-host: exit %d %s", r.code, r.err)
	}
	r = run(t, false, nil, "mf-remote", filepath.Join(dir, "billing-ui"), "--port", "5202", "--config", cfgPath, "--dry-run")
	if r.code != 0 || !strings.Contains(r.out, `+    {"name": "billing_ui", "app": "billing-ui", "entry": "http://localhost:9000/billing-ui/remoteEntry.js"}`) {
		t.Fatalf("--dry-run shows no remotes.json diff: exit %d %s %s", r.code, r.out, r.err)
	}
	r = run(t, false, nil, "mf-remote", filepath.Join(dir, "billing-ui"), "--port", "5202", "--config", cfgPath)
	if r.code != 0 || !strings.Contains(r.out, "Added remote billing_ui to the host's "+remotes) {
		t.Fatalf("mf-remote: exit %d %s %s", r.code, r.out, r.err)
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Apps[len(c.Apps)-1]; a.Name != "billing-ui" || a.Path != "/billing-ui" || a.Upstream != "http://localhost:5202" {
		t.Errorf("the remote's route: %+v", a)
	}
	if _, ok := c.Client("billing-ui"); !ok {
		t.Error("the remote has no client (it signs in on its own when standalone)")
	}
	got, _ := os.ReadFile(remotes)
	if !strings.Contains(string(got), `{"name": "billing_ui", "app": "billing-ui", "entry": "http://localhost:9000/billing-ui/remoteEntry.js"}`) {
		t.Errorf("remotes.json:\n%s", got)
	}

	// Re-rendering the host keeps its remotes.
	r = run(t, false, nil, "mf-host", filepath.Join(dir, "portal"), "--port", "5201", "--config", cfgPath, "--force")
	if b, _ := os.ReadFile(remotes); r.code != 0 || string(b) != string(got) {
		t.Fatalf("mf-host --force: exit %d %s; remotes.json now:\n%s", r.code, r.err, b)
	}

	// Registered twice: the entry is already in remotes.json under another
	// name (a hand edit). A conflict naming the line; nothing written.
	if err := os.WriteFile(remotes, []byte(strings.Replace(string(got), `"billing_ui"`, `"other"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, false, nil, "mf-remote", filepath.Join(dir, "billing-ui"), "--port", "5202", "--config", cfgPath, "--force")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, remotes+`:3: conflict: the entry http://localhost:9000/billing-ui/remoteEntry.js is already registered as remote "other"`) {
		t.Errorf("the remote registered twice: exit %d %s", r.code, r.err)
	}

	// A remotes.json that does not parse: refused with file:line:col, untouched.
	broken := "{\n  \"remotes\": [\n    {\"name\": \"a\",}\n  ]\n}\n"
	if err := os.WriteFile(remotes, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, false, nil, "mf-remote", filepath.Join(dir, "orders"), "--config", cfgPath)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err, remotes+":3:18: does not parse: invalid character '}'") {
		t.Errorf("a broken remotes.json: exit %d %s", r.code, r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "orders")); err == nil {
		t.Error("wrote the remote despite the broken remotes.json")
	}
	if b, _ := os.ReadFile(remotes); string(b) != broken {
		t.Error("rewrote a remotes.json that does not parse")
	}
}
