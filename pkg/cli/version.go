package cli

import (
	"runtime/debug"
	"strings"
)

// Build information, set with -ldflags "-X github.com/ssokit/ssokit/pkg/cli.version=…".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Version is what `ssokit version` and `ssokit --version` print after
// "ssokit ". Release builds set it with -ldflags; `go build` and
// `go install …@latest` fall back to the build info the Go toolchain
// embeds: the module version and the VCS revision, time and dirty flag.
func Version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionString(version, commit, date, bi)
}

func versionString(v, c, d string, bi *debug.BuildInfo) string {
	if bi != nil {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		var rev, at, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if c == "none" && rev != "" {
			c = rev[:min(len(rev), 12)]
			if modified == "true" {
				c += ", modified"
			}
		}
		if d == "unknown" && at != "" {
			d = at
		}
	}
	var extra []string
	if c != "none" && c != "" {
		extra = append(extra, "commit "+c)
	}
	if d != "unknown" && d != "" {
		extra = append(extra, "built "+d)
	}
	if len(extra) == 0 {
		return v
	}
	return v + " (" + strings.Join(extra, ", ") + ")"
}
