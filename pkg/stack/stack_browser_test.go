package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/templates"
)

// TestUpDemoInChromium: the built-in demo of `ssokit up`, in real
// Chromium: sign in at the shell through the form, open the account app,
// and it is signed in silently, with no form; sign out everywhere, and
// the account app notices on its next silent attempt.
func TestUpDemoInChromium(t *testing.T) {
	s, err := Start(context.Background(), Options{Demo: templates.Demo(), ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Keys: testKeys()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// default headless Chromium: third-party cookies blocked. The demo
	// still works because provider and apps share the site localhost.
	ctx := testutil.NewChrome(t, testutil.ChromeOptions{})
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return v
	}
	shell, account := s.ProxyURL()+"/", s.ProxyURL()+"/account/"

	run("open the shell", chromedp.Navigate(shell), chromedp.WaitReady(chromedp.CSS(`body[data-state="signed-out"]`)))
	if got := text("#status"); !strings.Contains(got, "not signed in") {
		t.Fatalf("shell before sign-in: %q", got)
	}
	run("sign in through the form",
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="signed-in"]`)),
	)
	if got := text("#status"); got != "signed in with the login form" || !strings.Contains(text("#user"), "Alice Doe") {
		t.Fatalf("shell after sign-in: status %q user %q", got, text("#user"))
	}
	// typed without the trailing slash, as people do: the page must still
	// load the account app's own config and sign in as the account client
	account = strings.TrimSuffix(account, "/")
	run("open the account app", chromedp.Navigate(account), chromedp.WaitReady(chromedp.CSS(`body[data-state="signed-in"]`)))
	if id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.SSOKIT_DEMO.clientId + " " + ssokitAuth.user.aud`)); err != nil || id != "account account" {
		t.Fatalf("the account page signed in as %q (%v), want the account client", id, err)
	}
	if got := text("#status"); !strings.Contains(got, "silently") || !strings.Contains(text("#user"), "alice@example.com") {
		t.Fatalf("account app: status %q user %q", got, text("#user"))
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != account {
		t.Fatalf("account app was navigated away (a visible redirect): %q %v", loc, err)
	}
	run("sign out everywhere from the account app",
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="signed-out"]`)),
	)
	run("open the shell again", chromedp.Navigate(shell), chromedp.WaitReady(chromedp.CSS(`body[data-state="signed-out"]`)))
	if got := text("#status"); !strings.Contains(got, "not signed in") {
		t.Fatalf("shell after sign-out: %q", got)
	}
}
