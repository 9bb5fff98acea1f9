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

// TestREADMEErrorExample keeps the README's sample of config errors true:
// every line of it is what Load prints for testdata/bad.yaml.
func TestREADMEErrorExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "every problem is reported at once")
	_, block, ok := strings.Cut(section, "```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("no error sample after \"every problem is reported at once\" in the README")
	}
	src, err := os.ReadFile("testdata/bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("ssokit.yaml", src)
	if err == nil {
		t.Fatal("testdata/bad.yaml accepted")
	}
	got := err.Error() + "\n"
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("README line %q is not in the output:\n%s", line, got)
		}
	}
}

// TestREADMEAPIClaims keeps the README's API-claims section true: its
// ssokit.yaml loads, and its error sample is what Load prints for
// testdata/apis_bad.yaml (that file with `role` for `roles` and a sub: mapping).
func TestREADMEAPIClaims(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### Claims that APIs authorize on")
	section, _, _ = strings.Cut(section, "\n### ")
	if !ok {
		t.Fatal("README has no API claims section")
	}
	_, block, _ := strings.Cut(section, "```yaml\n")
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		t.Fatal("no yaml block in the README's API claims section")
	}
	cfg, err := Parse("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's API claims example does not load:\n%v", err)
	}
	if a, ok := cfg.API("https://api.example.com"); !ok || a.AccessTokenClaims["https://example.com/roles"] != "roles" || cfg.Clients[0].AccessTokenClaims["org_id"] != "org_id" {
		t.Errorf("README example decoded to %+v", cfg)
	}
	_, sample, _ := strings.Cut(section, "a\n  `sub:` mapping added:\n\n  ```\n")
	sample, _, ok = strings.Cut(sample, "```")
	if !ok {
		t.Fatal("no error sample in the README's API claims section")
	}
	src, err := os.ReadFile("testdata/apis_bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), strings.Replace(block, "https://example.com/roles: roles         # Auth0-style namespaced claim", "https://example.com/roles: role", 1)[:400]) {
		t.Error("testdata/apis_bad.yaml no longer starts like the README example")
	}
	_, err = Parse("ssokit.yaml", src)
	if err == nil {
		t.Fatal("testdata/apis_bad.yaml accepted")
	}
	for _, line := range strings.Split(strings.TrimSpace(sample), "\n") {
		if line = strings.TrimSpace(line); !strings.Contains(err.Error()+"\n", line+"\n") {
			t.Errorf("README line %q is not in the output:\n%v", line, err)
		}
	}
}
