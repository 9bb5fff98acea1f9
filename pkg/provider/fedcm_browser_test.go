package provider_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fedcm"
	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"
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

// fedcmSignIn opens app a's FedCM page in tab, calls
// navigator.credentials.get({identity}) and selects the first account in
// the browser's dialog through the DevTools FedCm domain.
func fedcmSignIn(t *testing.T, tab context.Context, a *testApp, nonce string) (fedcmResult, *fedcm.EventDialogShown) {
	t.Helper()
	do(t, tab, "open "+a.origin+"/fedcm/", chromedp.Navigate(a.origin+"/fedcm/"))
	dialogs := make(chan *fedcm.EventDialogShown, 4)
	lctx, stop := context.WithCancel(tab)
	defer stop()
	if err := chromedp.Listen(lctx, func(ev any) {
		if d, ok := ev.(*fedcm.EventDialogShown); ok {
			select {
			case dialogs <- d:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, fedcm.Enable, fedcm.EnableParams{DisableRejectionDelay: new(true)}); err != nil {
		t.Fatalf("FedCm.enable: %v", err)
	}
	type res struct {
		r   *fedcmResult
		err error
	}
	done := make(chan res, 1)
	go func() {
		ctx, cancel := context.WithTimeout(tab, actionTimeout)
		defer cancel()
		r, err := chromedp.Run(ctx, chromedp.Evaluate[*fedcmResult](`fedcm(`+jsString(nonce)+`)`, chromedp.EvalAwaitPromise))
		done <- res{r, err}
	}()
	var shown *fedcm.EventDialogShown
	select {
	case shown = <-dialogs:
		if _, err := chromedp.Call(tab, fedcm.SelectAccount, fedcm.SelectAccountParams{DialogID: shown.DialogID, AccountIndex: 0}); err != nil {
			t.Fatalf("FedCm.selectAccount: %v (dialog %s, %d accounts, title %q)", err, shown.DialogType, len(shown.Accounts), shown.Title)
		}
	case r := <-done:
		t.Fatalf("navigator.credentials.get settled without a dialog: %+v %v", r.r, r.err)
	case <-time.After(actionTimeout):
		t.Fatal("no FedCM dialog within the timeout")
	}
	r := <-done
	if r.err != nil || r.r == nil {
		t.Fatalf("fedcm(): %v", r.err)
	}
	return *r.r, shown
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestFedCMSignInBrowser: real headless Chromium, with third-party cookies
// blocked (its default), signs in at app A and at app B, both cross-site
// to the provider, through FedCM: the browser's own requests carry the
// provider's cookie, the app gets an ID token with its nonce.
func TestFedCMSignInBrowser(t *testing.T) {
	e := newSDKEnv(t, "None", appSpec{"app-a", "127.0.0.1"}, appSpec{"app-b", "127.0.0.1"})
	browser := browserCtx(t, false)
	signInAtProvider(t, browser, e, e.apps["app-a"], "alice")

	rp, err := gooidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"app-a", "app-b"} {
		a := e.apps[id]
		nonce := "n-" + id
		got, shown := fedcmSignIn(t, browser, a, nonce)
		if !got.OK {
			t.Fatalf("%s: FedCM sign-in failed: %s", id, got.Error)
		}
		if len(shown.Accounts) != 1 || shown.Accounts[0].AccountID != "alice" {
			t.Errorf("%s: dialog accounts = %+v, want alice", id, shown.Accounts)
		}
		tok, err := rp.Verifier(&gooidc.Config{ClientID: id}).Verify(context.Background(), got.Token)
		if err != nil {
			t.Fatalf("%s: the FedCM token is not a valid ID token for %s: %v", id, id, err)
		}
		if tok.Subject != "alice" || tok.Nonce != nonce {
			t.Errorf("%s: sub=%q nonce=%q, want alice and %q", id, tok.Subject, tok.Nonce, nonce)
		}
	}
}
