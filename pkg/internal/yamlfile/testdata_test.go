package yamlfile

import "strings"

// laughs is a billion-laughs document: nine anchors, each a list of nine
// aliases of the one before, so *i stands for 9⁹ (387 million) values.
func laughs(prefix string) string {
	var b strings.Builder
	b.WriteString(prefix + "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, n := range "bcdefghi" {
		name := string(n)
		b.WriteString(prefix + name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ") + "]\n")
		prev = name
	}
	return b.String()
}

// flowNesting is 100 KB of [[[[…]]]].
func flowNesting() string {
	return "x: " + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + "\n"
}

// blockNesting nests block mappings n deep.
func blockNesting(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}
