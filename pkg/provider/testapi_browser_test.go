package provider_test

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/provider"
)

// TestTestAPISignInBrowser: the storageState of the test API's sign-in,
// loaded into headless Chromium the way Playwright loads one (the CDP
// cookie call, every attribute as given), signs the browser in: the
// unmodified @auth0/auth0-spa-js and oidc-client-ts apps on two origins
// get tokens silently, with the session's claims, and nobody sees the
// login form.
func TestTestAPISignInBrowser(t *testing.T) {
	browser := browserCtx(t, false)
	e := newSDKEnv(t, "", appSpec{"app-a", "localhost"}, appSpec{"app-b", "localhost"})
	a, b := e.apps["app-a"], e.apps["app-b"]

	res, err := e.op.SignIn(provider.SignInRequest{User: "bob", Claims: map[string]any{"tenant": "acme"}})
	if err != nil {
		t.Fatal(err)
	}
	// through JSON, as a test runner reads the document
	raw, _ := json.Marshal(res.StorageState)
	var state provider.StorageState
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	tabA := newProfile(t, browser)
	var cookies []*network.CookieParam
	for _, c := range state.Cookies {
		cookies = append(cookies, &network.CookieParam{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			Expires: cdp.TimeSinceEpoch(c.Expires), HTTPOnly: c.HTTPOnly, Secure: c.Secure, SameSite: network.CookieSameSite(c.SameSite)})
	}
	if _, err := chromedp.Call(tabA, network.SetCookies, network.SetCookiesParams{Cookies: cookies}); err != nil {
		t.Fatalf("load the storageState's cookies: %v", err)
	}

	do(t, tabA, "open app A", chromedp.Navigate(a.origin+"/auth0/"))
	got := eval[sdkResult](t, tabA, `app.token()`)
	if !got.OK {
		t.Fatalf("auth0-spa-js getTokenSilently with the test API's session: %s", got)
	}
	if c := parseClaims(t, got.IDToken); c["sub"] != "bob" || c["tenant"] != "acme" || c["sid"] != res.SID || c["aud"] != "app-a" {
		t.Errorf("app A's ID token: %v", c)
	}

	tabB := newTab(t, tabA)
	do(t, tabB, "open app B", chromedp.Navigate(b.origin+"/oidc/"))
	if r := eval[sdkResult](t, tabB, `app.silent()`); !r.OK || r.Sub != "bob" {
		t.Fatalf("oidc-client-ts signinSilent with the test API's session: %s (sub %q)", r, r.Sub)
	}
	if n := len(e.eventsFor("login_failed", "")) + len(e.eventsFor("code", "")); n != 0 {
		t.Errorf("%d form or redirect sign-ins; the session should have been enough", n)
	}
	if ev := e.eventsFor("silent", ""); len(ev) != 2 {
		t.Errorf("silent sign-ins: %+v", ev)
	}
	sessions := e.op.Sessions()
	if len(sessions) != 1 || len(sessions[0].Clients) != 2 {
		t.Errorf("the one session should now have both apps: %+v", sessions)
	}
}
