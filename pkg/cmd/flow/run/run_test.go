package run_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/internal/golden"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/stack"
)

// ssokit runs the CLI in-process and returns exit code, stdout, stderr.
func ssokit(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, Version: "test"}
	code := cli.Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

var (
	reDur  = regexp.MustCompile(`\b\d+(\.\d+)?(ms|s|µs)\b`)
	rePort = regexp.MustCompile(`localhost:\d{4,5}\b`)
	reSID  = regexp.MustCompile(`sid [A-Za-z0-9_-]{8}…`)
	// The provider's error_description is its own prose, not ours.
	reDesc = regexp.MustCompile(`(?m)(error [a-z_]+): .*$`)
)

// normalise removes what changes between runs: times, ports, session ids.
func normalise(s string) string {
	s = reDur.ReplaceAllString(s, "T")
	s = rePort.ReplaceAllString(s, "localhost:PORT")
	s = reSID.ReplaceAllString(s, "sid SID…")
	s = reDesc.ReplaceAllString(s, "$1: DESCRIPTION")
	// Column padding depends on the times' widths.
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = regexp.MustCompile(` {2,}T`).ReplaceAllString(l, " T")
	}
	return strings.Join(lines, "\n")
}

func TestExampleSuitePasses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.yaml")
	if code, _, errOut := ssokit(t, "flow", "init", path); code != 0 {
		t.Fatalf("flow init: exit %d: %s", code, errOut)
	}
	code, out, errOut := ssokit(t, "flow", "run", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	f, _ := flow.ReadFile(path)
	want := len(f.Flows)
	if !strings.Contains(out, " passed, 0 failed") || strings.Count(out, "  PASS ") != want {
		t.Errorf("report:\n%s", out)
	}
	// Every profile, two flows at a time.
	code, out, errOut = ssokit(t, "flow", "run", path, "--browser", "all", "--parallel", "2")
	if code != 0 {
		t.Fatalf("--browser all: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "flow  ") || strings.Contains(out, "FAIL") {
		t.Errorf("matrix:\n%s", out)
	}
}

func TestFailureModes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"wrong-expectation", nil, 1, []string{`claim sub: got "alice", want "bob"`, `claim amr: got ["pwd"], want it to contain "otp"`, "- refresh account", "skipped"}},
		{"provider-error", nil, 1, []string{"the provider answered 500 at /authorize?client_id=shell&… instead of redirecting to the app: ssokit: injected fault (HTTP 500)",
			"expected tokens, got error temporarily_unavailable"}},
		{"policy-blocked", []string{"--browser", "all"}, 1, []string{
			"silent auth failed under safari: the provider's session cookie (ssokit_session, SameSite=None) is third-party in an iframe on http://127.0.0.1:5102 and ITP blocks it; mount the provider under the app's site or use refresh tokens",
			"silent auth failed under firefox:", "silent auth failed under chrome-3pc-blocked:",
			"cross-site silent auth  pass    FAIL                FAIL    FAIL"}},
		{"lax-cross-site", []string{"--browser", "safari"}, 1, []string{
			"silent auth failed under safari: the provider's session cookie (ssokit_session) is SameSite=Lax and the request in an iframe on http://127.0.0.1:5102 is cross-site to http://localhost:"}},
		{"timeout", nil, 1, []string{"timed out after 300ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"flow", "run", filepath.Join("testdata", tt.name+".yaml")}, tt.args...)
			code, out, errOut := ssokit(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q:\n%s", w, out)
				}
			}
			golden.EqualString(t, filepath.Join("testdata", tt.name+".golden"), normalise(out))
		})
	}
}

func TestVerboseArrows(t *testing.T) {
	code, out, _ := ssokit(t, "flow", "run", "testdata/policy-blocked.yaml", "--browser", "safari", "--verbose")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{
		"shell → provider GET  /authorize?client_id=shell&… 200",
		"provider → shell    GET  /callback?… — · intercepted",
		"account → provider GET  /authorize?client_id=account&prompt=none&… 302 (iframe) · withheld: ssokit_session (ThirdPartyBlocked)",
		"shell → provider POST /oauth/token 200",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("verbose report lacks %q:\n%s", w, out)
		}
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"schema error", []string{"testdata/bad.yaml"}, `testdata/bad.yaml:6:22: unknown app "shel" (declared: shell)`},
		{"every file checked first", []string{"testdata/bad.yaml", "testdata/missing.yaml"}, "testdata/missing.yaml: no such file or directory"},
		{"unknown profile", []string{"testdata/timeout.yaml", "--browser", "ie6"}, `unknown browser profile "ie6"`},
		{"no files", nil, "needs at least one flow file"},
		{"bad parallel", []string{"testdata/timeout.yaml", "--parallel", "0"}, "--parallel must be at least 1"},
		{"unreachable issuer", []string{"testdata/timeout.yaml", "--issuer", "http://127.0.0.1:1/"}, "issuer unreachable: fetching http://127.0.0.1:1/.well-known/openid-configuration"},
	}
	for _, tt := range tests {
		code, out, errOut := ssokit(t, append([]string{"flow", "run"}, tt.args...)...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", tt.name, code)
		}
		if !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: stderr lacks %q:\n%s", tt.name, tt.want, errOut)
		}
		if out != "" {
			t.Errorf("%s: stdout not empty: %s", tt.name, out)
		}
	}
}

func TestJSONAndJUnit(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errOut := ssokit(t, "flow", "run", "testdata/provider-error.yaml", "--json", "--junit", junit)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Passed  bool
		Results []flow.Result
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if doc.Passed || len(doc.Results) != 1 || len(doc.Results[0].Flows) != 2 || doc.Results[0].Flows[0].Steps[1].Status != flow.StatusFail {
		t.Errorf("JSON: %s", out)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatalf("JUnit XML: %v\n%s", err, b)
	}
	if suites.Tests != 2 || suites.Failures != 2 || suites.Suites[0].Cases[0].Name != "the provider is down [chrome]" ||
		!strings.Contains(suites.Suites[0].Cases[0].Failure.Message, "step 2 (login shell as alice, line 8) failed") {
		t.Errorf("JUnit:\n%s", b)
	}
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.yaml")
	if code, _, _ := ssokit(t, "flow", "init", path); code != 0 {
		t.Fatal("first init failed")
	}
	if code, _, errOut := ssokit(t, "flow", "init", path); code != 2 || !strings.Contains(errOut, "exists; use --force") {
		t.Errorf("overwrite: exit %d, %s", code, errOut)
	}
	if code, _, _ := ssokit(t, "flow", "init", path, "--force"); code != 0 {
		t.Error("--force failed")
	}
	code, out, _ := ssokit(t, "flow", "init", "-")
	if code != 0 || !bytes.Equal([]byte(out), flow.Example()) {
		t.Error("init - did not print the example")
	}
}

// An issuer served with a certificate from ssokit's local CA (up --tls) is
// reached with --cacert: the run gets past TLS to the (missing) discovery
// document instead of failing with "x509: unknown authority".
func TestCACert(t *testing.T) {
	issuer, cacert := tlsIssuer(t)
	code, _, errOut := ssokit(t, "flow", "run", "testdata/timeout.yaml", "--issuer", issuer)
	if code != 2 || !strings.Contains(errOut, "certificate") {
		t.Fatalf("without --cacert: exit %d %s", code, errOut)
	}
	code, _, errOut = ssokit(t, "flow", "run", "testdata/timeout.yaml", "--issuer", issuer, "--cacert", cacert)
	if code != 2 || !strings.Contains(errOut, "404 Not Found, not a discovery document") {
		t.Fatalf("with --cacert: exit %d %s", code, errOut)
	}
}

// tlsIssuer serves 404s over HTTPS with a certificate from a fresh local CA
// (in a temporary config dir) and returns its URL and the CA file.
func tlsIssuer(t *testing.T) (issuer, cacert string) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	ca, err := stack.LoadOrCreateCA(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.ServerConfig(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/", ca.Path
}
