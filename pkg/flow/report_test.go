package flow

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/internal/golden"
)

func sampleResults() []*Result {
	ms := time.Millisecond
	return []*Result{{
		File: "flows.yaml", Issuer: "http://localhost:9400/", Duration: 42 * ms,
		Flows: []*FlowResult{
			{Name: "sign in once", Browser: "chrome", Passed: true, Duration: 20 * ms, Steps: []*StepResult{
				{Kind: StepLogin, Label: "login shell as alice", Line: 9, Status: StatusPass, Duration: 12 * ms, Outcome: "tokens (sub alice)",
					Trace: []TraceLine{
						{From: "shell", To: "provider", Context: "top-level", Method: "GET", URL: "/authorize?client_id=shell&…", Status: 200},
						{From: "provider", To: "provider", Context: "top-level", Method: "POST", URL: "/login", Status: 302, Sent: []string{"ssokit_csrf"}},
						{From: "provider", To: "shell", Context: "top-level", Method: "GET", URL: "/callback?…", Note: "intercepted"},
						{From: "shell", To: "provider", Context: "fetch", Method: "POST", URL: "/oauth/token", Status: 200},
					}},
				{Kind: StepSilent, Label: "silent account", Line: 11, Status: StatusPass, Duration: 1500 * time.Microsecond, Outcome: "tokens (sub alice)"},
			}},
			{Name: "sign in once", Browser: "safari", Passed: false, Duration: 15 * ms, Steps: []*StepResult{
				{Kind: StepLogin, Label: "login shell as alice", Line: 9, Status: StatusPass, Duration: 12 * ms, Outcome: "tokens (sub alice)"},
				{Kind: StepSilent, Label: "silent account", Line: 11, Status: StatusFail, Duration: 2 * ms, Outcome: "error login_required",
					Failures:    []string{"expected tokens, got error login_required"},
					Explanation: "silent auth failed under safari: the provider's session cookie (ssokit_session, SameSite=None) is third-party in an iframe on http://127.0.0.1:5102 and ITP blocks it; mount the provider under the app's site or use refresh tokens",
					Trace: []TraceLine{{From: "account", To: "provider", Context: "iframe", Method: "GET", URL: "/authorize?client_id=account&prompt=none&…", Status: 302,
						Blocked: []string{"ssokit_session (ThirdPartyBlocked)"}}}},
				{Kind: StepRefresh, Label: "refresh account", Line: 13, Status: StatusSkip},
			}},
		},
	}}
}

func TestWriteText(t *testing.T) {
	var plain, verbose, matrix bytes.Buffer
	if err := WriteText(&plain, sampleResults(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&verbose, sampleResults(), TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMatrix(&matrix, sampleResults(), []string{"chrome", "chrome-3pc-blocked", "safari", "firefox"}, false); err != nil {
		t.Fatal(err)
	}
	golden.EqualString(t, filepath.Join("testdata", "report.golden"), plain.String()+"\n--- verbose\n"+verbose.String()+"\n--- matrix\n"+matrix.String())
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Passed  bool      `json:"passed"`
		Results []*Result `json:"results"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Passed || doc.Results[0].Flows[1].Steps[1].Explanation == "" || doc.Results[0].Flows[0].Steps[0].Trace[1].Sent[0] != "ssokit_csrf" {
		t.Errorf("JSON round trip: %s", b.String())
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	var v junitSuites
	if err := xml.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	golden.EqualString(t, filepath.Join("testdata", "junit.golden"), b.String())
	if v.Tests != 2 || v.Failures != 1 || v.Suites[0].Cases[1].Failure == nil || v.Suites[0].Cases[0].Failure != nil {
		t.Errorf("JUnit counts: %+v", v)
	}
}
