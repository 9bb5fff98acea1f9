package scaffold

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// TestStorageAccessTemplate: the vanilla template built with
// VITE_SSOKIT_STORAGE_ACCESS=auto, served on 127.0.0.1, cross-site to the
// provider on localhost, in headless Chromium with third-party cookies
// blocked (its default), the provider's session cookie SameSite=None. The
// client's refresh token lives 500 ms, so every renewal (one second after
// a sign-in: the access token lives 3 s) must go past it, down the ladder.
// Headless Chromium cannot show the storage-access prompt: the user's
// answer is played with Browser.setPermission before the click, as in
// pkg/provider's TestStorageAccessBrowser.
//
//  1. Not signed in at the provider: the page load ends at "Sign in" and
//     no "Continue" frame (the storage-access frame needed a click, the
//     silent redirect said login_required: a click could not help).
//  2. Signed in through the login form (a redirect).
//  3. The renewal a second later: no refresh token, the storage-access
//     frame needs a click, no redirect in the middle of the user's work:
//     signed out with the provider's "Continue" frame shown, same page.
//  4. The user clicks "Continue" and declines the prompt: the frame goes,
//     the app says why.
//  5. A reload: the frame needs a click again, so the silent top-level
//     redirect (due) signs in.
//  6. The renewal shows "Continue" again; the user clicks and accepts: the
//     app is signed in through storage access without leaving the page.
//  7. A reload: the grant applies without a click, the app signs in
//     through storage access with the page load as its only navigation.
func TestStorageAccessTemplate(t *testing.T) {
	needTemplates(t, "the vanilla template build (npm, a minute)")
	testutil.ChromePath(t)
	w := sharedWorkspace(t)
	vanilla := w.built(t, "vanilla")
	const clientID = "storage-access"
	appURL := vanilla.variant(t, "VITE_SSOKIT_STORAGE_ACCESS=auto", "VITE_SSOKIT_CLIENT_ID="+clientID)

	cfg, err := config.Load(w.config)
	if err != nil {
		t.Fatal(err)
	}
	// Storage access unblocks only SameSite=None cookies.
	cfg.Provider.SessionCookie.SameSite = "none"
	cfg.Clients = append(cfg.Clients, config.Client{ClientID: clientID,
		RedirectURIs: []string{appURL + "callback"}, PostLogoutRedirectURIs: []string{appURL},
		Tokens: config.Lifetimes{AccessToken: 3 * time.Second, RefreshToken: 500 * time.Millisecond}})
	st := w.startStack(t, cfg, nil)

	b := openTab(t, testutil.NewChrome(t, testutil.ChromeOptions{}), "app")
	appOrigin := strings.TrimSuffix(appURL, vanilla.data.Base)
	prompt := func(setting browser.PermissionSetting) {
		t.Helper()
		if _, err := chromedp.CallBrowser(b.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "storage-access"}, Setting: setting,
			Origin: appOrigin, EmbeddedOrigin: strings.TrimSuffix(st.Issuer(), "/")}); err != nil {
			t.Fatalf("Browser.setPermission storage-access %s: %v", setting, err)
		}
	}
	var tm timings

	b.open(appURL)
	s, _ := b.waitFor("1: signed out", func(s appState) bool { return s.URL == appURL && s.Status == "signed-out" && s.LoginVisible })
	if s.Continue {
		t.Errorf("1: the Continue frame is shown to a user not signed in at the provider: %s", s)
	}

	b.signInThroughForm("alice")
	s, _ = b.waitStatus(appURL, "signed-in")
	if !strings.Contains(s.Text, "via redirect") {
		t.Fatalf("2: %s, want signed in via redirect", s)
	}
	b.mark()
	b.navigations()

	s, _ = b.waitFor("3: the Continue frame after the renewal", func(s appState) bool { return s.Status == "signed-out" && s.Continue })
	if !s.Mark || len(b.navigations()) != 0 || !s.LoginVisible {
		t.Fatalf("3: %s: want the same page, with the Sign in button next to Continue", s)
	}

	prompt(browser.PermissionSettingDenied)
	s, _, _ = clickContinue(t, b, func(s appState) bool { return !s.Continue })
	if s.Status != "signed-out" || !strings.Contains(s.Text, "access_denied") || !s.LoginVisible {
		t.Fatalf("4: %s, want signed out with access_denied and the Sign in button", s)
	}

	start := b.open(appURL)
	s, _ = b.waitStatus(appURL, "signed-in")
	tm.add("5: page load to signed in (frame needs a click: "+s.Text+")", time.Since(start))
	if !strings.Contains(s.Text, "via silent-redirect") {
		t.Fatalf("5: %s, want signed in via silent-redirect", s)
	}
	b.mark()
	b.navigations()

	s, _ = b.waitFor("6: the Continue frame after the renewal", func(s appState) bool { return s.Status == "signed-out" && s.Continue })
	prompt(browser.PermissionSettingGranted)
	s, clicks, sinceLast := clickContinue(t, b, func(s appState) bool { return s.Status == "signed-in" || !s.Continue })
	tm.add(fmt.Sprintf("6: last of %d clicks on Continue to signed in (prompt accepted)", clicks), sinceLast)
	if s.Status != "signed-in" || !strings.Contains(s.Text, "via storage-access") || s.User != "Alice Doe" || s.Continue {
		t.Fatalf("6: %s, want signed in as Alice Doe via storage-access, the frame gone", s)
	}
	if !s.Mark || len(b.navigations()) != 0 {
		t.Errorf("6: the app navigated: %s", s)
	}

	start = b.open(appURL)
	s, _ = b.waitStatus(appURL, "signed-in")
	tm.add("7: page load to signed in ("+s.Text+")", time.Since(start))
	if !strings.Contains(s.Text, "via storage-access") {
		t.Errorf("7: %s, want signed in via storage-access", s)
	}
	if navs := b.navigations(); len(navs) != 1 {
		t.Errorf("7: navigations %v, want the page load only (no redirect)", navs)
	}
	tm.log(t)
}

// clickContinue clicks the middle of the app's "Continue" frame with the
// mouse (a user gesture inside the frame) until done holds: the frame's
// button may not take clicks the instant it is shown, and disables itself
// after the first one that did. It returns the state, the number of
// clicks and the time since the last one.
func clickContinue(t *testing.T, b *tab, done func(appState) bool) (appState, int, time.Duration) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for clicks := 1; ; clicks++ {
		clicked := time.Now()
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
  const f = document.querySelector('iframe.ssokit-continue');
  if (!f) return [];
  const r = f.getBoundingClientRect();
  return [r.x + r.width / 2, r.y + r.height / 2];
})()`))
		if err == nil && len(xy) == 2 {
			err = chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]))
		}
		cancel()
		for range 20 {
			if s, ok := b.state(); ok && done(s) {
				return s, clicks, time.Since(clicked)
			}
			time.Sleep(25 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			s, _ := b.state()
			t.Fatalf("%s: clicking Continue: no answer after %s (last error %v); last seen: %s", b.name, waitTimeout, err, s)
		}
	}
}
