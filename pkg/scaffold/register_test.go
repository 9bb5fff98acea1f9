package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

func testRegistration() Registration {
	return Registration{
		Comment: "added by `ssokit new vanilla`",
		Client: config.Client{
			ClientID:               "account",
			RedirectURIs:           []string{"http://localhost:9000/account/callback", "http://localhost:5102/account/callback"},
			PostLogoutRedirectURIs: []string{"http://localhost:9000/account/", "http://localhost:5102/account/"},
			WebOrigins:             []string{"http://localhost:9000", "http://localhost:5102"},
			FrontchannelLogoutURI:  "http://localhost:9000/account/frontchannel-logout.html",
		},
		App: config.App{Name: "account", Path: "/account", Upstream: "http://localhost:5102", Command: "npm run dev", Cwd: "./account"},
	}
}

const clientBlock = `  # added by ` + "`ssokit new vanilla`" + `
  - client_id: account
    redirect_uris: [http://localhost:9000/account/callback, http://localhost:5102/account/callback]
    post_logout_redirect_uris: [http://localhost:9000/account/, http://localhost:5102/account/]
    web_origins: [http://localhost:9000, http://localhost:5102]
    frontchannel_logout_uri: http://localhost:9000/account/frontchannel-logout.html
`

const appBlock = `  # added by ` + "`ssokit new vanilla`" + `
  - name: account
    path: /account
    upstream: http://localhost:5102
    command: npm run dev
    cwd: ./account
`

func TestPlanEdit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "comments, blank lines and key order are kept",
			in: `# my stack
issuer: http://localhost:9400/   # the provider

apps:   # routes first, on purpose
  - name: shell  # the container
    path: /shell
    upstream: http://localhost:5101
  # - name: old   (disabled)

clients:
  - client_id: shell
    redirect_uris: [http://localhost:9000/shell/callback]
# trailing comment
`,
			want: `# my stack
issuer: http://localhost:9400/   # the provider

apps:   # routes first, on purpose
  - name: shell  # the container
    path: /shell
    upstream: http://localhost:5101
` + appBlock + `  # - name: old   (disabled)

clients:
  - client_id: shell
    redirect_uris: [http://localhost:9000/shell/callback]
` + clientBlock + `# trailing comment
`,
		},
		{
			name: "sequence items at column 1",
			in:   "clients:\n- client_id: a\n  redirect_uris: [http://localhost:9000/a/]\napps:\n- name: a\n  path: /a\n  upstream: http://localhost:5101\n",
			want: "clients:\n- client_id: a\n  redirect_uris: [http://localhost:9000/a/]\n" + dedent(clientBlock) + "apps:\n- name: a\n  path: /a\n  upstream: http://localhost:5101\n" + dedent(appBlock),
		},
		{
			name: "missing keys are appended",
			in:   "issuer: http://localhost:9400/ # keep me",
			want: "issuer: http://localhost:9400/ # keep me\n\nclients:\n" + clientBlock + "\napps:\n" + appBlock,
		},
		{
			name: "empty file",
			in:   "",
			want: "clients:\n" + clientBlock + "\napps:\n" + appBlock,
		},
		{
			name: "empty flow list and null value",
			in:   "clients: []\napps: ~   # none yet\n",
			want: "clients:\n" + clientBlock + "apps:   # none yet\n" + appBlock,
		},
		{
			name: "implicit null",
			in:   "clients:\napps:\n",
			want: "clients:\n" + clientBlock + "apps:\n" + appBlock,
		},
		{
			name: "non-empty flow list gets a flow entry",
			in:   "clients: [{client_id: a, redirect_uris: [\"http://localhost:9000/a/\"]}]  # flow\napps:\n  - name: a\n    path: /a\n    upstream: http://localhost:5101\n",
			want: `clients: [{client_id: a, redirect_uris: ["http://localhost:9000/a/"]}, {client_id: account, redirect_uris: ["http://localhost:9000/account/callback", "http://localhost:5102/account/callback"], post_logout_redirect_uris: ["http://localhost:9000/account/", "http://localhost:5102/account/"], web_origins: ["http://localhost:9000", "http://localhost:5102"], frontchannel_logout_uri: "http://localhost:9000/account/frontchannel-logout.html"}]  # flow` + "\napps:\n  - name: a\n    path: /a\n    upstream: http://localhost:5101\n" + appBlock,
		},
		{
			name: "CRLF line endings stay CRLF",
			in:   "issuer: x\r\napps:\r\n  - name: a\r\n    path: /a\r\n    upstream: http://localhost:5101\r\n",
			want: strings.ReplaceAll("issuer: x\napps:\n  - name: a\n    path: /a\n    upstream: http://localhost:5101\n"+appBlock+"\nclients:\n"+clientBlock, "\n", "\r\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := planEdit("ssokit.yaml", []byte(tt.in), testRegistration())
			if err != nil {
				t.Fatal(err)
			}
			if got := string(ch.New); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s\ndiff:\n%s", got, tt.want, ch.Diff())
			}
			if !ch.AddedApp || !ch.AddedClient {
				t.Errorf("AddedApp=%v AddedClient=%v, want both", ch.AddedApp, ch.AddedClient)
			}
			assertKeepsLines(t, tt.in, string(ch.New))
			// Idempotent: registering again changes nothing.
			again, err := planEdit("ssokit.yaml", ch.New, testRegistration())
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed() || again.AddedApp || again.AddedClient {
				t.Errorf("second run changed the file:\n%s", again.Diff())
			}
		})
	}
}

func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "  ")
	}
	return strings.Join(lines, "\n")
}

// assertKeepsLines checks that every original line survives, in order
// (lines may be edited only where a value was replaced in place).
func assertKeepsLines(t *testing.T, old, new string) {
	t.Helper()
	newLines := strings.Split(strings.ReplaceAll(new, "\r\n", "\n"), "\n")
	j := 0
	for _, l := range strings.Split(strings.ReplaceAll(old, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) == "" || strings.Contains(l, "[]") || strings.Contains(l, "~") || strings.Contains(l, "}]") {
			continue
		}
		for j < len(newLines) && newLines[j] != l {
			j++
		}
		if j == len(newLines) {
			t.Errorf("line %q was lost or reordered", l)
			return
		}
	}
}

func TestPlanEditValidConfigStaysValid(t *testing.T) {
	in := `issuer: http://localhost:9400/
clients:
  - client_id: shell
    redirect_uris: [http://localhost:9000/shell/callback]
apps:
  - name: shell
    path: /shell
    upstream: http://localhost:5101
`
	ch, err := planEdit("ssokit.yaml", []byte(in), testRegistration())
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse("ssokit.yaml", ch.New)
	if err != nil {
		t.Fatalf("edited config does not load: %v\n%s", err, ch.New)
	}
	if len(c.Clients) != 2 || len(c.Apps) != 2 || c.Apps[1].Cwd != "./account" || c.Clients[1].FrontchannelLogoutURI == "" {
		t.Errorf("unexpected result: %+v", c)
	}
}

func TestPlanRegisterConflicts(t *testing.T) {
	base := "clients:\n  - client_id: other\n    redirect_uris: [http://localhost:9000/other/callback]\napps:\n  - name: other\n    path: /other\n    upstream: http://localhost:5101\n"
	tests := []struct {
		name, in, want string
	}{
		{"same app name, other path", base + "  - name: account\n    path: /acct\n    upstream: http://localhost:5102\n",
			`ssokit.yaml:8: conflict: app "account" already exists (path /acct, upstream http://localhost:5102); choose another --name`},
		{"path taken", base + "  - name: acct\n    path: /account\n    upstream: http://localhost:5199\n",
			`ssokit.yaml:8: conflict: path /account is already routed to app "acct"; choose another --path`},
		{"port taken", strings.Replace(base, "5101", "5102", 1),
			`ssokit.yaml:5: conflict: upstream http://localhost:5102 is already used by app "other"; choose another --port`},
		{"client_id taken with other URIs", strings.Replace(base, "client_id: other", "client_id: account", 1),
			`ssokit.yaml:2: conflict: client_id "account" is already registered and it does not allow http://localhost:9000/account/callback`},
		{"client_id taken by a confidential client", "clients:\n  - client_id: account\n    secret: s\n    redirect_uris: [http://localhost:9000/account/callback, http://localhost:5102/account/callback]\n    post_logout_redirect_uris: [http://localhost:9000/account/, http://localhost:5102/account/]\n",
			`conflict: client_id "account" is already registered and it is a confidential client`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ssokit.yaml")
			if err := os.WriteFile(path, []byte(tt.in), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := PlanRegister(path, testRegistration(), "")
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
			msg := strings.ReplaceAll(err.Error(), path, "ssokit.yaml")
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error:\n  %s\nwant it to contain:\n  %s", msg, tt.want)
			}
		})
	}
}

func TestPlanRegisterReusesMatchingClient(t *testing.T) {
	reg := testRegistration()
	in := "clients:\n  - client_id: account  # hand-written\n    redirect_uris: [http://localhost:9000/account/callback, http://localhost:5102/account/callback, http://localhost:9000/extra]\n    post_logout_redirect_uris: [http://localhost:9000/account/, http://localhost:5102/account/]\n"
	ch, err := planEdit("ssokit.yaml", []byte(in), reg)
	if err != nil {
		t.Fatal(err)
	}
	if ch.AddedClient || !ch.AddedApp {
		t.Errorf("AddedClient=%v AddedApp=%v, want false, true", ch.AddedClient, ch.AddedApp)
	}
	if want := in + "\napps:\n" + appBlock; string(ch.New) != want {
		t.Errorf("got:\n%s\nwant:\n%s", ch.New, want)
	}
}

func TestPlanRegisterNeverRewritesInvalidYAML(t *testing.T) {
	for _, in := range []string{
		"clients: [\n",
		"apps:\n  - name: a\n   path: /a\n  bad indentation: [\n",
		"- just\n- a list\n",
		"a: 1\n---\nb: 2\n",
		"clients: {client_id: a}\n",
	} {
		path := filepath.Join(t.TempDir(), "ssokit.yaml")
		if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := PlanRegister(path, testRegistration(), ""); err == nil {
			t.Errorf("%q: no error", in)
		} else if !strings.Contains(err.Error(), "not changed") && !strings.Contains(err.Error(), "by hand") {
			t.Errorf("%q: error %q does not say the file was left alone", in, err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != in {
			t.Errorf("%q was rewritten to %q", in, got)
		}
	}
}

func TestPlanRegisterCreatesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "ssokit.yaml")
	ch, err := PlanRegister(path, testRegistration(), "http://localhost:9400/")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ch.Diff(), "--- /dev/null\n+++ "+filepath.ToSlash(path)+"\n") {
		t.Errorf("diff of a new file:\n%s", ch.Diff())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("PlanRegister wrote the file")
	}
	if err := ch.Apply(); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatalf("created config does not load: %v", err)
	}
	if c.Issuer != "http://localhost:9400/" || len(c.Users) != 2 || c.Clients[0].ClientID != "account" || c.Apps[0].Path != "/account" {
		t.Errorf("unexpected config: %+v", c)
	}
	again, err := PlanRegister(path, testRegistration(), "")
	if err != nil || again.Changed() {
		t.Errorf("re-run: err=%v changed=%v", err, again != nil && again.Changed())
	}
}

func TestApplyKeepsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssokit.yaml")
	if err := os.WriteFile(path, []byte("issuer: http://localhost:9400/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ch, err := PlanRegister(path, testRegistration(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Apply(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
}

func TestScalar(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:9000/a/callback": "http://localhost:9000/a/callback",
		"npm run dev":                      "npm run dev",
		"./account":                        "./account",
		"../apps/my app":                   "../apps/my app",
		"yes":                              `"yes"`,
		"5102":                             `"5102"`,
		"a: b":                             `"a: b"`,
		"x #y":                             `"x #y"`,
		"":                                 `""`,
		"[x]":                              `"[x]"`,
		"ünïcode":                          `"ünïcode"`,
	} {
		if got := scalar(in); got != want {
			t.Errorf("scalar(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzPlanEdit: whatever the file holds, registration either refuses or
// produces a file that parses, keeps every original line in order, and is
// idempotent.
func FuzzPlanEdit(f *testing.F) {
	f.Add("issuer: http://localhost:9400/\nclients:\n  - client_id: a\napps:\n- name: b\n  path: /b\n  upstream: http://localhost:5101\n")
	f.Add("clients: []\napps: ~\n")
	f.Add("# comment only\n")
	f.Add("clients: [{client_id: x}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		ch, err := planEdit("ssokit.yaml", []byte(in), testRegistration())
		if err != nil {
			return
		}
		if _, err := decodeLoose("ssokit.yaml", ch.New); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, ch.New)
		}
		again, err := planEdit("ssokit.yaml", ch.New, testRegistration())
		if err != nil {
			t.Fatalf("second run: %v\n%s", err, ch.New)
		}
		if again.Changed() {
			t.Fatalf("second run changed the file:\n%s", again.Diff())
		}
	})
}

// TestPlanRegisterRefusesAliasBomb: `ssokit new` reads the existing
// ssokit.yaml, so a bomb there must be refused, not expanded.
func TestPlanRegisterRefusesAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-lols:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, n := range "bcdefghi" {
		name := string(n)
		b.WriteString("  " + name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ") + "]\n")
		prev = name
	}
	b.WriteString("users:\n  - username: alice\n    claims: {lols: *i}\n")
	path := filepath.Join(t.TempDir(), "ssokit.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadConfig(path); err == nil || !strings.Contains(err.Error(), "too many alias expansions") {
		t.Errorf("ReadConfig: %v", err)
	}
	if _, err := PlanRegister(path, testRegistration(), ""); err == nil || !strings.Contains(err.Error(), "too many alias expansions") {
		t.Errorf("PlanRegister: %v", err)
	}
}

// An SPA whose backend-for-frontend is the proxy is registered as a
// confidential client with a back-channel logout URI, and its route as
// auth: spa with an API; the written file loads and validates.
func TestRegisterSPABFF(t *testing.T) {
	tmpls, err := List(templatesFS())
	if err != nil {
		t.Fatal(err)
	}
	var tm Template
	for _, x := range tmpls {
		if x.Kind == KindSPABFF {
			tm = x
		}
	}
	if tm.Name == "" {
		t.Fatal("no template of kind spa-bff")
	}
	data, err := (Params{Template: tm.Name, Name: "shop", Port: 5107}).Data()
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistration(tm, data, "./shop", "s3cret")
	path := filepath.Join(t.TempDir(), "ssokit.yaml")
	ch, err := PlanRegister(path, reg, "http://localhost:9400/")
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Apply(); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatalf("the registered config does not load: %v\n%s", err, ch.New)
	}
	cl, _ := c.Client("shop")
	a := c.Apps[0]
	if cl.Secret != "s3cret" || cl.BackchannelLogoutURI != "http://localhost:9000/shop/_ssokit/backchannel-logout" ||
		len(cl.RedirectURIs) != 1 || cl.RedirectURIs[0] != "http://localhost:9000/shop/_ssokit/callback" {
		t.Errorf("client: %+v", cl)
	}
	if a.Auth != "spa" || a.ClientID != "shop" || len(a.API) != 1 || a.API[0] != (config.AppAPI{Path: "/api", Upstream: "http://localhost:9400/"}) {
		t.Errorf("app: %+v\n%s", a, ch.New)
	}
}
