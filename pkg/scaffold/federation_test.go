package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The host's remotes.json as the mf-host template renders it.
func templateRemotes(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "templates", "files", "mf-host", RemotesFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPlanRemote(t *testing.T) {
	path := filepath.Join(t.TempDir(), RemotesFile)
	writeFile(t, path, templateRemotes(t))
	billing := Remote{Name: "billing", App: "billing", Entry: "http://localhost:9000/billing/remoteEntry.js"}
	ch, err := PlanRemote(path, billing)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Changed() || !ch.AddedApp {
		t.Fatal("adding a remote changed nothing")
	}
	if err := ch.Apply(); err != nil {
		t.Fatal(err)
	}
	ui := NewRemote(Data{Name: "billing-ui", AppURL: "http://localhost:9000/billing-ui/"})
	if ui != (Remote{Name: "billing_ui", App: "billing-ui", Entry: "http://localhost:9000/billing-ui/remoteEntry.js"}) {
		t.Fatalf("NewRemote: %+v", ui)
	}
	ch, err = PlanRemote(path, ui)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Apply(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := `{
  "remotes": [
    {"name": "billing", "app": "billing", "entry": "http://localhost:9000/billing/remoteEntry.js"},
    {"name": "billing_ui", "app": "billing-ui", "entry": "http://localhost:9000/billing-ui/remoteEntry.js"}
  ]
}
`
	if string(got) != want {
		t.Fatalf("remotes.json:\n%s\nwant:\n%s", got, want)
	}
	doc, err := ParseRemotes(path, got)
	if err != nil || len(doc.Remotes) != 2 || doc.Remotes[1] != ui {
		t.Fatalf("the written file reads back as %+v, %v", doc, err)
	}

	// The same remote again (ssokit new --force re-run): no change.
	ch, err = PlanRemote(path, billing)
	if err != nil || ch.Changed() {
		t.Fatalf("re-registering the same remote: changed=%v err=%v", ch != nil && ch.Changed(), err)
	}

	// Registered twice, differently: conflicts naming the line and the fix.
	for _, tc := range []struct {
		name string
		r    Remote
		want string
	}{
		{"same name, another app", Remote{Name: "billing_ui", App: "billing_ui", Entry: "http://localhost:9000/billing_ui/remoteEntry.js"},
			path + `:4: conflict: remote "billing_ui" is already registered (app billing-ui, entry http://localhost:9000/billing-ui/remoteEntry.js); choose another --name, or remove that entry from remotes.json`},
		{"same entry, another name", Remote{Name: "pay", App: "pay", Entry: "http://localhost:9000/billing/remoteEntry.js"},
			path + `:3: conflict: the entry http://localhost:9000/billing/remoteEntry.js is already registered as remote "billing"; remove that entry from remotes.json, or choose another --path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PlanRemote(path, tc.r)
			if !errors.Is(err, ErrConflict) || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseRemotesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"syntax", "{\n  \"remotes\": [\n    {\"name\": \"a\",}\n  ]\n}\n", "remotes.json:3:18: does not parse: invalid character '}'"},
		{"trailing comma in the array", "{\n  \"remotes\": [\n    {\"name\": \"a\", \"app\": \"a\", \"entry\": \"e\"},\n  ]\n}\n", "remotes.json:4:3: does not parse: invalid character ']'"},
		{"unknown field", "{\n  \"remotes\": [\n    {\"name\": \"a\", \"url\": \"e\"}\n  ]\n}\n", `remotes.json:3:19: does not parse: unknown field "url"`},
		{"wrong type", "{\n  \"remotes\": {}\n}\n", "remotes.json:2:14: does not parse: remotes must be an array, not a JSON object"},
		{"number for a string", "{\"remotes\": [{\"name\": 1}]}", "remotes.json:1:23: does not parse: remotes.name must be a string, not a JSON number"},
		{"empty", "", "remotes.json:1:1: does not parse: the file is empty or cut short"},
		{"cut short", "{\"remotes\": [", "remotes.json:1:14: does not parse: the file is empty or cut short"},
		{"two values", "{\"remotes\": []}\n{}", "remotes.json:2:1: does not parse: more than one JSON value"},
		{"missing entry", "{\n  \"remotes\": [\n    {\"name\": \"a\", \"app\": \"a\"}\n  ]\n}\n", `remotes.json:3: does not parse: remote 1 has no "entry"; every remote needs name, app and entry`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRemotes("remotes.json", []byte(tc.in))
			if !errors.Is(err, ErrConfigInvalid) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got  %v\nwant %s…", err, tc.want)
			}
		})
	}
	// and PlanRemote leaves such a file alone
	path := filepath.Join(t.TempDir(), RemotesFile)
	writeFile(t, path, "{\"remotes\": [\n")
	if _, err := PlanRemote(path, Remote{Name: "a", App: "a", Entry: "e"}); !errors.Is(err, ErrConfigInvalid) || !strings.Contains(err.Error(), "fix it by hand") {
		t.Errorf("PlanRemote of a broken file: %v", err)
	}
}

func TestFindHost(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ssokit.yaml")
	writeFile(t, filepath.Join(dir, "portal", RemotesFile), `{"remotes": []}`)
	writeFile(t, filepath.Join(dir, "admin", RemotesFile), `{"remotes": []}`)
	portal := config.App{Name: "portal", Cwd: "./portal"}
	admin := config.App{Name: "admin", Cwd: "./admin"}
	plain := config.App{Name: "account", Cwd: "./account"}

	got, err := FindHost(cfgPath, &config.Config{Apps: []config.App{plain, portal}}, "")
	if err != nil || got != filepath.Join(dir, "portal", RemotesFile) {
		t.Errorf("the only host: %s %v", got, err)
	}
	for _, tc := range []struct {
		name string
		cfg  *config.Config
		host string
		want string
	}{
		{"no config", nil, "", "no Module Federation host: " + cfgPath + " does not exist; create one first with `ssokit new mf-host`, or pass --no-register"},
		{"no host", &config.Config{Apps: []config.App{plain}}, "", "no Module Federation host among the apps of " + cfgPath + " (none has a remotes.json); create one first with `ssokit new mf-host`, or pass --no-register"},
		{"two hosts", &config.Config{Apps: []config.App{portal, admin}}, "", cfgPath + " has several Module Federation hosts (portal, admin); pass --host with the one this remote joins"},
		{"--host not a host", &config.Config{Apps: []config.App{plain, portal}}, "account", `no Module Federation host: app "account" of ` + cfgPath + " has no remotes.json (in " + filepath.Join(dir, "account") + "); pass the --host of an app made with `ssokit new mf-host`"},
		{"--host unknown", &config.Config{Apps: []config.App{plain, portal}}, "portl", `no Module Federation host: no app "portl" in ` + cfgPath + " (apps: account, portal); pass --host with the name of the mf-host app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FindHost(cfgPath, tc.cfg, tc.host)
			if !strings.HasPrefix(tc.name, "two") && !errors.Is(err, ErrNoHost) || err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
	got, err = FindHost(cfgPath, &config.Config{Apps: []config.App{portal, admin}}, "admin")
	if err != nil || got != filepath.Join(dir, "admin", RemotesFile) {
		t.Errorf("--host admin: %s %v", got, err)
	}
}

// FuzzParseRemotes: a hand-edited remotes.json never panics the parser, and
// whatever parses survives PlanRemote's rewrite unchanged.
func FuzzParseRemotes(f *testing.F) {
	for _, s := range []string{`{"remotes": []}`, "{\n  \"remotes\": [\n    {\"name\": \"a\", \"app\": \"a\", \"entry\": \"e\"}\n  ]\n}\n", `{"remotes": [{"name": 1}]}`, `[`, `{"remotes": null}`, "{\"remotes\":[{\"name\":\"\\u2028\",\"app\":\"x\",\"entry\":\"y\"}]}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := ParseRemotes("remotes.json", b)
		if err != nil {
			if !errors.Is(err, ErrConfigInvalid) {
				t.Fatalf("error without ErrConfigInvalid: %v", err)
			}
			return
		}
		out := formatRemotes(doc)
		again, err := ParseRemotes("remotes.json", out)
		if err != nil || len(again.Remotes) != len(doc.Remotes) {
			t.Fatalf("rewritten file does not read back: %v\n%s", err, out)
		}
		for i := range doc.Remotes {
			if again.Remotes[i] != doc.Remotes[i] {
				t.Fatalf("remote %d reads back as %+v, was %+v", i, again.Remotes[i], doc.Remotes[i])
			}
		}
		for i := range doc.Remotes {
			if remoteLine(b, i) <= 0 {
				t.Fatalf("remote %d has no line", i)
			}
		}
	})
}
