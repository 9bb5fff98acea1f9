package browser_test

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// crossCheckServers starts a minimal provider and app. The provider's
// /login sets the session cookie with the SameSite given in ?ss=; its
// /authorize answers prompt=none with a code when the cookie arrived and
// login_required otherwise. The app's /page embeds /authorize in a hidden
// iframe; its /callback posts the result to the page.
func crossCheckServers(t *testing.T) (providerPort, appPort string) {
	prov := http.NewServeMux()
	prov.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		c := "sess=1; Path=/; HttpOnly; SameSite=Lax"
		switch r.URL.Query().Get("ss") {
		case "none":
			c = "sess=1; Path=/; HttpOnly; SameSite=None; Secure"
		case "strict":
			c = "sess=1; Path=/; HttpOnly; SameSite=Strict"
		}
		w.Header().Add("Set-Cookie", c)
		fmt.Fprint(w, "<title>signed in</title>signed in")
	})
	prov.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		v := url.Values{"state": {q.Get("state")}}
		if _, err := r.Cookie("sess"); err == nil {
			v.Set("code", "ok")
		} else {
			v.Set("error", "login_required")
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+v.Encode(), http.StatusFound)
	})
	app := http.NewServeMux()
	app.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>app</title><script>
window.addEventListener("message", function (e) { if (e.origin === location.origin) window.result = e.data; });
</script><iframe hidden src="%s"></iframe>`, html.EscapeString(r.URL.Query().Get("auth")))
	})
	app.HandleFunc("/top", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>app</title><script>location.href = %q;</script>`, r.URL.Query().Get("auth"))
	})
	app.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><script>
if (window.parent !== window) parent.postMessage(location.search, location.origin);
else document.title = "result" + location.search;
</script>`)
	})
	ps, as := httptest.NewServer(prov), httptest.NewServer(app)
	t.Cleanup(ps.Close)
	t.Cleanup(as.Close)
	_, pp, _ := net.SplitHostPort(ps.Listener.Addr().String())
	_, ap, _ := net.SplitHostPort(as.Listener.Addr().String())
	return pp, ap
}

type scenario struct {
	layout, appHost, provHost, sameSite string
	// topLevel: the app's page navigates the tab to the provider instead
	// of embedding it in an iframe.
	topLevel bool
}

func scenarios() []scenario {
	var out []scenario
	for _, l := range []struct{ name, app, prov string }{
		{"same-site (localhost ports)", "localhost", "localhost"},
		{"cross-site (127.0.0.1 app, localhost provider)", "127.0.0.1", "localhost"},
		{"subdomains (app.localhost, auth.localhost)", "app.localhost", "auth.localhost"},
	} {
		for _, ss := range []string{"lax", "none"} {
			out = append(out, scenario{l.name, l.app, l.prov, ss, false})
		}
	}
	// A cross-site top-level redirect (what a "redirect" step does): Lax and
	// None travel, Strict does not, whatever the third-party policy.
	for _, ss := range []string{"lax", "none", "strict"} {
		out = append(out, scenario{"top-level redirect from 127.0.0.1 to localhost", "127.0.0.1", "localhost", ss, true})
	}
	return out
}

func (s scenario) urls(pp, ap string) (login, page, authorize *url.URL) {
	prov := "http://" + net.JoinHostPort(s.provHost, pp)
	app := "http://" + net.JoinHostPort(s.appHost, ap)
	authorize, _ = url.Parse(prov + "/authorize?" + url.Values{"redirect_uri": {app + "/callback"}, "state": {"s"}, "prompt": {"none"}}.Encode())
	kind := "/page?"
	if s.topLevel {
		kind = "/top?"
	}
	page, _ = url.Parse(app + kind + url.Values{"auth": {authorize.String()}}.Encode())
	login, _ = url.Parse(prov + "/login?ss=" + s.sameSite)
	return login, page, authorize
}

// simulate runs the scenario in the virtual browser: a top-level visit to
// the provider's login, then the app page's hidden iframe.
func simulate(t *testing.T, profile string, s scenario, pp, ap string) string {
	p, err := browser.LookupProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	login, page, authorize := s.urls(pp, ap)
	b := browser.New(browser.Options{Profile: p, Intercept: func(u *url.URL) bool { return u.Path == "/callback" }})
	ctx := context.Background()
	if _, err := b.Navigate(ctx, browser.Navigation{URL: login}); err != nil {
		t.Fatal(err)
	}
	nav := browser.Navigation{Context: browser.IFrame, Top: page, Initiator: page, URL: authorize}
	if s.topLevel {
		nav = browser.Navigation{Context: browser.TopLevel, Initiator: page, URL: authorize}
	}
	res, err := b.Navigate(ctx, nav)
	if err != nil {
		t.Fatal(err)
	}
	return outcome(res.URL.RawQuery)
}

func outcome(query string) string {
	v, _ := url.ParseQuery(strings.TrimPrefix(query, "?"))
	if v.Get("code") != "" {
		return "code"
	}
	return v.Get("error")
}

// chromium runs the scenario in headless Chromium with a clean cookie jar.
func chromium(t *testing.T, ctx context.Context, s scenario, pp, ap string) string {
	login, page, _ := s.urls(pp, ap)
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(login.String()), chromedp.Navigate(page.String())); err != nil {
		t.Fatal(err)
	}
	expr := `window.result`
	if s.topLevel {
		expr = `document.title.indexOf("result") === 0 && document.title.slice(6)`
	}
	var got string
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		got, err = chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(15*time.Second)))
		// A navigation still settling replaces the page's JavaScript
		// context under the poll: poll the new one.
		if err == nil || !strings.Contains(err.Error(), "(-32000)") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("%s: no result from the iframe: %v", s.layout, err)
	}
	return outcome(got)
}

// TestSimulatorMatchesChromium runs one silent-auth scenario — sign in at
// the provider at top level, then prompt=none in a hidden iframe on the
// app's page — in real Chromium and in the simulator, for three layouts
// (same-site ports, 127.0.0.1 vs localhost, app.localhost vs
// auth.localhost), two session cookies (SameSite=Lax, SameSite=None;
// Secure), plus a cross-site top-level redirect with Lax, None and Strict
// cookies, with third-party cookies allowed and blocked, and asserts the
// simulator predicts what Chromium did.
func TestSimulatorMatchesChromium(t *testing.T) {
	pp, ap := crossCheckServers(t)
	for _, mode := range []struct {
		allow   bool
		profile string
	}{{true, "chrome"}, {false, "chrome-3pc-blocked"}} {
		ctx := testutil.NewChrome(t, testutil.ChromeOptions{AllowThirdPartyCookies: mode.allow})
		for _, s := range scenarios() {
			real := chromium(t, ctx, s, pp, ap)
			sim := simulate(t, mode.profile, s, pp, ap)
			t.Logf("%-20s %-48s SameSite=%-6s chromium=%-14s simulator=%s", mode.profile, s.layout, s.sameSite, real, sim)
			if real != sim {
				t.Errorf("%s, %s, SameSite=%s: Chromium got %q, the simulator predicts %q", mode.profile, s.layout, s.sameSite, real, sim)
			}
		}
	}
}
