package provider_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/golden"
)

// silentModes name the ways an app gets tokens without showing the form,
// one column each in the measured table.
var silentModes = []string{
	"iframe + web_message (auth0-spa-js getTokenSilently)",
	"popup + web_message (auth0-spa-js loginWithPopup)",
	"iframe + silent_redirect_uri (oidc-client-ts signinSilent)",
	"check_session iframe (oidc-client-ts monitorSession)",
	"refresh token (auth0-spa-js useRefreshTokens)",
}

// probeSilentModes measures every silentModes entry on app a, with the
// user already signed in at the provider; each result is "ok" or what the
// SDK reported. Modes that share a page share a tab, to keep this quick.
func probeSilentModes(t *testing.T, browser context.Context, e *sdkEnv, a *testApp) []string {
	var out []string

	tab, closeTab := openTab(t, browser)
	defer func() { closeTab() }()
	do(t, tab, "open app", chromedp.Navigate(a.origin+"/auth0/"))
	r := eval[sdkResult](t, tab, `app.token()`)
	if !r.OK {
		// a failure is the provider's login_required, never the SDK's
		// timeout, and it names the likely cause
		t.Logf("%s getTokenSilently: %s", a.origin, r)
		if !strings.Contains(r.Description, "cross-site iframe") {
			t.Errorf("login_required without the cross-site hint: %s", r)
		}
	}
	out = append(out, outcome(r))
	// window.open needs a user gesture, as a click would give
	out = append(out, outcome(eval[sdkResult](t, tab, `app.popup()`, withUserGesture)))

	closeTab()
	tab, closeTab = openTab(t, browser)
	do(t, tab, "open app", chromedp.Navigate(a.origin+"/oidc/"))
	silent := outcome(eval[sdkResult](t, tab, `app.silent()`))
	out = append(out, silent)
	if silent != "ok" {
		// a user from a top-level redirect (first-party cookies) for the monitor
		if r := redirectLogin(t, tab, e, a, "/oidc/"); !r.OK {
			t.Fatalf("redirect sign-in at %s/oidc/: %s", a.origin, r)
		}
	}
	out = append(out, checkSessionOutcome(t, tab, e))

	out = append(out, refreshOutcome(t, browser, e, a, "/auth0-rt/"))
	return out
}

// refreshOutcome signs in on page (an auth0-spa-js page with
// useRefreshTokens) and forces a refresh through /oauth/token.
func refreshOutcome(t *testing.T, browser context.Context, e *sdkEnv, a *testApp, page string) string {
	tab, closeTab := openTab(t, browser)
	defer closeTab()
	if r := redirectLogin(t, tab, e, a, page); !r.OK {
		return outcome(r) // the code exchange itself failed
	}
	return outcome(eval[sdkResult](t, tab, `app.token({cacheMode: "off"})`))
}

// checkSessionOutcome reads the first answer of the provider's
// check_session iframe to the app's session monitor (it checks at once,
// then every second): "ok" when the session is seen unchanged, "false
// sign-out" when the monitor wrongly signs the user out.
func checkSessionOutcome(t *testing.T, tab context.Context, e *sdkEnv) string {
	waitFor(t, "the check_session iframe's first answer", func() bool { return eval[int](t, tab, `window.checks.length`) > 0 })
	switch first := eval[string](t, tab, `window.checks[0]`); first {
	case "unchanged":
		return "ok"
	case "changed":
		waitFor(t, "userSignedOut after changed", func() bool {
			return strings.Contains(strings.Join(eval[[]string](t, tab, `window.events`), " "), "userSignedOut")
		})
		return "false sign-out"
	default:
		return first
	}
}

func outcome(r sdkResult) string {
	if r.OK {
		return "ok"
	}
	if r.Error == "" {
		return "failed"
	}
	return r.Error
}

func withUserGesture(p *runtime.EvaluateParams) { p.UserGesture = new(true) }

// redirectLogin opens page on app and signs in by top-level redirect. The
// provider's cookies are first-party at the top level, so an existing SSO
// session signs in without the form; the form is filled if it appears.
func redirectLogin(t *testing.T, tab context.Context, e *sdkEnv, a *testApp, page string) sdkResult {
	t.Helper()
	do(t, tab, "open "+page, chromedp.Navigate(a.origin+page))
	resp := navigateAndWait(t, tab, "start redirect login", chromedp.Evaluate[chromedp.Void](`app.login(); undefined`))
	if strings.HasPrefix(resp.URL, e.issuer) {
		do(t, tab, "fill the login form",
			chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
			chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "x"),
		)
		navigateAndWait(t, tab, "submit the login form", chromedp.Click(chromedp.CSS(`#submit`)))
	}
	r := eval[*sdkResult](t, tab, `app.ready`)
	if r == nil {
		t.Fatalf("no redirect callback at %s%s", a.origin, page)
	}
	return *r
}

// thirdPartyCell is one measured setup.
type thirdPartyCell struct {
	site, cookie string
	allow3PC     bool
}

// TestThirdPartyCookieTable measures which silent-authentication modes
// survive third-party-cookie blocking: apps same-site with the provider
// (other localhost ports) or cross-site (127.0.0.1 vs localhost), session
// cookie SameSite=Lax or None, third-party cookies blocked (headless
// Chromium's default) or allowed. It logs the table the README shows and
// fails when Chromium's behaviour changes.
func TestThirdPartyCookieTable(t *testing.T) {
	got := map[thirdPartyCell][]string{}
	for _, allow := range []bool{false, true} {
		maps.Copy(got, measureThirdParty(t, allow))
	}
	table := thirdPartyTable(got)
	t.Logf("measured:\n%s", table)
	// the README's table, checked in; `go test -run TestThirdPartyCookieTable -update` rewrites it
	golden.EqualString(t, filepath.Join("testdata", "sdk", "third-party-cookies.golden.md"), table)
}

// measureThirdParty runs every silent mode in one browser for both cookie
// settings and both app sites.
func measureThirdParty(t *testing.T, allow bool) map[thirdPartyCell][]string {
	e := newSDKEnv(t, "", appSpec{"app-login", "localhost"}, appSpec{"app-same", "localhost"}, appSpec{"app-cross", "127.0.0.1"})
	cfg := func(sameSite string) *config.Config {
		c := &config.Config{}
		c.Provider.SessionCookie.SameSite = sameSite
		for _, id := range []string{"app-login", "app-same", "app-cross"} {
			c.Clients = append(c.Clients, e.apps[id].client(e.bc.srv.URL+"/backchannel-logout/"+id))
		}
		return c
	}
	got := map[thirdPartyCell][]string{}
	browser := browserCtx(t, allow)
	// same-origin: the provider mounted under /auth on the app's origin
	clearCookies(t, browser)
	m := newMountedEnv(t, "app-mounted", "127.0.0.1")
	login, closeLogin := openTab(t, browser)
	signInByRedirect(t, login, m.apps["app-mounted"], "/auth0/", "alice")
	closeLogin()
	got[thirdPartyCell{"same-origin", "lax", allow}] = probeSilentModes(t, browser, m, m.apps["app-mounted"])
	// the SDK's worker accepts only /oauth/token at the root of the domain;
	// without the worker (cacheLocation localstorage) the mounted path works
	if r := refreshOutcome(t, browser, m, m.apps["app-mounted"], "/auth0-rt-ls/"); r != "ok" {
		t.Errorf("mounted provider, useRefreshTokens with cacheLocation localstorage: %s", r)
	}

	for _, cookie := range []string{"lax", "none"} {
		if err := e.op.Reload(cfg(cookie)); err != nil {
			t.Fatal(err)
		}
		clearCookies(t, browser)
		// the user signs in once, at the top level, in a localhost app
		login, closeLogin := openTab(t, browser)
		signInByRedirect(t, login, e.apps["app-login"], "/auth0/", "alice")
		closeLogin()
		for _, site := range []string{"same-site", "cross-site"} {
			a := e.apps["app-same"]
			if site == "cross-site" {
				a = e.apps["app-cross"]
			}
			cell := thirdPartyCell{site, cookie, allow}
			got[cell] = probeSilentModes(t, browser, e, a)
		}
	}
	return got
}

// thirdPartyTable renders the measurements as the README's markdown table.
func thirdPartyTable(got map[thirdPartyCell][]string) string {
	var b strings.Builder
	b.WriteString("| app vs provider | session cookie | third-party cookies |")
	for _, m := range silentModes {
		b.WriteString(" " + m + " |")
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(silentModes)) + "\n")
	for _, allow := range []bool{false, true} {
		for _, site := range []string{"same-origin", "same-site", "cross-site"} {
			for _, cookie := range []string{"lax", "none"} {
				c := thirdPartyCell{site, cookie, allow}
				if got[c] == nil {
					continue
				}
				label := map[string]string{"same-origin": "same-origin (provider mounted at /auth)", "same-site": "same-site (localhost ports)", "cross-site": "cross-site (127.0.0.1 vs localhost)"}[site]
				ck := map[string]string{"lax": "`SameSite=Lax`", "none": "`SameSite=None; Secure`"}[cookie]
				tp := map[bool]string{false: "blocked (default)", true: "allowed"}[allow]
				fmt.Fprintf(&b, "| %s | %s | %s |", label, ck, tp)
				for _, v := range got[c] {
					if v == "ok" {
						v = "✅ works"
					} else {
						v = "❌ " + v
					}
					b.WriteString(" " + v + " |")
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}
