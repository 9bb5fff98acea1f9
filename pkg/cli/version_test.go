package cli

import (
	"context"
	"runtime/debug"
	"testing"
)

func TestVersionString(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "4d9fa6f0123456789abcdef"},
		{Key: "vcs.time", Value: "2026-12-02T12:00:00Z"},
	}
	dirty := append(append([]debug.BuildSetting(nil), vcs...), debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	tests := []struct {
		name    string
		v, c, d string
		bi      *debug.BuildInfo
		want    string
	}{
		{"ldflags win", "1.4.0", "abc1234", "2026-11-30", &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs}, "1.4.0 (commit abc1234, built 2026-11-30)"},
		{"go build in a checkout", "dev", "none", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "dev (commit 4d9fa6f01234, built 2026-12-02T12:00:00Z)"},
		{"go build, uncommitted edits", "dev", "none", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: dirty}, "dev (commit 4d9fa6f01234, modified, built 2026-12-02T12:00:00Z)"},
		{"go install @latest", "dev", "none", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"go build, Go 1.24+ stamps a pseudo-version", "dev", "none", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202120000-4d9fa6f01234"}, Settings: vcs}, "v0.0.0-20261202120000-4d9fa6f01234 (commit 4d9fa6f01234, built 2026-12-02T12:00:00Z)"},
		{"no build info", "dev", "none", "unknown", nil, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString(tt.v, tt.c, tt.d, tt.bi); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionFlagMatchesCommand(t *testing.T) {
	f, out, _ := testFactory()
	Run(context.Background(), f, []string{"version"})
	f2, out2, _ := testFactory()
	Run(context.Background(), f2, []string{"--version"})
	if out.String() != out2.String() || out.String() != "ssokit 1.2.3 (commit abc, built today)\n" {
		t.Errorf("version %q, --version %q", out, out2)
	}
}
