package scaffold

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// TestSPABFFInChromium is the spa-bff template, scaffolded, registered and
// built as `ssokit new spa-bff` does, behind the stack `ssokit up` runs
// (auth: spa: the proxy is its backend-for-frontend), in headless Chromium:
// sign in, call the API through the proxy, keep working across an access
// token the proxy refreshes (a fault shortens its lifetime to 12 s), end
// with a back-channel logout, and never let page script see a token.
func TestSPABFFInChromium(t *testing.T) {
	needTemplates(t, "the spa-bff template build (npm, a minute)")
	testutil.ChromePath(t)
	w := sharedWorkspace(t)
	app := w.built(t, "spa-bff")
	app.serveDist(t)
	cfg, err := config.Load(w.config)
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := cfg.Client("spa-bff")
	if !ok || cl.BackchannelLogoutURI == "" {
		t.Fatalf("ssokit new did not register client spa-bff with back-channel logout: %+v", cl)
	}
	// Access tokens of the proxy's client live 12 s: the gate refreshes
	// 10 s before expiry, so a call 2 s after sign-in already renews.
	cfg.Faults = append(cfg.Faults, config.Fault{Endpoint: "token", ClientID: "spa-bff", AccessTokenTTL: 12 * time.Second})
	st := w.startStack(t, cfg, nil)
	appURL := st.ProxyURL() + "/spa-bff/"
	browser := testutil.NewChrome(t, testutil.ChromeOptions{})
	var tm timings
	defer tm.log(t)

	a := newProfile(t, browser, "spa-bff")
	opened := a.open(appURL)
	a.waitFor("signed out, with the sign-in button", func(s appState) bool { return s.Status == "signed-out" && s.LoginVisible })
	tm.add("first visit: open to signed-out (one session call to the proxy)", time.Since(opened))

	a.signInThroughForm("alice")
	s, d := a.waitStatus(appURL, "signed-in")
	tm.add("submit the login form to signed-in (the proxy's callback, then the session call)", d)
	if !strings.Contains(s.User, "Alice Doe") {
		t.Errorf("after sign-in: %s", s)
	}
	s, d = a.callAPI()
	tm.add("protected API call through the proxy (bearer token added server-side)", d)
	if !strings.HasPrefix(s.API, "HTTP 200") || !strings.Contains(s.API, `"sub": "alice"`) {
		t.Fatalf("API call: %q", s.API)
	}
	noTokens := func(when string) {
		t.Helper()
		leak, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](`(async () => {
			const found = []
			// (ssokit_bs, the provider's browser state for session
			// monitoring, is readable by design and holds no token.)
			if (/ssokit_proxy|ssokit_session|eyJ/.test(document.cookie)) found.push('document.cookie: ' + document.cookie)
			for (const [name, store] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]])
				for (let i = 0; i < store.length; i++) if (/eyJ/.test(store.getItem(store.key(i)))) found.push(name)
			if (/eyJ/.test(document.documentElement.outerHTML)) found.push('the page')
			const s = await fetch('_ssokit/session', {headers: {'X-CSRF': '1'}}).then(r => r.text())
			if (/eyJ/.test(s)) found.push('the session endpoint')
			return found.join('; ')
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: read the page: %v", when, err)
		}
		if leak != "" {
			t.Errorf("%s: page script can read a token or the session cookie: %s", when, leak)
		}
	}
	noTokens("after the API call")

	// Across expiry: the proxy refreshes; the page sees a later expiry and
	// the API keeps answering.
	since := time.Now()
	before := evalExpiry(t, a)
	time.Sleep(2500 * time.Millisecond) // past the refresh point: 12 s lifetime − 10 s leeway
	s, _ = a.callAPI()
	if !strings.HasPrefix(s.API, "HTTP 200") {
		t.Fatalf("API call after the access token's refresh point: %q", s.API)
	}
	refreshes := 0
	for _, e := range st.Provider.Events().Recent() {
		if e.Kind == events.KindRefresh && e.ClientID == "spa-bff" && !e.Time.Before(since) {
			refreshes++
		}
	}
	if after := evalExpiry(t, a); refreshes == 0 || after <= before {
		t.Errorf("no server-side refresh: %d refresh events, expires_at %d → %d", refreshes, before, after)
	}
	noTokens("after the refresh")

	// A page on another port (same site: the Lax session cookie goes along)
	// posts a form to the API: refused for want of the CSRF header.
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<form method="post" action="%sapi/userinfo"></form><script>document.forms[0].submit()</script>`, appURL)
	}))
	t.Cleanup(attacker.Close)
	forged := a.newTab("attacker")
	forged.open(strings.Replace(attacker.URL, "127.0.0.1", "localhost", 1)) // another port of the same host
	// Polled from Go: the form's navigation replaces the page (and its
	// JavaScript context) under any poll running in it.
	var body string
	for end := time.Now().Add(waitTimeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(forged.ctx, 2*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href.includes('/api/') ? document.body.innerText : ''`))
		cancel()
		if err == nil && got != "" {
			body = got
			break
		}
	}
	if !strings.Contains(body, `"csrf"`) {
		t.Errorf("a forged cross-site form reached the API, or never answered: %q", body)
	}

	// Sign out at the provider, not in the app: the provider's back-channel
	// logout ends the proxy session; the page notices when shown again.
	b := a.newTab("provider")
	b.open(w.issuer + "logout")
	b.do("confirm the sign-out at the provider", chromedp.WaitVisible(chromedp.CSS(`#signout`)), clickJS(`#signout`))
	deadline := time.Now().Add(waitTimeout)
	for {
		a.do("show the app's tab again", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event('visibilitychange'))`))
		if s, ok := a.state(); ok && s.Status == "signed-out" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the SPA's proxy session outlived the provider's: back-channel logout did not end it")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The page hides the API button now; its API answers 401 all the same.
	status, err := chromedp.Run(a.ctx, chromedp.Evaluate[int](`fetch('api/userinfo', {headers: {'X-CSRF': '1'}}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 401 {
		t.Errorf("API after back-channel logout: %d %v, want 401", status, err)
	}
}

// evalExpiry reads expires_at from the session endpoint, in the page.
func evalExpiry(t *testing.T, b *tab) int64 {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[int64](`fetch('_ssokit/session', {headers: {'X-CSRF': '1'}}).then(r => r.json()).then(s => s.expires_at || 0)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read expires_at: %v", err)
	}
	return v
}
