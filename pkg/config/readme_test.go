package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEExample keeps the ssokit.yaml shown in README.md valid.
func TestREADMEExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### `ssokit.yaml`")
	if !ok {
		t.Fatal("README has no ssokit.yaml section")
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml block in the README's ssokit.yaml section")
	}
	cfg, err := Parse("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's ssokit.yaml does not load:\n%v", err)
	}
	if len(cfg.Clients) != 2 || len(cfg.Apps) != 2 || cfg.Users[0].Password != "alice" {
		t.Errorf("README example decoded to %+v", cfg)
	}
}
