// Package ci implements `ssokit new ci`: a GitHub Actions workflow for the
// user's repository that installs a pinned, checksum-verified ssokit
// release, starts `ssokit up`, waits with `ssokit healthcheck`, runs the
// flow suite (and Playwright specs when the repo has them) and uploads the
// reports.
package ci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
)

// WorkflowPath is where the workflow goes in the repository.
const WorkflowPath = ".github/workflows/ssokit.yml"

// Options are the flags of `ssokit new ci`.
type Options struct {
	IO *iostreams.IOStreams
	// Dir is the repository root.
	Dir string
	// Version is the ssokit release to install (1.4.0); default: this
	// binary's, when it is a release.
	Version string
	// SHA256 pins the linux/amd64 archive's digest in the workflow.
	SHA256 string
	// Flows are the flow files or globs `ssokit flow run` gets.
	Flows []string
	// Config is the ssokit.yaml `ssokit up` runs.
	Config string
	// Browser is --browser for flow run.
	Browser string
	Force   bool
	DryRun  bool
	// binaryVersion is the running ssokit's version string.
	binaryVersion string
}

// NewCmdCI returns `ssokit new ci`. runF replaces the run for tests.
func NewCmdCI(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, binaryVersion: f.Version}
	cmd := &cobra.Command{
		Use:   "ci [DIR]",
		Short: "Write a GitHub Actions workflow that runs your SSO flows",
		Long: `Write ` + WorkflowPath + ` in DIR (default: this directory, the
repository root). On every push and pull request the workflow:

  1. installs ssokit --version from its GitHub release, checking the archive
     against the release's checksums.txt and, with --sha256, against the
     digest pinned in the workflow (no Go needed on the runner);
  2. starts ` + "`ssokit up`" + ` in the background with --config (your apps' dev
     servers included; install their dependencies in a step before);
  3. waits up to 60 s for ` + "`ssokit healthcheck`" + `;
  4. runs ` + "`ssokit flow run`" + ` on --flows (failures become annotations on the
     pull request's diff and a browser matrix in the job summary);
  5. runs ` + "`npx playwright test`" + ` when the repo has a playwright.config (at its
     root, or in e2e/ where ssokit new playwright writes one);
  6. uploads the JUnit and HTML flow reports, ssokit's log and Playwright's
     report.

Every value you pass is validated and lands in the workflow's env: block as
a quoted string; the scripts read it as a shell variable, never as an
expression, so nothing you pass is evaluated by Actions or the shell.`,
		Example: `  # pin the release this binary is, run flows.yaml under every browser profile
  ssokit new ci --browser all

  # another release, its archive digest pinned, two flow files
  ssokit new ci --version 1.4.0 --sha256 3f5c…e1 --flows flows/login.yaml --flows flows/logout.yaml

  # look first
  ssokit new ci --dry-run`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Version, "version", "", "ssokit release to install, like 1.4.0 (default: this binary's version)")
	fl.StringVar(&opts.SHA256, "sha256", "", "pin the SHA-256 of the release's linux_amd64 archive in the workflow")
	fl.StringArrayVar(&opts.Flows, "flows", []string{"flows.yaml"}, "flow file or glob for `ssokit flow run` (repeatable)")
	fl.StringVarP(&opts.Config, "config", "c", "ssokit.yaml", "the ssokit.yaml `ssokit up` runs in CI")
	fl.StringVar(&opts.Browser, "browser", "all", "browser profile for the flows: chrome, chrome-3pc-blocked, safari, firefox or all")
	fl.BoolVar(&opts.Force, "force", false, "overwrite an existing "+WorkflowPath)
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the workflow instead of writing it")
	return cmd
}

var (
	reVersion = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$`)
	reRelease = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\b`)
	reSHA256  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// a path or glob relative to the repository: no spaces, quotes, $,
	// backticks, braces or other shell or expression syntax
	rePath     = regexp.MustCompile(`^[A-Za-z0-9._/*?\[\]-]+$`)
	reProfiles = regexp.MustCompile(`^(chrome|chrome-3pc-blocked|safari|firefox|all)$`)
)

// Values are what the workflow template receives, validated.
type Values struct {
	Version, SHA256, Config, Browser string
	Flows                            []string
}

// Validate checks opts and returns the template's values; every error is a
// usage error saying what to pass instead.
func Validate(o *Options) (Values, error) {
	v := Values{SHA256: strings.ToLower(o.SHA256), Config: o.Config, Browser: o.Browser, Flows: o.Flows}
	switch {
	case o.Version != "":
		m := reVersion.FindStringSubmatch(o.Version)
		if m == nil {
			return v, fmt.Errorf("--version %q is not a release version such as 1.4.0", o.Version)
		}
		v.Version = m[1]
	default:
		m := reRelease.FindStringSubmatch(o.binaryVersion)
		if m == nil || strings.HasPrefix(m[1], "0.0.0-") { // dev, or a go install pseudo-version
			return v, fmt.Errorf("this ssokit is a development build (%s), not a release: pass the release to install with --version, e.g. --version 1.4.0", strings.TrimSpace(o.binaryVersion))
		}
		v.Version = m[1]
	}
	if v.SHA256 != "" && !reSHA256.MatchString(v.SHA256) {
		return v, fmt.Errorf("--sha256 %q is not 64 hex digits (the digest of ssokit_%s_linux_amd64.tar.gz from the release's checksums.txt)", o.SHA256, v.Version)
	}
	if len(v.Flows) == 0 {
		return v, errors.New("--flows needs at least one flow file (create one with `ssokit flow init`)")
	}
	for _, p := range append([]string{v.Config}, v.Flows...) {
		if !rePath.MatchString(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "-") || strings.Contains(p, "..") {
			return v, fmt.Errorf("%q is not a plain relative path or glob (letters, digits, . _ - / * ? [ ]): the workflow runs in the repository root", p)
		}
	}
	if !reProfiles.MatchString(v.Browser) {
		return v, fmt.Errorf("--browser %q is not chrome, chrome-3pc-blocked, safari, firefox or all", v.Browser)
	}
	return v, nil
}

// Render returns the workflow for v.
func Render(v Values) ([]byte, error) {
	var b bytes.Buffer
	err := workflow.Execute(&b, v)
	return b.Bytes(), err
}

// Run writes (or prints) the workflow.
func Run(o *Options) error {
	v, err := Validate(o)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	out, err := Render(v)
	if err != nil {
		return err
	}
	if o.DryRun {
		_, err := o.IO.Out.Write(out)
		return err
	}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	path := filepath.Join(dir, filepath.FromSlash(WorkflowPath))
	if _, err := os.Stat(path); err == nil && !o.Force {
		return cmdutil.FlagErrorf("%s exists; pass --force to replace it, or --dry-run to see the new one", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &cmdutil.FlagError{Err: err}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	fmt.Fprintf(o.IO.ErrOut, "wrote %s: ssokit %s, flows %s\nCommit it; the next push runs it.\n", path, v.Version, strings.Join(v.Flows, " "))
	if v.SHA256 == "" {
		fmt.Fprintf(o.IO.ErrOut, "Tip: pin the archive's digest with --sha256 (from https://github.com/ssokit/ssokit/releases/download/v%s/checksums.txt).\n", v.Version)
	}
	return nil
}

// yamlString quotes s as a YAML double-quoted scalar (JSON's escaping is
// valid YAML 1.2), so no value can end the string or start a new key.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Delimiters <% %>: GitHub's own ${{ }} stays literal.
var workflow = template.Must(template.New("ssokit.yml").Delims("<%", "%>").Funcs(template.FuncMap{
	"q":    yamlString,
	"join": strings.Join,
}).Parse(workflowText))

// The scripts use only environment variables, quoted; the values are in
// env:, YAML-quoted. ${{ }} appears only with constants.
const workflowText = `# Written by ` + "`ssokit new ci`" + `. SSO flows against a local ssokit stack.
# Re-generate with: ssokit new ci --force
name: ssokit

on:
  push:
  pull_request:

permissions:
  contents: read

jobs:
  sso:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    env:
      SSOKIT_VERSION: <% q .Version %>
      # SHA-256 of ssokit_<version>_linux_amd64.tar.gz; empty: the release's checksums.txt alone
      SSOKIT_SHA256: <% q .SHA256 %>
      SSOKIT_CONFIG: <% q .Config %>
      SSOKIT_FLOWS: <% q (join .Flows " ") %>
      SSOKIT_BROWSER: <% q .Browser %>
    steps:
      - uses: actions/checkout@v4

      - name: Install ssokit
        run: |
          set -euo pipefail
          case "$(uname -m)" in
            x86_64) arch=amd64 ;;
            aarch64|arm64) arch=arm64 ;;
            *) echo "::error::no ssokit release for $(uname -m)"; exit 1 ;;
          esac
          archive="ssokit_${SSOKIT_VERSION}_linux_${arch}.tar.gz"
          base="https://github.com/ssokit/ssokit/releases/download/v${SSOKIT_VERSION}"
          cd "$RUNNER_TEMP"
          curl -fsSLO --retry 3 "$base/$archive"
          curl -fsSLO --retry 3 "$base/checksums.txt"
          grep -F "  $archive" checksums.txt | sha256sum --check --strict -
          if [ -n "$SSOKIT_SHA256" ] && [ "$arch" = amd64 ]; then
            echo "$SSOKIT_SHA256  $archive" | sha256sum --check --strict -
          fi
          mkdir -p "$RUNNER_TEMP/ssokit-bin"
          tar -xzf "$archive" -C "$RUNNER_TEMP/ssokit-bin" ssokit
          echo "$RUNNER_TEMP/ssokit-bin" >> "$GITHUB_PATH"
          "$RUNNER_TEMP/ssokit-bin/ssokit" version

      - name: Start ssokit up
        run: |
          set -euo pipefail
          if [ ! -f "$SSOKIT_CONFIG" ]; then unset SSOKIT_CONFIG; fi
          nohup ssokit up --log-format json > ssokit-up.log 2>&1 &
          echo "started ssokit up (pid $!)"

      - name: Wait for ssokit
        run: |
          for i in $(seq 60); do
            ssokit healthcheck --quiet && exit 0
            sleep 1
          done
          ssokit healthcheck || { cat ssokit-up.log; exit 1; }

      - name: SSO flows
        # SSOKIT_FLOWS holds paths and globs, split and expanded here on purpose
        run: ssokit flow run $SSOKIT_FLOWS --browser "$SSOKIT_BROWSER" --junit ssokit-junit.xml --html ssokit-report.html

      - name: Playwright specs
        if: ${{ hashFiles('playwright.config.*') != '' }}
        run: |
          set -euo pipefail
          npm ci
          npx playwright install --with-deps chromium
          npx playwright test

      - name: Playwright specs in e2e/ (ssokit new playwright)
        if: ${{ hashFiles('e2e/playwright.config.*') != '' }}
        working-directory: e2e
        run: |
          set -euo pipefail
          npm ci
          npx playwright install --with-deps chromium
          npx playwright test

      - name: Upload reports
        if: ${{ always() }}
        uses: actions/upload-artifact@v4
        with:
          name: ssokit-reports
          if-no-files-found: ignore
          path: |
            ssokit-junit.xml
            ssokit-report.html
            ssokit-up.log
            playwright-report/
            test-results/
            e2e/playwright-report/
            e2e/test-results/
`
