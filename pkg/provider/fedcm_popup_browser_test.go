package provider_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fedcm"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokit/ssokit/pkg/events"
)

// TestFedCMLoginPopupBrowser: a user NOT signed in at the provider clicks
// "sign in" at an app cross-site to it (headless Chromium, third-party
// cookies blocked, session cookie SameSite=None). What Chromium does,
// step by step, is logged and asserted:
//
//  1. navigator.credentials.get({identity}) with mediation "optional":
//     the accounts request finds no session (login_required, Set-Login:
//     logged-out), and Chromium shows its "ConfirmIdpLogin" dialog;
//  2. the test answers it with FedCm.clickDialogButton
//     ConfirmIdpLoginContinue; Chromium opens a pop-up (a new page target)
//     at the config's login_url, /fedcm/login;
//  3. in the pop-up, the provider's login form; it is signed as alice and
//     submitted: the answer sets the session and Set-Login: logged-in and
//     its script calls IdentityProvider.close();
//  4. the pop-up closes, Chromium asks the accounts endpoint again and
//     shows its account chooser, alice is selected over the FedCm domain;
//  5. the app's promise resolves with an ID token for it, with its nonce,
//     verified by coreos/go-oidc; the provider's events say all of it.
//
// The figures of one run are logged (the step times); see README
// "FedCM" for what was measured.
// popupRun is what one navigator.credentials.get did.
type popupRun struct {
	got              fedcmResult
	dialogs          []fedcm.DialogType
	popup            target.ID // the login pop-up's target, if one opened
	popupClosed      bool
	identityProvider string // typeof IdentityProvider.close in the pop-up
	trace            []string
}

// fedcmWithPopup calls navigator.credentials.get at app a (mediation, and
// mode when not empty; with gesture the call runs with a user gesture)
// and plays the user: it continues Chromium's ConfirmIdpLogin dialog, signs
// in as alice in the login pop-up Chromium opens at the provider's
// login_url, and selects the account in the chooser. Every step is traced
// with its time from the call.
func fedcmWithPopup(t *testing.T, tab context.Context, e *sdkEnv, a *testApp, nonce, mediation, mode string, gesture bool) popupRun {
	t.Helper()
	do(t, tab, "open "+a.origin+"/fedcm/", chromedp.Navigate(a.origin+"/fedcm/"))

	start := time.Now()
	var mu sync.Mutex
	var trace []string
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		trace = append(trace, fmt.Sprintf("%4dms ", time.Since(start).Milliseconds())+fmt.Sprintf(format, args...))
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		t.Logf("what Chromium did (mediation %s, mode %q, gesture %v):\n  %s", mediation, mode, gesture, strings.Join(trace, "\n  "))
	}()

	lctx, stop := context.WithCancel(tab)
	defer stop()
	dialogs := make(chan *fedcm.EventDialogShown, 8)
	popups := make(chan target.ID, 1)
	closed := make(chan target.ID, 16)
	if err := chromedp.Listen(lctx, func(ev any) {
		switch ev := ev.(type) {
		case *fedcm.EventDialogShown:
			dialogs <- ev
		case *fedcm.EventDialogClosed:
			note("dialog %s closed", ev.DialogID)
		}
	}); err != nil {
		t.Fatal(err)
	}
	loginURL := e.issuer + "fedcm/login"
	var seen sync.Map
	if err := chromedp.ListenBrowser(lctx, func(ev any) {
		var info *target.Info
		switch ev := ev.(type) {
		case *target.EventTargetCreated:
			info = ev.TargetInfo
			note("target created: %s %s (opener %q)", info.Type, info.URL, info.OpenerID)
		case *target.EventTargetInfoChanged:
			info = ev.TargetInfo
		case *target.EventTargetDestroyed:
			closed <- ev.TargetID
			return
		default:
			return
		}
		if info.Type == "page" && strings.HasPrefix(info.URL, loginURL) {
			if _, dup := seen.LoadOrStore(info.TargetID, true); !dup {
				note("pop-up at %s", info.URL)
				popups <- info.TargetID
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
		ctx, cancel := context.WithTimeout(tab, 2*actionTimeout)
		defer cancel()
		opts := []chromedp.EvaluateOption{chromedp.EvalAwaitPromise}
		if gesture {
			opts = append(opts, func(p *runtime.EvaluateParams) { p.UserGesture = new(true) })
		}
		r, err := chromedp.Run(ctx, chromedp.Evaluate[*fedcmResult](`fedcm(`+jsString(nonce)+`, `+jsString(mediation)+`, `+jsString(mode)+`)`, opts...))
		done <- res{r, err}
	}()
	note("navigator.credentials.get, mediation %s, mode %q", mediation, mode)

	var shown []fedcm.DialogType
	var popup target.ID
	popupDone := make(chan error, 1)
	popupClosed := false
	var identityProvider string
	timeout := time.After(2 * actionTimeout)
	var got *fedcmResult
	for got == nil {
		select {
		case d := <-dialogs:
			shown = append(shown, d.DialogType)
			note("dialog %s (%d accounts)", d.DialogType, len(d.Accounts))
			switch d.DialogType {
			case fedcm.DialogTypeConfirmIdpLogin:
				if _, err := chromedp.Call(tab, fedcm.ClickDialogButton, fedcm.ClickDialogButtonParams{DialogID: d.DialogID, DialogButton: fedcm.DialogButtonConfirmIdpLoginContinue}); err != nil {
					t.Fatalf("FedCm.clickDialogButton ConfirmIdpLoginContinue: %v", err)
				}
				note("clicked ConfirmIdpLoginContinue")
			case fedcm.DialogTypeAccountChooser:
				if len(d.Accounts) != 1 || d.Accounts[0].AccountID != "alice" {
					t.Fatalf("account chooser with %d accounts, want alice alone", len(d.Accounts))
				}
				if _, err := chromedp.Call(tab, fedcm.SelectAccount, fedcm.SelectAccountParams{DialogID: d.DialogID, AccountIndex: 0}); err != nil {
					t.Fatalf("FedCm.selectAccount: %v", err)
				}
				note("selected alice")
			default:
				if _, err := chromedp.Call(tab, fedcm.DismissDialog, fedcm.DismissDialogParams{DialogID: d.DialogID}); err != nil {
					t.Fatalf("FedCm.dismissDialog: %v", err)
				}
				note("dismissed")
			}
		case id := <-popups:
			popup = id
			go func() {
				// not cancelled here: cancelling a chromedp context closes its
				// target, which would close the pop-up before the form's POST
				// (observed); the pop-up closes itself, or at the test's end
				pctx, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(id))
				t.Cleanup(cancel)
				ctx, cancelT := context.WithTimeout(pctx, actionTimeout)
				defer cancelT()
				err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#fedcm-login`)))
				if err == nil {
					identityProvider, err = chromedp.Run(ctx, chromedp.Evaluate[string](`typeof IdentityProvider === "function" ? typeof IdentityProvider.close : "no IdentityProvider"`))
				}
				if err == nil {
					err = chromedp.Do(ctx,
						chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
						chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password"),
						chromedp.Click(chromedp.CSS(`#submit`)))
				}
				popupDone <- err
			}()
		case err := <-popupDone:
			if err != nil {
				t.Fatalf("the login pop-up: %v", err)
			}
			note("pop-up: login form filled as alice and submitted (IdentityProvider.close: %s)", identityProvider)
		case id := <-closed:
			if id == popup && popup != "" {
				popupClosed = true
				note("pop-up closed")
			}
		case r := <-done:
			if r.err != nil || r.r == nil {
				t.Fatalf("fedcm(): %v (dialogs %v)", r.err, shown)
			}
			got = r.r
			note("navigator.credentials.get resolved: ok=%v %s", got.OK, got.Error)
		case <-timeout:
			t.Fatalf("no answer from navigator.credentials.get (dialogs %v, pop-up %q closed %v)", shown, popup, popupClosed)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	return popupRun{got: *got, dialogs: shown, popup: popup, popupClosed: popupClosed, identityProvider: identityProvider, trace: append([]string(nil), trace...)}
}

// TestFedCMLoginPopupBrowser: a user NOT signed in at the provider clicks
// "sign in" at an app cross-site to it (headless Chromium 156, third-party
// cookies blocked, session cookie SameSite=None). Measured, and held here:
//
//   - a browser that never heard of the provider (login status unknown),
//     mediation "optional" (passive mode): the accounts request answers
//     login_required with Set-Login: logged-out and Chromium rejects at
//     once (NetworkError), showing no dialog and opening no pop-up;
//   - the same call again, the status now "logged-out": rejected likewise,
//     Chromium does not even ask the accounts endpoint;
//   - the status "logged-in" (the user signed in at the provider once) but
//     no session any more (here the cookies are cleared; in life: the
//     provider restarted, the session expired): Chromium shows its
//     "ConfirmIdpLogin" dialog; FedCm.clickDialogButton
//     ConfirmIdpLoginContinue opens a pop-up (a new page target, no opener)
//     at the config's login_url; the provider's form there, signed as alice,
//     answers with the session, Set-Login: logged-in and a page calling
//     IdentityProvider.close() (a function in the pop-up): the pop-up
//     closes, Chromium asks the accounts endpoint again and shows its
//     account chooser; alice is selected and the app's promise resolves
//     with an ID token for it with its nonce (verified by coreos/go-oidc);
//     the provider's events tell the same story.
func TestFedCMLoginPopupBrowser(t *testing.T) {
	e := newSDKEnv(t, "None", appSpec{"app-a", "127.0.0.1"})
	a := e.apps["app-a"]
	tab := browserCtx(t, false)

	for _, step := range []string{"login status unknown", "login status logged-out"} {
		run := fedcmWithPopup(t, tab, e, a, "n-"+step, "optional", "", false)
		if run.got.OK || len(run.dialogs) != 0 || run.popup != "" {
			t.Errorf("%s: got ok=%v, dialogs %v, pop-up %q; want a rejection without UI", step, run.got.OK, run.dialogs, run.popup)
		}
	}
	// signed in once at the top level (Set-Login: logged-in), then the
	// session is gone for the browser
	signInAtProvider(t, tab, e, a, "alice")
	clearCookies(t, tab)
	const nonce = "n-popup"
	run := fedcmWithPopup(t, tab, e, a, nonce, "optional", "", false)
	got, shown, popup, popupClosed, identityProvider := run.got, run.dialogs, run.popup, run.popupClosed, run.identityProvider
	loginURL := e.issuer + "fedcm/login"
	var story []string
	for _, ev := range e.op.Events().Recent() {
		story = append(story, ev.Kind+" "+ev.Endpoint+" "+ev.ClientID+" "+ev.User+" "+ev.Detail)
	}
	if !got.OK {
		t.Fatalf("FedCM sign-in failed: %s (dialogs %v); the provider's events:\n%s", got.Error, shown, strings.Join(story, "\n"))
	}
	if len(shown) != 2 || shown[0] != fedcm.DialogTypeConfirmIdpLogin || shown[1] != fedcm.DialogTypeAccountChooser {
		t.Errorf("dialogs %v, want ConfirmIdpLogin then AccountChooser", shown)
	}
	if popup == "" || !popupClosed {
		t.Errorf("pop-up %q opened, closed %v: want it opened at %s and closed by the sign-in", popup, popupClosed, loginURL)
	}
	if identityProvider != "function" {
		t.Errorf("in the pop-up IdentityProvider.close is %q, want a function", identityProvider)
	}
	rp, err := gooidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := rp.Verifier(&gooidc.Config{ClientID: "app-a"}).Verify(context.Background(), got.Token)
	if err != nil {
		t.Fatalf("the FedCM token is not a valid ID token for app-a: %v", err)
	}
	if tok.Subject != "alice" || tok.Nonce != nonce {
		t.Errorf("sub=%q nonce=%q, want alice and %q", tok.Subject, tok.Nonce, nonce)
	}

	// the provider's event stream tells the same story
	logins, toks := e.eventsFor(events.KindLogin, ""), e.eventsFor(events.KindToken, "app-a")
	logins = logins[min(1, len(logins)):] // the first is the top-level sign-in
	if len(logins) != 1 || logins[0].Detail != "password, in the FedCM login pop-up" || len(toks) != 1 ||
		toks[0].Endpoint != "fedcm_assertion" || toks[0].Detail != "fedcm (account chosen in the browser's dialog)" || toks[0].SID != logins[0].SID {
		t.Errorf("events:\n%s", strings.Join(story, "\n"))
	}
	if len(e.eventsFor(events.KindError, "")) == 0 {
		t.Errorf("no login_required event for the first accounts request:\n%s", strings.Join(story, "\n"))
	}
}
