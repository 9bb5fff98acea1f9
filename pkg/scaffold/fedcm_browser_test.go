package scaffold

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fedcm"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// TestFedCMTemplate: the vanilla template built with VITE_SSOKIT_FEDCM=auto,
// as two apps (clients fedcm-a and fedcm-b) on 127.0.0.1, cross-site to the
// provider on localhost, in headless Chromium with third-party cookies
// blocked (its default), the provider's session cookie SameSite=None.
//
//  1. App A loads with no provider session: the ladder (silent FedCM, then
//     the prompt=none redirect) ends at the "Sign in" button.
//  2. The user signs in to the provider at another app (the workspace's
//     vanilla app, by redirect) in a second tab.
//  3. At app A, "Sign in" goes through FedCM: the browser's account chooser
//     (the account selected over the DevTools FedCm domain), a code from the
//     provider's ID assertion endpoint, exchanged with PKCE: A is signed in
//     "via fedcm" and stayed on its page.
//  4. App B, opened in a new tab, signs in silently: silent FedCM cannot
//     answer for an app the account never used (the browser refuses), so
//     the ladder's prompt=none top-level redirect does it (first-party).
//  5. App A reloaded signs in silently through FedCM (mediation "silent":
//     the browser re-authenticates the returning account, no chooser).
//
// The provider's request log must show the FedCM assertions answered.
func TestFedCMTemplate(t *testing.T) {
	needTemplates(t, "the vanilla template build (npm, a minute)")
	testutil.ChromePath(t)
	w := sharedWorkspace(t)
	vanilla := w.built(t, "vanilla")
	vanillaURL := vanilla.serveDist(t) + vanilla.data.Base

	// Two FedCM builds of the template, each served on its own 127.0.0.1
	// port (another site than the provider's localhost).
	apps := map[string]string{} // client id -> app URL
	for _, id := range []string{"fedcm-a", "fedcm-b"} {
		apps[id] = vanilla.variant(t, "VITE_SSOKIT_FEDCM=auto", "VITE_SSOKIT_CLIENT_ID="+id)
	}

	cfg, err := config.Load(w.config)
	if err != nil {
		t.Fatal(err)
	}
	// Browsers send only SameSite=None cookies with FedCM's requests.
	cfg.Provider.SessionCookie.SameSite = "none"
	for id, u := range apps {
		cfg.Clients = append(cfg.Clients, config.Client{ClientID: id, RedirectURIs: []string{u + "callback"}, PostLogoutRedirectURIs: []string{u}})
	}
	var logMu sync.Mutex
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&logMu, &logBuf}, nil))
	w.startStack(t, cfg, logger)
	// assertions counts the ID assertion endpoint's answers by status.
	assertions := func() map[int]int {
		logMu.Lock()
		defer logMu.Unlock()
		out := map[int]int{}
		for _, line := range strings.Split(logBuf.String(), "\n") {
			var rec struct {
				Endpoint string `json:"endpoint"`
				Status   int    `json:"status"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Endpoint == "fedcm_assertion" {
				out[rec.Status]++
			}
		}
		return out
	}

	browser := testutil.NewChrome(t, testutil.ChromeOptions{})
	var tm timings
	// The browser's default profile, not an off-the-record context
	// (newProfile): measured in Chromium 156, an off-the-record context
	// refuses FedCM's mediation "silent" (SilentMediationFailure, without
	// even asking the provider) even right after a sign-in with the
	// chooser, so step 5 could not work there. Third-party cookies are
	// blocked here too (testutil.NewChrome's default).
	a := openTab(t, browser, "app A")
	dialogsA := fedcmAutoSelect(a)
	a.open(apps["fedcm-a"])
	a.waitFor("app A: signed out, with the sign-in button", func(s appState) bool { return s.Status == "signed-out" && s.LoginVisible })

	p := a.newTab("the other app")
	p.open(vanillaURL)
	p.waitFor("the other app: signed out", func(s appState) bool { return s.Status == "signed-out" && s.LoginVisible })
	p.signInThroughForm("alice")
	p.waitStatus(vanillaURL, "signed-in")

	a.front()
	a.mark()
	a.navigations()
	start := time.Now()
	a.do("click sign in", chromedp.Click(chromedp.CSS("#login")))
	s, _ := a.waitFor("app A: signed in through FedCM", func(s appState) bool { return s.Status == "signed-in" || s.Status == "error" })
	tm.add("app A: click on Sign in to signed in through FedCM (account chooser, selected over DevTools)", time.Since(start))
	if s.Status != "signed-in" || !strings.Contains(s.Text, "via fedcm") || s.User != "Alice Doe" {
		t.Fatalf("app A: %s (dialogs %v), want signed in as Alice Doe via fedcm", s, dialogsA())
	}
	if !s.Mark || len(a.navigations()) != 0 {
		t.Errorf("app A navigated during the FedCM sign-in: %s", s)
	}
	if got := dialogsA(); !hasDialogs(got, string(fedcm.DialogTypeAccountChooser)) {
		t.Errorf("app A: FedCM dialogs %v, want one account chooser", got)
	}

	b := a.newTab("app B")
	dialogsB := fedcmAutoSelect(b)
	start = b.open(apps["fedcm-b"])
	sb, _ := b.waitStatus(apps["fedcm-b"], "signed-in")
	tm.add("app B: page load to signed in silently ("+sb.Text+")", time.Since(start))
	if sb.User != "Alice Doe" || !strings.Contains(sb.Text, "via silent-redirect") {
		t.Errorf("app B: %s", sb)
	}
	t.Logf("app B: %s, FedCM dialogs %v, navigations %v", sb.Text, dialogsB(), b.navigations())

	a.front()
	start = a.open(apps["fedcm-a"])
	s, _ = a.waitFor("app A reloaded: signed in or out", func(s appState) bool {
		return s.URL == apps["fedcm-a"] && (s.Status == "signed-in" || s.Status == "signed-out")
	})
	tm.add("app A reloaded: page load to signed in ("+s.Text+")", time.Since(start))
	if !strings.Contains(s.Text, "via fedcm") {
		t.Errorf("app A reloaded: %s (dialogs %v), want signed in via fedcm (silent mediation)", s, dialogsA())
	}
	if navs := a.navigations(); len(navs) != 1 {
		t.Errorf("app A reloaded: navigations %v, want the page load only (no redirect)", navs)
	}
	tm.log(t)
	got := assertions()
	t.Logf("provider: FedCM ID assertion answers by HTTP status: %v; dialogs at A: %v", got, dialogsA())
	if got[http.StatusOK] < 2 {
		t.Errorf("the provider answered %d FedCM assertions with 200, want at least 2 (A's sign-in and A's reload)", got[http.StatusOK])
	}
}

// fedcmAutoSelect enables the DevTools FedCm domain in b's tab (no
// rejection delay) and answers the browser's FedCM dialogs as a user who
// picks the first account would: the account chooser gets the account
// selected, any other dialog is dismissed. It returns a function listing
// the dialog types shown so far, then the page's console messages.
func fedcmAutoSelect(b *tab) func() []string {
	b.t.Helper()
	var mu sync.Mutex
	var shown, console []string
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if c, ok := ev.(*runtime.EventConsoleAPICalled); ok {
			var parts []string
			for _, a := range c.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			mu.Lock()
			console = append(console, string(c.Type)+": "+strings.Join(parts, " "))
			mu.Unlock()
			return
		}
		if is, ok := ev.(*audits.EventIssueAdded); ok && is.Issue != nil && is.Issue.Details != nil && is.Issue.Details.FederatedAuthRequestIssueDetails != nil {
			mu.Lock()
			console = append(console, "FedCM issue: "+string(is.Issue.Details.FederatedAuthRequestIssueDetails.FederatedAuthRequestIssueReason))
			mu.Unlock()
			return
		}
		d, ok := ev.(*fedcm.EventDialogShown)
		if !ok {
			return
		}
		mu.Lock()
		shown = append(shown, string(d.DialogType))
		mu.Unlock()
		go func() { // not on the event loop: these are calls to the browser
			var err error
			switch d.DialogType {
			case fedcm.DialogTypeAccountChooser:
				_, err = chromedp.Call(b.ctx, fedcm.SelectAccount, fedcm.SelectAccountParams{DialogID: d.DialogID, AccountIndex: 0})
			case fedcm.DialogTypeAutoReauthn:
				// the browser signs the returning account in by itself
			default:
				_, err = chromedp.Call(b.ctx, fedcm.DismissDialog, fedcm.DismissDialogParams{DialogID: d.DialogID})
			}
			if err != nil && b.ctx.Err() == nil {
				b.t.Errorf("%s: answering the FedCM %s dialog: %v", b.name, d.DialogType, err)
			}
		}()
	}); err != nil {
		b.t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, audits.Enable, cdp.Empty{}); err != nil {
		b.t.Fatalf("%s: Audits.enable: %v", b.name, err)
	}
	if _, err := chromedp.Call(b.ctx, fedcm.Enable, fedcm.EnableParams{DisableRejectionDelay: new(true)}); err != nil {
		b.t.Fatalf("%s: FedCm.enable: %v", b.name, err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append(append([]string(nil), shown...), console...)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// hasDialogs reports whether the FedCM dialogs among got (console lines
// left out) are exactly want.
func hasDialogs(got []string, want ...string) bool {
	var d []string
	for _, g := range got {
		if !strings.Contains(g, ":") {
			d = append(d, g)
		}
	}
	return strings.Join(d, ",") == strings.Join(want, ",")
}
