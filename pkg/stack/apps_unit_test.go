package stack

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

func TestGiveUp(t *testing.T) {
	dir := t.TempDir()
	npm := filepath.Join(t.TempDir(), "web")
	if err := os.MkdirAll(npm, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(npm, "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := &app{cfg: config.App{Name: "api", Command: "go run .", Cwd: dir}}
	node := &app{cfg: config.App{Name: "web", Command: "npm run dev", Cwd: npm}}
	tests := []struct {
		name     string
		a        *app
		code     int
		same     int
		ready    bool
		lines    []string
		want     string // "" for keep restarting
		contains []string
	}{
		{"served before: always restarted", plain, 127, 5, true, nil, "", nil},
		{"one ordinary failure", plain, 1, 1, false, nil, "", nil},
		{"two in a row", plain, 1, sameFailures - 1, false, nil, "", nil},
		{"three in a row", plain, 1, sameFailures, false, []string{"main.go:3: syntax error", "exit status 1"}, "x",
			[]string{"\"go run .\" exited with status 1 3 times in a row; its last output:\n    main.go:3: syntax error\n    exit status 1\nnot restarting it: run \"go run .\" in " + dir + " to see why"}},
		{"not found", plain, 127, 1, false, nil, "x",
			[]string{"\"go run .\" exited with status 127: a program it runs was not found\nnot restarting it: install the missing program, or fix apps[].command"}},
		{"not executable", plain, 126, 1, false, nil, "x",
			[]string{"exited with status 126: a program it runs is not executable\nnot restarting it: check the file's permissions"}},
		{"npm without node_modules, not found", node, 127, 1, false, nil, "x",
			[]string{"not restarting it: run npm install in " + npm + " (there is a package.json but no node_modules)"}},
		{"npm without node_modules, repeated", node, 1, sameFailures, false, nil, "x",
			[]string{"3 times in a row\nnot restarting it: run npm install in " + npm}},
	}
	for _, tt := range tests {
		got := tt.a.giveUp(tt.code, tt.same, tt.ready, tt.lines)
		if (got == "") != (tt.want == "") {
			t.Errorf("%s: %q", tt.name, got)
			continue
		}
		for _, c := range tt.contains {
			if !strings.Contains(got, c) {
				t.Errorf("%s: %q lacks %q", tt.name, got, c)
			}
		}
	}
	// With node_modules installed, the generic advice comes back.
	if err := os.Mkdir(filepath.Join(npm, "node_modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := node.giveUp(127, 1, false, nil); strings.Contains(got, "npm install") {
		t.Errorf("npm advice with node_modules present: %q", got)
	}
	// Without a cwd the app runs in the current directory.
	if got := (&app{cfg: config.App{Command: "x"}}).giveUp(2, sameFailures, false, nil); !strings.Contains(got, `run "x" in . to see why`) {
		t.Errorf("no cwd: %q", got)
	}
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "serve.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ok := []config.App{
		{Name: "empty"},
		{Name: "shell syntax", Command: "cd web && no-such-program-xyz"},
		{Name: "env assignment", Command: "PORT=1 no-such-program-xyz"},
		{Name: "relative to cwd", Command: "./serve.sh --port 1", Cwd: dir},
		{Name: "absolute", Command: self + " -test.run=none"},
	}
	for _, a := range ok {
		if err := checkCommand(a); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
	}
	bad := []struct {
		a    config.App
		want string
	}{
		{config.App{Name: "api", Command: "no-such-program-xyz --dev"}, `app api: command "no-such-program-xyz --dev": "no-such-program-xyz" is not installed or not in PATH (fix apps[].command in ssokit.yaml, or run with --no-apps)`},
		{config.App{Name: "web", Command: "./missing.sh", Cwd: dir}, `app web: command "./missing.sh": ` + filepath.Join(dir, "missing.sh") + " not found"},
		{config.App{Name: "go", Command: "go run .", Cwd: filepath.Join(dir, "nope")}, `app go: cwd "` + filepath.Join(dir, "nope") + `" is not a directory`},
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go not in PATH:", err)
	}
	for _, tt := range bad {
		if err := checkCommand(tt.a); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.a.Name, err, tt.want)
		}
	}
}

func TestLineWriterPrefixesAndRemembers(t *testing.T) {
	var out strings.Builder
	l := &lineWriter{w: &out, prefix: "[api] ", keep: 2}
	for _, chunk := range []string{"one\ntw", "o\r\n\n   \nthr", "ee\nunfinished"} {
		if n, err := l.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if got, want := out.String(), "[api] one\n[api] two\r\n[api] \n[api]    \n[api] three\n"; got != want {
		t.Errorf("output %q, want %q (an unfinished line waits for its newline)", got, want)
	}
	if got := strings.Join(l.last(), "|"); got != "two|three" {
		t.Errorf("last lines %q, want the last two non-blank ones", got)
	}
	quiet := &lineWriter{w: &out}
	if _, err := quiet.Write([]byte("x\n")); err != nil || len(quiet.last()) != 0 {
		t.Errorf("keep 0 remembered %q", quiet.last())
	}
}

func TestExitCodeAndText(t *testing.T) {
	if exitCode(nil) != 0 || exitText(nil) != "exit status 0" {
		t.Error("nil error")
	}
	if exitCode(errors.New("signal: killed")) != -1 {
		t.Error("an error that is no exit status should be -1")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary exits non-zero on an unknown flag: a real exit status.
	err = exec.Command(self, "-test.bogus-flag").Run()
	if got := exitCode(err); got <= 0 || exitText(err) != err.Error() {
		t.Errorf("exitCode(%v) = %d", err, got)
	}
}

func TestNewAppPrefix(t *testing.T) {
	if got := newApp(config.App{Name: "web"}, nil, nil, false).prefix; got != "[web] " {
		t.Errorf("plain prefix %q", got)
	}
	got := newApp(config.App{Name: "web"}, nil, nil, true).prefix
	if !strings.HasPrefix(got, "\x1b[") || !strings.HasSuffix(got, "m[web] \x1b[0m") {
		t.Errorf("colour prefix %q", got)
	}
}
