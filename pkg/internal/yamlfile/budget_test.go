package yamlfile

import (
	"strings"
	"testing"
)

func TestBudgetRefusesBombs(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"billion laughs", laughs(""), "f.yaml:6:8: too many alias expansions"},
		{"billion laughs message", laughs(""), "too many alias expansions (limit 100000 nodes)"},
		{"flow nesting", flowNesting(), "f.yaml:1:104: YAML nested more than 100 levels deep"},
		{"block nesting", blockNesting(500), "YAML nested more than 100 levels deep"},
		{"alias of deep node", "a: &a " + strings.Repeat("[", 90) + strings.Repeat("]", 90) + "\nb: " + strings.Repeat("[", 20) + "*a" + strings.Repeat("]", 20) + "\n", "once *a is expanded"},
	}
	for _, tt := range tests {
		err := CheckBudget("f.yaml", []byte(tt.src), 1<<20)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestBudgetAcceptsOrdinaryFiles(t *testing.T) {
	for _, src := range []string{
		"a: &claims {name: Alice, roles: [admin, dev]}\nusers: [{claims: *claims}, {claims: *claims}]\n",
		"s: 'it''s [not a list'\nt: \"[[[[\\\" [\"\n# [[[[[[\nu: x\n",
		blockNesting(60),
		"x: " + strings.Repeat("[", 60) + strings.Repeat("]", 60) + "\n",
		"",
	} {
		if err := CheckBudget("f.yaml", []byte(src), 1<<20); err != nil {
			t.Errorf("%q refused: %v", src, err)
		}
	}
}

func BenchmarkBudgetBillionLaughs(b *testing.B) {
	src := []byte(laughs(""))
	for b.Loop() {
		if CheckBudget("f.yaml", src, 1<<20) == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkBudgetFlowNesting(b *testing.B) {
	src := []byte(flowNesting())
	for b.Loop() {
		if CheckBudget("f.yaml", src, 1<<20) == nil {
			b.Fatal("accepted")
		}
	}
}
