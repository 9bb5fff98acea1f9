package ci

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
)

type workflowDoc struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		RunsOn  string            `yaml:"runs-on"`
		Timeout int               `yaml:"timeout-minutes"`
		Env     map[string]string `yaml:"env"`
		Steps   []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			Dir  string            `yaml:"working-directory"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func parse(t *testing.T, b []byte) workflowDoc {
	t.Helper()
	var d workflowDoc
	if err := yaml.UnmarshalWithOptions(b, &d, yaml.Strict()); err != nil {
		t.Fatalf("the workflow is not valid YAML of the expected shape: %v\n%s", err, b)
	}
	return d
}

func newCmd(args ...string) (int, string, string) {
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmdCI(&cmdutil.Factory{IOStreams: ios, Now: time.Now, Version: "1.4.0 (commit abc, built 2026-12-01)"}, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return cmdutil.ExitCode(err), out.String(), errOut.String()
}

// TestWorkflow writes the workflow as a user would and checks what GitHub
// will run: the job's steps in order, each script valid bash reading only
// environment variables, the values in env: exactly as given.
func TestWorkflow(t *testing.T) {
	dir := t.TempDir()
	sha := strings.Repeat("ab", 32)
	code, _, errOut := newCmd(dir, "--sha256", strings.ToUpper(sha), "--flows", "flows/*.yaml", "--flows", "sso[1].yaml", "--browser", "safari")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".github", "workflows", "ssokit.yml"))
	if err != nil {
		t.Fatal(err)
	}
	d := parse(t, b)
	job, ok := d.Jobs["sso"]
	if !ok || d.Name != "ssokit" || d.Permissions["contents"] != "read" || job.RunsOn != "ubuntu-latest" || job.Timeout == 0 {
		t.Fatalf("workflow: %+v", d)
	}
	if _, ok := d.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	wantEnv := map[string]string{"SSOKIT_VERSION": "1.4.0", "SSOKIT_SHA256": sha, "SSOKIT_CONFIG": "ssokit.yaml", "SSOKIT_FLOWS": "flows/*.yaml sso[1].yaml", "SSOKIT_BROWSER": "safari"}
	for k, v := range wantEnv {
		if job.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, job.Env[k], v)
		}
	}
	var names []string
	for _, s := range job.Steps {
		names = append(names, s.Name+s.Uses)
		if s.Uses != "" && !strings.Contains(s.Uses, "@v") {
			t.Errorf("action %q is not pinned", s.Uses)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q interpolates an expression into its script:\n%s", s.Name, s.Run)
		}
		if s.Run != "" {
			sh := exec.Command("bash", "-n")
			sh.Stdin = strings.NewReader(s.Run)
			if out, err := sh.CombinedOutput(); err != nil {
				t.Errorf("step %q is not valid bash: %v\n%s", s.Name, err, out)
			}
		}
	}
	want := "actions/checkout@v4|Install ssokit|Start ssokit up|Wait for ssokit|SSO flows|Playwright specs|Playwright specs in e2e/ (ssokit new playwright)|Upload reports"
	if got := strings.Join(names, "|"); !strings.HasPrefix(got+"actions/upload-artifact@v4", want) {
		t.Errorf("steps %s, want %s", got, want)
	}
	step := func(name string) string {
		for _, s := range job.Steps {
			if s.Name == name {
				return s.Run + s.If + s.Uses + s.With["path"]
			}
		}
		t.Fatalf("no step %q", name)
		return ""
	}
	for name, wants := range map[string][]string{
		"Install ssokit":   {`sha256sum --check --strict`, `checksums.txt`, `"$SSOKIT_SHA256  $archive"`, `releases/download/v${SSOKIT_VERSION}`, `>> "$GITHUB_PATH"`},
		"Start ssokit up":  {"nohup ssokit up", "&"},
		"Wait for ssokit":  {"ssokit healthcheck --quiet", "seq 60"},
		"SSO flows":        {"ssokit flow run $SSOKIT_FLOWS", `--browser "$SSOKIT_BROWSER"`, "--junit ssokit-junit.xml", "--html ssokit-report.html"},
		"Playwright specs": {"hashFiles('playwright.config.*')", "npx playwright test"},
		"Playwright specs in e2e/ (ssokit new playwright)": {"hashFiles('e2e/playwright.config.*')", "npx playwright test"},
		"Upload reports": {"always()", "actions/upload-artifact@v4", "ssokit-junit.xml", "ssokit-report.html", "ssokit-up.log", "playwright-report/", "e2e/playwright-report/"},
	} {
		got := step(name)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("step %q lacks %q:\n%s", name, w, got)
			}
		}
	}

	// the archive name the script builds is the one .goreleaser.yaml makes
	gr, err := os.ReadFile("../../../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gr), `name_template: "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}"`) || !strings.Contains(step("Install ssokit"), `archive="ssokit_${SSOKIT_VERSION}_linux_${arch}.tar.gz"`) {
		t.Error("the workflow's archive name no longer matches .goreleaser.yaml's archives.name_template")
	}

	// an existing workflow is not replaced without --force
	if code, _, errOut := newCmd(dir); code != 2 || !strings.Contains(errOut, "--force") {
		t.Errorf("second run: exit %d %q", code, errOut)
	}
	if code, _, errOut := newCmd(dir, "--force"); code != 0 {
		t.Errorf("--force: exit %d %q", code, errOut)
	}
}

func TestWorkflowDryRunDefaults(t *testing.T) {
	code, out, errOut := newCmd("--dry-run")
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	d := parse(t, []byte(out))
	env := d.Jobs["sso"].Env
	if env["SSOKIT_VERSION"] != "1.4.0" || env["SSOKIT_FLOWS"] != "flows.yaml" || env["SSOKIT_BROWSER"] != "all" || env["SSOKIT_SHA256"] != "" {
		t.Errorf("defaults: %v", env)
	}
}

// Values reach the workflow only as YAML-quoted env strings: even a value
// Validate would refuse cannot add a key, a step or an expression.
func TestRenderQuotesValues(t *testing.T) {
	evil := "1\"\n      EVIL: \"x\" # ${{ github.token }}\n    steps: []\n'"
	b, err := Render(Values{Version: evil, SHA256: "", Config: "a: b", Browser: "*alias", Flows: []string{"&anchor", "x\\y"}})
	if err != nil {
		t.Fatal(err)
	}
	d := parse(t, b)
	env := d.Jobs["sso"].Env
	if env["SSOKIT_VERSION"] != evil || env["SSOKIT_CONFIG"] != "a: b" || env["SSOKIT_BROWSER"] != "*alias" || env["SSOKIT_FLOWS"] != "&anchor x\\y" {
		t.Errorf("values changed on the way: %q", env)
	}
	if _, ok := env["EVIL"]; ok || len(d.Jobs["sso"].Steps) != 8 {
		t.Errorf("a value added a key or removed steps: env %q, %d steps", env, len(d.Jobs["sso"].Steps))
	}
}

func TestBadInput(t *testing.T) {
	for args, want := range map[string]string{
		"--version latest":                 `--version "latest" is not a release version`,
		"--version 1.4":                    "is not a release version",
		"--sha256 abc":                     "is not 64 hex digits",
		"--flows $(rm${IFS}-rf)":           "is not a plain relative path",
		"--flows /etc/passwd":              "is not a plain relative path",
		"--flows ../up.yaml":               "is not a plain relative path",
		"--config ssokit.yaml;curl${IFS}x": "is not a plain relative path",
		"--flows ${{github.token}}":        "is not a plain relative path",
		"--browser ie6":                    `--browser "ie6" is not`,
	} {
		code, out, errOut := newCmd(append([]string{"--dry-run"}, strings.Fields(args)...)...)
		if code != 2 || !strings.Contains(errOut, want) || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want 2 and %q)", args, code, out, errOut, want)
		}
	}
	// a development build must be told which release to install
	for _, v := range []string{"dev (commit none, built unknown)", "v0.0.0-20261201101010-abcdefabcdef (commit abc)"} {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmdCI(&cmdutil.Factory{IOStreams: ios, Version: v}, nil)
		cmd.SetArgs([]string{"--dry-run"})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "development build") || !strings.Contains(err.Error(), "--version") {
			t.Errorf("%s: %v", v, err)
		}
	}
}
