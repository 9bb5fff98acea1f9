package provider_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/fedcm"
	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

func init() { appPages["/fedcm/"] = "fedcm.html" }

// fedcmResult is what the app page's window.fedcm() resolves to.
type fedcmResult struct {
	OK    bool   `json:"ok"`
	Token string `json:"token"`
	Error string `json:"error"`
}

// signInAtProvider signs user in with the provider's own login form, top
// level (first party), as a user does once; a by-product is a code for app
// a, which the test does not need.
func signInAtProvider(t *testing.T, tab context.Context, e *sdkEnv, a *testApp, user string) {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {a.clientID}, "redirect_uri": {a.origin + "/oidc/"},
		"scope": {"openid"}, "state": {"s"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	do(t, tab, "open the login form", chromedp.Navigate(e.issuer+"authorize?"+q.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password"))
	resp := navigateAndWait(t, tab, "submit the login form", chromedp.Click(chromedp.CSS(`#submit`)))
	if !strings.HasPrefix(resp.URL, a.origin+"/oidc/?code=") {
		t.Fatalf("after the login form the browser is at %s", resp.URL)
	}
}

// fedcmSignIn opens app a's FedCM page in tab and calls
// navigator.credentials.get({identity}) with mediation; when the browser
// shows its account chooser it selects the first account through the
// DevTools FedCm domain, any other dialog (the "sign in to the provider"
// one when no account came back) it dismisses. It returns what the page
// got and the dialogs shown.
func fedcmSignIn(t *testing.T, tab context.Context, a *testApp, nonce, mediation string) (fedcmResult, []*fedcm.EventDialogShown) {
	t.Helper()
	do(t, tab, "open "+a.origin+"/fedcm/", chromedp.Navigate(a.origin+"/fedcm/"))
	r, shown, err := testutil.FedCMCall[*fedcmResult](tab, `fedcm(`+jsString(nonce)+`, `+jsString(mediation)+`)`, actionTimeout)
	if err != nil || r == nil {
		t.Fatalf("fedcm(): %v", err)
	}
	return *r, shown
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestFedCMSignInBrowser: real headless Chromium, with third-party cookies
// blocked (its default), signs in at app A and at app B, both cross-site
// to the provider, through FedCM (account chooser, account selected over
// the DevTools FedCm domain), then at app A again with mediation "silent"
// (no chooser: the provider lists A in approved_clients): the browser's
// own requests carry the provider's SameSite=None cookie, each app gets an
// ID token for itself with its nonce (verified by coreos/go-oidc).
func TestFedCMSignInBrowser(t *testing.T) {
	e := newSDKEnv(t, "None", appSpec{"app-a", "127.0.0.1"}, appSpec{"app-b", "127.0.0.1"})
	browser := browserCtx(t, false)
	signInAtProvider(t, browser, e, e.apps["app-a"], "alice")

	rp, err := gooidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ id, mediation string }{{"app-a", "optional"}, {"app-b", "optional"}, {"app-a", "silent"}} {
		id := step.id
		a := e.apps[id]
		nonce := "n-" + id + "-" + step.mediation
		got, shown := fedcmSignIn(t, browser, a, nonce, step.mediation)
		if !got.OK {
			t.Fatalf("%s (mediation %s): FedCM sign-in failed: %s (dialogs %v)", id, step.mediation, got.Error, dialogTypes(shown))
		}
		t.Logf("%s mediation=%s: dialogs %v", id, step.mediation, dialogTypes(shown))
		if step.mediation == "optional" && (len(shown) != 1 || len(shown[0].Accounts) != 1 || shown[0].Accounts[0].AccountID != "alice") {
			t.Errorf("%s: dialogs = %v, want one account chooser with alice", id, dialogTypes(shown))
		}
		if step.mediation == "silent" && (len(shown) != 1 || shown[0].DialogType != fedcm.DialogTypeAutoReauthn) {
			t.Errorf("%s silent: dialogs = %v, want the browser's auto re-authentication (a returning account)", id, dialogTypes(shown))
		}
		tok, err := rp.Verifier(&gooidc.Config{ClientID: id}).Verify(context.Background(), got.Token)
		if err != nil {
			t.Fatalf("%s: the FedCM token is not a valid ID token for %s: %v", id, id, err)
		}
		if tok.Subject != "alice" || tok.Nonce != nonce {
			t.Errorf("%s: sub=%q nonce=%q, want alice and %q", id, tok.Subject, tok.Nonce, nonce)
		}
		// the event stream says how the browser mediated: Chromium sends
		// is_auto_selected (false after the chooser, true on re-authentication)
		want := "fedcm (account chosen in the browser's dialog)"
		if step.mediation == "silent" {
			want = "fedcm (auto re-authentication)"
		}
		toks := e.eventsFor(events.KindToken, id)
		if last := toks[len(toks)-1]; last.Endpoint != "fedcm_assertion" || last.Detail != want || last.Token != got.Token || last.User != "alice" {
			t.Errorf("%s (mediation %s): token event %s %q for %s, want fedcm_assertion %q with the token", id, step.mediation, last.Endpoint, last.Detail, last.User, want)
		}
	}
}

func dialogTypes(ds []*fedcm.EventDialogShown) []string {
	var out []string
	for _, d := range ds {
		out = append(out, string(d.DialogType))
	}
	return out
}
