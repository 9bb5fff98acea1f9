package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

const goreleaserFile = "../../.goreleaser.yaml"

type goreleaserBuild struct {
	ID      string   `yaml:"id"`
	Main    string   `yaml:"main"`
	Env     []string `yaml:"env"`
	Goos    []string `yaml:"goos"`
	Goarch  []string `yaml:"goarch"`
	Ldflags []string `yaml:"ldflags"`
}

type goreleaserConfig struct {
	Version int               `yaml:"version"`
	Builds  []goreleaserBuild `yaml:"builds"`
	Kos     []struct {
		ID           string            `yaml:"id"`
		Build        string            `yaml:"build"`
		Main         string            `yaml:"main"`
		BaseImage    string            `yaml:"base_image"`
		User         string            `yaml:"user"`
		Repositories []string          `yaml:"repositories"`
		Platforms    []string          `yaml:"platforms"`
		Tags         []string          `yaml:"tags"`
		Bare         bool              `yaml:"bare"`
		Labels       map[string]string `yaml:"labels"`
	} `yaml:"kos"`
	Dockers []any `yaml:"dockers"`
}

// TestGoreleaserImage holds the image's promises in .goreleaser.yaml: a
// multi-arch (linux/amd64, linux/arm64) image built by ko, without a
// Dockerfile, from the static build, on distroless' nonroot base, run as a
// non-root user; the compose example's health check names the binary
// where ko puts it (/ko-app/ssokit). CI does not install goreleaser (a
// build of several hundred dependencies for one check), so this structure
// is what CI guarantees; `goreleaser check` is run by hand after editing
// the file (README "Containers" says how).
func TestGoreleaserImage(t *testing.T) {
	raw, err := os.ReadFile(goreleaserFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg goreleaserConfig
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", goreleaserFile, err)
	}
	if cfg.Version != 2 || len(cfg.Kos) != 1 || len(cfg.Dockers) != 0 {
		t.Fatalf("want version 2, one kos image and no dockers (Dockerfile) section: %+v", cfg)
	}
	if _, err := os.Stat("../../Dockerfile"); err == nil {
		t.Error("a Dockerfile exists; the image is built by ko from .goreleaser.yaml")
	}
	ko := cfg.Kos[0]
	bi := slices.IndexFunc(cfg.Builds, func(b goreleaserBuild) bool { return b.ID == ko.Build })
	if bi < 0 {
		t.Fatalf("kos.build %q names no build", ko.Build)
	}
	b := cfg.Builds[bi]
	if !slices.Contains(b.Env, "CGO_ENABLED=0") || b.Main != "./cmd/ssokit" || ko.Main != b.Main {
		t.Errorf("the image's build must be static and of ./cmd/ssokit: build %+v, kos.main %q", b, ko.Main)
	}
	if filepath.Base(ko.Main) != "ssokit" {
		t.Errorf("ko puts the binary at /ko-app/<base of main>; the health check expects /ko-app/ssokit")
	}
	if !slices.Equal(ko.Platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("platforms %q", ko.Platforms)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, arch) || !slices.Contains(b.Goos, "linux") {
			t.Errorf("the build lacks linux/%s", arch)
		}
	}
	if !strings.HasPrefix(ko.BaseImage, "gcr.io/distroless/static") || !strings.HasSuffix(ko.BaseImage, ":nonroot") {
		t.Errorf("base_image %q, want distroless static, nonroot", ko.BaseImage)
	}
	if ko.User == "" || strings.HasPrefix(ko.User, "0") || strings.HasPrefix(ko.User, "root") {
		t.Errorf("user %q, want a non-root uid", ko.User)
	}
	if len(ko.Repositories) == 0 || !ko.Bare || !slices.Contains(ko.Tags, "latest") || ko.Labels["org.opencontainers.image.source"] == "" {
		t.Errorf("repositories %q bare %v tags %q labels %v", ko.Repositories, ko.Bare, ko.Tags, ko.Labels)
	}
	for _, ld := range b.Ldflags {
		if strings.Contains(ld, "-X github.com/ssokit/ssokit/pkg/cli.version=") {
			return
		}
	}
	t.Error("the build no longer injects the version")
}
