package config

import (
	"strings"
	"testing"
)

// billionLaughs is a 564-byte-class alias bomb shaped like a real
// ssokit.yaml: a user's claims expand to 9⁹ values.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("issuer: http://localhost:9400/\nx-lols:\n")
	b.WriteString("  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, n := range "bcdefghi" {
		name := string(n)
		b.WriteString("  " + name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ") + "]\n")
		prev = name
	}
	b.WriteString("users:\n  - username: alice\n    claims: {lols: *i}\n")
	return b.String()
}

func TestParseRefusesAliasBomb(t *testing.T) {
	_, err := Parse("ssokit.yaml", []byte(billionLaughs()))
	if err == nil || !strings.Contains(err.Error(), "ssokit.yaml:8:") || !strings.Contains(err.Error(), "too many alias expansions (limit 100000 nodes)") {
		t.Fatalf("alias bomb: %v", err)
	}
}

func TestParseRefusesDeepNesting(t *testing.T) {
	flow := "users:\n  - username: alice\n    claims: {x: " + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + "}\n"
	var block strings.Builder
	block.WriteString("users:\n  - username: alice\n    claims:\n")
	for i := range 300 {
		block.WriteString(strings.Repeat(" ", 6+i) + "k:\n")
	}
	for name, src := range map[string]string{"flow": flow, "block": block.String()} {
		_, err := Parse("ssokit.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "YAML nested more than 100 levels deep") {
			t.Errorf("%s nesting: %v", name, err)
		}
	}
}

func BenchmarkParseAliasBomb(b *testing.B) {
	src := []byte(billionLaughs())
	for b.Loop() {
		if _, err := Parse("ssokit.yaml", src); err == nil {
			b.Fatal("accepted")
		}
	}
}
