package run_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/cmd/flow/run"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// chromiumAPIsGolden is headless Chromium's measurement of FedCM and the
// Storage Access API against ssokit's provider, written by
// pkg/provider TestThirdPartyCookieAPIsTable (-update re-measures it).
var chromiumAPIsGolden = filepath.Join("..", "..", "..", "provider", "testdata", "sdk", "third-party-cookie-apis.golden.md")

// judgeColumns are the golden's columns, in order; a change of shape fails
// the test rather than comparing the wrong cells.
var judgeColumns = []string{
	"session cookie", "third-party cookies",
	"FedCM (navigator.credentials.get, account chosen)",
	"Storage Access: framed silent request (no gesture)",
	"Storage Access: click in the frame, prompt declined",
	"Storage Access: prompt accepted, framed again",
}

// judgeRow is one measured row: the cookie setting, the third-party
// cookie setting and Chromium's verdict per API column.
type judgeRow struct {
	line            int
	sameSite        string // "lax" or "none", as flow files spell it
	blocked         bool
	chromium        []string // verdicts of the four API columns
	cookie, thirdPC string   // the row's own words, for messages
}

// parseJudgeGolden reads the Markdown table, failing on any shape it does
// not know: other columns, other cookie or third-party settings, other
// verdict spellings.
func parseJudgeGolden(t *testing.T, src string) []judgeRow {
	t.Helper()
	lines := strings.Split(strings.TrimRight(src, "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("%s: %d lines, want a header, a separator and rows", chromiumAPIsGolden, len(lines))
	}
	cells := func(i int) []string {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "|") || !strings.HasSuffix(l, "|") {
			t.Fatalf("%s:%d: not a table row: %q", chromiumAPIsGolden, i+1, l)
		}
		parts := strings.Split(l[1:len(l)-1], " | ")
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		return parts
	}
	if got := cells(0); strings.Join(got, "\n") != strings.Join(judgeColumns, "\n") {
		t.Fatalf("%s:1: columns changed:\n got %q\nwant %q\n(update this test's mapping for the new measurement)", chromiumAPIsGolden, got, judgeColumns)
	}
	var rows []judgeRow
	for i := 2; i < len(lines); i++ {
		c := cells(i)
		if len(c) != len(judgeColumns) {
			t.Fatalf("%s:%d: %d cells, want %d: %q", chromiumAPIsGolden, i+1, len(c), len(judgeColumns), lines[i])
		}
		r := judgeRow{line: i + 1, cookie: c[0], thirdPC: c[1]}
		switch c[0] {
		case "`SameSite=Lax`":
			r.sameSite = "lax"
		case "`SameSite=None; Secure`":
			r.sameSite = "none"
		default:
			t.Fatalf("%s:%d: unknown session cookie setting %q", chromiumAPIsGolden, i+1, c[0])
		}
		switch c[1] {
		case "blocked (default)":
			r.blocked = true
		case "allowed":
		default:
			t.Fatalf("%s:%d: unknown third-party cookie setting %q", chromiumAPIsGolden, i+1, c[1])
		}
		for col, cell := range c[2:] {
			v, ok := chromiumVerdict(cell)
			if !ok {
				t.Fatalf("%s:%d: column %q: verdict %q is not one this test knows how to compare; teach chromiumVerdict its meaning", chromiumAPIsGolden, i+1, judgeColumns[col+2], cell)
			}
			r.chromium = append(r.chromium, v)
		}
		rows = append(rows, r)
	}
	if len(rows) != 4 {
		t.Fatalf("%s: %d rows, want the four cookie × third-party settings", chromiumAPIsGolden, len(rows))
	}
	return rows
}

// Verdicts, the vocabulary both sides are mapped to.
const (
	vIDToken          = "ID token"
	vCode             = "code"
	vNoAccount        = "no account"
	vGestureRequired  = "gesture required"
	vAccessDenied     = "access_denied"
	vLoginRequired    = "login_required"
	vNotMeasured      = "not measured"
	vAlreadyHasCookie = "code (cookie sent)"
)

// chromiumVerdict maps a golden cell to a verdict.
func chromiumVerdict(cell string) (string, bool) {
	switch {
	case cell == "–":
		return vNotMeasured, true
	case cell == "✅ ID token":
		return vIDToken, true
	case cell == "✅ code":
		return vCode, true
	case strings.HasPrefix(cell, "✅ code (cookie sent"):
		return vAlreadyHasCookie, true
	case strings.HasPrefix(cell, "❌ no account:"):
		return vNoAccount, true
	case strings.HasPrefix(cell, "❌ interaction_required, `storage_access: gesture_required`"):
		return vGestureRequired, true
	case strings.HasPrefix(cell, "❌ access_denied"):
		return vAccessDenied, true
	case strings.HasPrefix(cell, "❌ login_required"):
		return vLoginRequired, true
	}
	return "", false
}

// simulate runs the row's scenario through the simulator against ssokit's
// provider, as TestThirdPartyCookieAPIsTable runs it in Chromium: a
// first-party sign-in at the provider, then for an app cross-site to it
// FedCM (account chosen), a framed silent request, and — only when that
// asked for a gesture — a click with the prompt declined and a new frame
// once the prompt was accepted.
//
// The framed silent column needs one mapping: Chromium runs the
// provider's storage-access page (JavaScript), which answers
// interaction_required/gesture_required when the frame has no storage
// access; the simulator runs no scripts and sees the silent request's
// login_required with the session cookie withheld. When the browser
// withheld it for the third-party policy (storage access could lift that),
// the page would have asked for the gesture; when only SameSite withheld
// it, the page had storage access and answers login_required.
func simulate(t *testing.T, r judgeRow) []string {
	t.Helper()
	profile := "chrome"
	if r.blocked {
		profile = "chrome-3pc-blocked"
	}
	src := fmt.Sprintf(`session_cookie: {same_site: %s}
browser: %s
apps:
  app-x: {origin: http://127.0.0.1:5102}
users: {alice: {password: alice}}
flows:
  - name: sign in at the provider, then FedCM
    steps:
      - login: {app: app-x, user: alice}
      - fedcm: app-x
  - name: sign in at the provider, then a framed silent request
    steps:
      - login: {app: app-x, user: alice}
      - silent: app-x
  - name: prompt declined, then accepted and framed again
    steps:
      - login: {app: app-x, user: alice}
      - storage-access: {app: app-x, prompt: decline}
        expect: {tokens: false}
      - storage-access: app-x
        expect: {tokens: false}
      - silent: app-x
`, r.sameSite, profile)
	f, err := flow.Parse("judge.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	issuer, stop, err := run.StartEmbedded(context.Background(), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := (&flow.Runner{Issuer: issuer}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	// each verdict step ends its flow (a failing step skips the rest);
	// expect: {tokens: false} passes whatever storage-access answers
	fc, sil, second := res.Flows[0].Steps, res.Flows[1].Steps, res.Flows[2].Steps
	for _, fl := range res.Flows {
		if s := fl.Steps[0]; s.Status != flow.StatusPass {
			t.Fatalf("%s: the first-party sign-in failed: %v", r.cookie, s.Failures)
		}
	}
	out := []string{fedcmVerdict(t, fc[1])}
	silent := silentVerdict(t, sil[1])
	if silent != vGestureRequired {
		if silent == vCode {
			silent = vAlreadyHasCookie
		}
		return append(out, silent, vNotMeasured, vNotMeasured)
	}
	declined := second[1]
	if !strings.HasPrefix(declined.Outcome, "error access_denied") {
		t.Fatalf("storage-access with the prompt declined: %s", declined.Outcome)
	}
	out = append(out, silent, vAccessDenied)
	if !strings.HasPrefix(second[2].Outcome, "storage access granted") {
		return append(out, "storage-access refused: "+second[2].Outcome)
	}
	return append(out, silentVerdict(t, second[3]))
}

func fedcmVerdict(t *testing.T, s *flow.StepResult) string {
	switch {
	case strings.HasPrefix(s.Outcome, "tokens"):
		return vIDToken
	case strings.HasPrefix(s.Outcome, "error login_required") && strings.Contains(s.Explanation, "accounts endpoint answered") &&
		strings.Contains(s.Explanation, `shows its "sign in to the provider" dialog`):
		// Chromium's cell: no account, and it asks to sign in to the provider
		return vNoAccount
	}
	return "fedcm: " + s.Outcome
}

// silentVerdict maps a silent step in the cross-site frame to the answer
// the provider's storage-access page gives in Chromium (see simulate).
func silentVerdict(t *testing.T, s *flow.StepResult) string {
	if strings.HasPrefix(s.Outcome, "tokens") {
		return vCode
	}
	if !strings.HasPrefix(s.Outcome, "error login_required") {
		return "silent: " + s.Outcome
	}
	for _, tl := range s.Trace {
		if tl.Context != "iframe" || tl.To != "provider" {
			continue
		}
		for _, b := range tl.Blocked {
			if strings.HasPrefix(b, "ssokit_session ") && strings.Contains(b, string(browser.BlockThirdParty)) {
				return vGestureRequired
			}
		}
	}
	return vLoginRequired
}

// TestSimulatorAgreesWithChromium: Chromium is the judge. Every cell of
// its measured FedCM and Storage Access table (session cookie Lax/None ×
// third-party cookies blocked/allowed) is replayed through the simulator
// (profile chrome-3pc-blocked for blocked, chrome for allowed) against
// ssokit's provider, and the verdicts must agree cell by cell: when
// Chromium changes and the golden is re-measured, the simulator's model is
// caught.
func TestSimulatorAgreesWithChromium(t *testing.T) {
	b, err := os.ReadFile(chromiumAPIsGolden)
	if err != nil {
		t.Fatalf("the Chromium measurement: %v", err)
	}
	for _, r := range parseJudgeGolden(t, string(b)) {
		t.Run(r.sameSite+"/"+map[bool]string{true: "3pc-blocked", false: "3pc-allowed"}[r.blocked], func(t *testing.T) {
			got := simulate(t, r)
			for i, want := range r.chromium {
				if got[i] != want {
					t.Errorf("%s:%d (%s, third-party cookies %s), column %q: Chromium %q, simulator %q",
						chromiumAPIsGolden, r.line, r.cookie, r.thirdPC, judgeColumns[i+2], want, got[i])
				}
			}
		})
	}
}
