package run_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fedcm"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/cmd/flow/run"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// fedcmAppServer serves an app page that calls navigator.credentials.get
// ({identity}) as an app would, and the redirect callback.
func fedcmAppServer(t *testing.T) string {
	mux := http.NewServeMux()
	mux.HandleFunc("/fedcm", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>fedcm</title><script>
window.fedcm = async (configURL, clientId, nonce, mediation) => {
  if (!('IdentityCredential' in window)) return { ok: false, error: 'unsupported' };
  try {
    const cred = await navigator.credentials.get({ identity: { providers: [{ configURL, clientId, nonce }] }, mediation });
    return { ok: true, token: cred.token };
  } catch (e) { return { ok: false, error: e.name + ': ' + e.message }; }
};
</script>`)
	})
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>callback</title><script>document.title = "result" + location.search;</script>`)
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	return port
}

type chromeFedCM struct {
	OK    bool   `json:"ok"`
	Token string `json:"token"`
	Error string `json:"error"`
}

// chromiumFedCM calls the page's fedcm() in tab, selects the first account
// when Chromium shows its chooser and dismisses any other dialog; it
// returns "tokens" or "error", and the dialogs Chromium showed.
func chromiumFedCM(t *testing.T, tab context.Context, page, configURL, clientID, mediation string) (string, []string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	expr := fmt.Sprintf("fedcm(%q, %q, %q, %q)", configURL, clientID, "n-"+mediation, mediation)
	r, dialogs, err := testutil.FedCMCall[*chromeFedCM](tab, expr, 15*time.Second)
	if err != nil || r == nil {
		t.Fatalf("fedcm(): %v", err)
	}
	var shown []string
	for _, d := range dialogs {
		shown = append(shown, string(d.DialogType))
	}
	if r.Error == "unsupported" {
		t.Fatalf("fedcm(): %s", r.Error)
	}
	if r.OK {
		return "tokens", shown
	}
	t.Logf("Chromium: %s", r.Error)
	return "error", shown
}

// simDialog is the dialog the simulator's explanation says the browser
// showed: the chooser, an automatic re-authentication, or none.
func simDialog(explanation string) string {
	switch {
	case strings.Contains(explanation, "in Chrome's account chooser"):
		return string(fedcm.DialogTypeAccountChooser)
	case strings.Contains(explanation, "(auto re-authentication"):
		return string(fedcm.DialogTypeAutoReauthn)
	}
	return ""
}

// fedcmJudgeSteps is the sequence both run, after a first-party sign-in
// at shell: steps of account, cross-site to the provider.
var fedcmJudgeSteps = []string{
	"fedcm: {app: account, mediation: silent}", // not yet approved anywhere
	"redirect: account",                        // approved_clients now lists account; no FedCM sign-in yet
	"fedcm: {app: account, mediation: silent}", // approved_clients alone
	"fedcm: account",                           // the chooser
	"fedcm: {app: account, mediation: silent}", // a FedCM sign-in happened: automatic
	"fedcm: {app: account, mediation: silent}", // within the quiet period
	"fedcm: account",                           // the chooser again, within the quiet period
}

// TestFedCMStepMatchesChromium: Chromium is the judge of the fedcm step's
// mediation model. Real headless Chromium (third-party cookies blocked,
// its default) runs fedcmJudgeSteps against ssokit's provider for an app
// cross-site to it; the simulator (chrome-3pc-blocked) then runs the same
// steps, each expecting what Chromium got (tokens or not), and the dialog
// Chromium showed (account chooser, automatic re-authentication) must be
// the one the step's explanation names.
func TestFedCMStepMatchesChromium(t *testing.T) {
	ap := fedcmAppServer(t)
	head := fmt.Sprintf(`session_cookie: {same_site: none}
browser: chrome-3pc-blocked
apps:
  shell: {origin: "http://localhost:%[1]s"}
  account: {origin: "http://127.0.0.1:%[1]s"}
users: {alice: {password: alice}}
`, ap)
	pf, err := flow.Parse("provider.yaml", []byte(head+"flows: [{steps: [{wait: 1ms}]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	issuer, stop, err := run.StartEmbedded(context.Background(), pf, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	tab := testutil.NewChrome(t, testutil.ChromeOptions{})
	result := func() string {
		return codeOrError(pollString(t, tab, `document.title.indexOf("result") === 0 && document.title.slice(6)`))
	}
	if err := chromedp.Do(tab, chromedp.Navigate(authorizeURL(issuer, "shell", "http://localhost:"+ap+"/callback", "")), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SetValue(chromedp.ID("username"), "alice"), chromedp.SetValue(chromedp.ID("password"), "alice"),
		chromedp.Click(chromedp.ID("submit"))); err != nil {
		t.Fatalf("sign in through the form: %v", err)
	}
	if got := result(); got != "tokens" {
		t.Fatalf("Chromium's sign-in ended with %q", got)
	}
	page, cfg := "http://127.0.0.1:"+ap+"/fedcm", issuer+"fedcm.json"
	real := make([]string, len(fedcmJudgeSteps))
	dialogs := make([][]string, len(fedcmJudgeSteps))
	src := head + "flows:\n  - name: FedCM mediation, as Chromium measured it\n    steps:\n      - login: {app: shell, user: alice}\n"
	for i, st := range fedcmJudgeSteps {
		if strings.HasPrefix(st, "redirect:") {
			if err := chromedp.Do(tab, chromedp.Navigate(authorizeURL(issuer, "account", "http://127.0.0.1:"+ap+"/callback", ""))); err != nil {
				t.Fatal(err)
			}
			real[i] = result()
		} else {
			mediation := "optional"
			if strings.Contains(st, "silent") {
				mediation = "silent"
			}
			real[i], dialogs[i] = chromiumFedCM(t, tab, page, cfg, "account", mediation)
		}
		src += fmt.Sprintf("      - %s\n        expect: {tokens: %t}\n", st, real[i] == "tokens")
		t.Logf("Chromium: %-45s %s %v", st, real[i], dialogs[i])
	}

	f, err := flow.Parse("judge.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&flow.Runner{Issuer: issuer}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Flows[0].Steps[1:] {
		if s.Status != flow.StatusPass {
			t.Errorf("%s: Chromium got %s (dialogs %v); the simulator: %s %v\n  %s", fedcmJudgeSteps[i], real[i], dialogs[i], s.Outcome, s.Failures, s.Explanation)
			continue
		}
		want := ""
		if len(dialogs[i]) > 0 {
			want = dialogs[i][len(dialogs[i])-1]
		}
		if s.Kind == flow.StepFedCM && real[i] == "tokens" && simDialog(s.Explanation) != want {
			t.Errorf("%s: Chromium showed %v, the simulator says %q", fedcmJudgeSteps[i], dialogs[i], s.Explanation)
		}
	}
}
