package flow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/internal/golden"
)

func TestParseExample(t *testing.T) {
	f, err := Parse("flows.yaml", Example())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Apps) != 6 || f.Apps[0].Name != "shell" || f.App("legacy").Origin != "http://127.0.0.1:5104" {
		t.Errorf("apps: %+v", f.Apps)
	}
	if f.Timeout != 10*time.Second || f.Browser != "chrome" || f.Provider != "embedded" {
		t.Errorf("defaults: %+v", f)
	}
	if len(f.Flows) < 5 {
		t.Fatalf("flows: %d", len(f.Flows))
	}
	first := f.Flows[0]
	login, ok := first.Steps[0].act.(*loginStep)
	if first.Steps[0].Kind != StepLogin || !ok || login.User != "alice" {
		t.Errorf("first step: %+v", first.Steps[0])
	}
	if silent, ok := first.Steps[1].act.(*silentStep); !ok || silent.App != "account" {
		t.Errorf("second step: %+v", first.Steps[1])
	}
	if e := first.Steps[1].Expect; e == nil || e.SameSessionAs != "shell" || e.Tokens == nil || !*e.Tokens {
		t.Errorf("expect: %+v", e)
	}
	if u := f.User("alice"); u.Password != "alice" || u.Claims["email"] != "alice@example.com" {
		t.Errorf("user: %+v", u)
	}
}

func TestParseErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	var out strings.Builder
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(filepath.ToSlash(path), b)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: err = %v, want *ParseError", path, err)
		}
		out.WriteString(pe.Error() + "\n\n")
	}
	golden.EqualString(t, filepath.Join("testdata", "errors.golden"), out.String())
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "empty flow file"},
		{"scalar file", "hello", "a flow file must be a mapping"},
		{"no apps", "flows: [{steps: [{wait: 1s}]}]", "has no apps"},
		{"unknown top key", "apps: {a: {origin: 'http://localhost:1'}}\nflow: []", `did you mean "flows"?`},
		{"provider not a URL", "provider: ftp://x\napps: {a: {origin: 'http://localhost:1'}}\nflows: [{steps: [{wait: 1s}]}]", "provider must be"},
		{"login without user", "apps: {a: {origin: 'http://localhost:1'}}\nflows: [{steps: [{login: a}]}]", "login needs a user"},
		{"step without app", "apps: {a: {origin: 'http://localhost:1'}}\nflows: [{steps: [{silent: {}}]}]", "silent needs an app"},
		{"duplicate key", "apps: {a: {origin: 'http://localhost:1'}}\napps: {}\nflows: [{steps: [{wait: 1s}]}]", "already defined"},
		{"aliases work", "apps: {a: &o {origin: 'http://localhost:1'}, b: *o}\nflows: [{steps: [{silent: b}]}]", ""},
		{"fault endpoint checked", "apps: {a: {origin: 'http://localhost:1'}}\nflows: [{steps: [{fault: {endpoint: tokn, error: not_a_code}}]}]", `fault endpoint: "tokn" is not one of`},
		{"fault error checked", "apps: {a: {origin: 'http://localhost:1'}}\nflows: [{steps: [{fault: {endpoint: token, error: login_required}}]}]", `fault error: "login_required" is not one of temporarily_unavailable, server_error, http_500 at token`},
		{"bare seconds", "apps: {a: {origin: 'http://localhost:1'}}\nflows: [{steps: [{wait: 2}]}]", ""},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.src))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Example())
	f.Add([]byte("apps: {a: {origin: 'http://localhost:1'}}\nflows: [{steps: [{login: {app: a, user: u}, expect: {claims: {x: [1, {y: z}]}}}]}]"))
	f.Add([]byte("a: &x [*x]"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("fuzz.yaml", src)
		if err == nil {
			if file == nil {
				t.Fatal("nil file without error")
			}
			return
		}
		var pe *ParseError
		if !errors.As(err, &pe) || len(pe.Diags) == 0 {
			t.Fatalf("error %v is not a ParseError with positions", err)
		}
		for _, d := range pe.Diags {
			if d.Pos.Line < 1 || d.Pos.Col < 0 {
				t.Fatalf("diag without a position: %+v", d)
			}
		}
	})
}

// BenchmarkParse measures parsing and validating the example suite.
func BenchmarkParse(b *testing.B) {
	src := Example()
	for b.Loop() {
		if _, err := Parse("flows.yaml", src); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseRefusesAliasBombAndDeepNesting(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("apps: {a: {origin: 'http://localhost:1'}}\nusers:\n  alice:\n    claims:\n")
	bomb.WriteString("      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, n := range "bcdefghi" {
		name := string(n)
		bomb.WriteString("      " + name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ") + "]\n")
		prev = name
	}
	bomb.WriteString("flows: [{steps: [{wait: 1s}]}]\n")
	deep := "apps: {a: {origin: 'http://localhost:1'}}\nusers: {alice: {claims: {x: " + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + "}}}\nflows: [{steps: [{wait: 1s}]}]\n"
	for name, tt := range map[string]struct{ src, want string }{
		"bomb": {bomb.String(), "flows.yaml:10:"},
		"deep": {deep, "flows.yaml:2:"},
	} {
		_, err := Parse("flows.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "too many alias expansions") && !strings.Contains(err.Error(), "nested more than 100 levels") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestParseOneErrorPerMistake: a misspelt step kind is one error, not also
// "the step says no action".
func TestParseOneErrorPerMistake(t *testing.T) {
	_, err := Parse("f.yaml", []byte("apps: {a: {origin: 'http://localhost:1'}}\nflows:\n  - steps:\n      - slient: a\n        expect: {tokens: true}\n"))
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Diags) != 1 || !strings.Contains(pe.Diags[0].Msg, `did you mean "silent"?`) {
		t.Fatalf("want one error with a hint, got %v", err)
	}
}
