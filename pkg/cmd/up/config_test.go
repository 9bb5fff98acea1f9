package up

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindConfig(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "account", "src")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "ssokit.yaml")
	if err := os.WriteFile(cfg, []byte("users: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "dev.yaml")
	if err := os.WriteFile(other, []byte("users: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvConfig {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name           string
		flag           string
		explicit       bool
		getenv         func(string) string
		dir            string
		path, source   string
		wantErrContain string
	}{
		{"here", "ssokit.yaml", false, noEnv, root, cfg, "in this directory", ""},
		{"two levels up", "ssokit.yaml", false, noEnv, app, filepath.Join(app, "..", "..", "ssokit.yaml"), "found in a parent directory", ""},
		{"SSOKIT_CONFIG wins over the search", "ssokit.yaml", false, env(other), app, other, EnvConfig, ""},
		{"--config wins over SSOKIT_CONFIG", cfg, true, env(other), app, cfg, "--config", ""},
		{"SSOKIT_CONFIG missing", "ssokit.yaml", false, env(filepath.Join(root, "nope.yaml")), app, "", "", "from SSOKIT_CONFIG"},
		{"--config missing", filepath.Join(root, "nope.yaml"), true, noEnv, app, "", "", "omit --config"},
		{"none: the demo", "ssokit.yaml", false, noEnv, filepath.Dir(other), "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, source, err := findConfig(tt.flag, tt.explicit, tt.getenv, tt.dir)
			if tt.wantErrContain != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrContain) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErrContain)
				}
				return
			}
			if err != nil || path != tt.path || source != tt.source {
				t.Errorf("= %q, %q, %v; want %q, %q", path, source, err, tt.path, tt.source)
			}
		})
	}
}
