package scaffold

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/stack"
)

// TestScaffoldedAppsInChromium is issue 7's end-to-end test: the vanilla and
// react templates, scaffolded and registered as `ssokit new` does and built
// for real (the builds TestTemplatesBuild makes), each served from its dist/
// on its registered port, behind the stack `ssokit up` runs (provider and
// proxy from the generated ssokit.yaml), in headless Chromium with its
// default third-party-cookie blocking:
//
//   - paths under the proxy, and then the apps on their own origins: sign in
//     to one through the form; the other signs in silently (no form, no
//     top-level navigation); sign out in one and the other notices;
//   - the provider cross-site (the app on 127.0.0.1, the provider on
//     localhost): vanilla falls back to its sign-in button at once, and
//     signs in with a top-level prompt=none redirect when a session exists.
//
// It runs where TestTemplatesBuild does: always with CI=true, else with
// SSOKIT_TEST_TEMPLATES=1.
func TestScaffoldedAppsInChromium(t *testing.T) {
	needTemplates(t, "the template builds (npm, minutes)")
	testutil.ChromePath(t) // before minutes of building
	w := sharedWorkspace(t)
	vanilla, react := w.built(t, "vanilla"), w.built(t, "react")
	vanillaOrigin, reactOrigin := vanilla.serveDist(t), react.serveDist(t)

	cfg, err := config.Load(w.config)
	if err != nil {
		t.Fatalf("load the ssokit.yaml that ssokit new wrote: %v", err)
	}
	// The cross-site run opens vanilla on 127.0.0.1. ssokit new registers
	// localhost origins only (127.0.0.1 is another site than the provider
	// on localhost, which is exactly what that run needs).
	crossOrigin := fmt.Sprintf("http://127.0.0.1:%d", vanilla.port)
	c, ok := cfg.Client("vanilla")
	if !ok {
		t.Fatal("ssokit new did not register client vanilla")
	}
	c.RedirectURIs = append(c.RedirectURIs, crossOrigin+"/vanilla/callback")
	c.PostLogoutRedirectURIs = append(c.PostLogoutRedirectURIs, crossOrigin+"/vanilla/")
	c.WebOrigins = append(c.WebOrigins, crossOrigin)

	st := w.startStack(t, cfg, nil)
	proxy := st.ProxyURL()
	browser := testutil.NewChrome(t, testutil.ChromeOptions{})

	t.Run("paths under the proxy", func(t *testing.T) {
		ssoStory(t, browser, proxy+"/vanilla/", proxy+"/react/", true)
	})
	t.Run("own origins", func(t *testing.T) {
		ssoStory(t, browser, vanillaOrigin+"/vanilla/", reactOrigin+"/react/", false)
	})
	t.Run("provider cross-site", func(t *testing.T) {
		crossSite(t, browser, st, crossOrigin+"/vanilla/", proxy+"/react/")
	})
}

// ssoStory signs in to vanilla through the form, opens react (silent),
// signs out in vanilla (react notices), signs in again in react through the
// form, reloads vanilla (silent), and signs out in react (vanilla notices).
// sameOrigin says both apps share an origin, which is where the
// front-channel logout page (registered on the proxy) can reach an open tab.
func ssoStory(t *testing.T, browser context.Context, vanillaURL, reactURL string, sameOrigin bool) {
	var tm timings
	defer tm.log(t)
	a := newProfile(t, browser, "vanilla")
	b := a.newTab("react")

	a.front()
	opened := a.open(vanillaURL)
	s, _ := a.waitFor("vanilla: signed out, with the sign-in button", func(s appState) bool {
		return s.URL == vanillaURL && s.Status == "signed-out" && s.LoginVisible
	})
	tm.add("vanilla, first visit, not signed in: open to sign-in button (silent iframe answered login_required)", time.Since(opened))
	if navs := a.navigations(); !slices.Equal(navs, []string{vanillaURL}) {
		t.Errorf("vanilla's silent attempt navigated the page: %q (%s)", navs, s)
	}

	a.signInThroughForm("alice")
	s, d := a.waitStatus(vanillaURL, "signed-in")
	tm.add("vanilla: submit the login form to signed-in (redirect back, code exchange)", d)
	if !strings.Contains(s.User, "Alice Doe") || !strings.Contains(s.Text, "via redirect") {
		t.Errorf("vanilla after the form: %s", s)
	}
	s, d = a.callAPI()
	tm.add("vanilla: protected API call with the access token (userinfo, CORS)", d)
	if !strings.HasPrefix(s.API, "HTTP 200") || !strings.Contains(s.API, `"sub": "alice"`) {
		t.Errorf("vanilla's protected API call: %q", s.API)
	}

	// react, in another tab: signed in silently.
	b.front()
	opened = b.open(reactURL)
	s, _ = b.waitFor("react: signed in silently", func(s appState) bool {
		return s.Status == "signed-in" || s.Status == "signed-out" || s.Status == "error" || s.Form
	})
	tm.add("react, first visit, signed in through vanilla: open to signed-in (hidden iframe)", time.Since(opened))
	if s.Status != "signed-in" || !strings.Contains(s.User, "Alice Doe") {
		t.Fatalf("react was not signed in silently: %s", s)
	}
	if navs := b.navigations(); s.URL != reactURL || !slices.Equal(navs, []string{reactURL}) {
		t.Fatalf("react's silent sign-in was visible: the tab is at %s after the top-level navigations %q", s.URL, navs)
	}
	s, d = b.callAPI()
	tm.add("react: protected API call with the access token (userinfo, CORS)", d)
	if !strings.HasPrefix(s.API, "HTTP 200") || !strings.Contains(s.API, `"sub": "alice"`) {
		t.Errorf("react's protected API call: %q", s.API)
	}

	// Sign out everywhere from vanilla; react notices without being touched:
	// through the front-channel logout page when it shares the page's origin
	// (the page is registered on the proxy), else by session monitoring.
	b.watchFrontchannel("react")
	a.front()
	a.mark()
	clicked := time.Now()
	a.do("click sign out in vanilla", clickJS("#logout"))
	a.waitFor("vanilla back from the provider's logout, signed out", func(s appState) bool {
		return !s.Mark && s.URL == vanillaURL && s.Status == "signed-out"
	})
	tm.add("vanilla: sign out everywhere, through the provider's logout page and back, to signed-out", time.Since(clicked))
	s, _ = b.waitFor("react notices the sign-out", func(s appState) bool { return s.Status == "signed-out" })
	how := "session monitoring (check_session iframe)"
	if s.Frontchannel {
		how = "the front-channel logout page"
	}
	tm.add("react notices the sign-out in vanilla, via "+how+" (from the click)", time.Since(clicked))
	if s.URL != reactURL || !s.LoginVisible {
		t.Errorf("react after the sign-out elsewhere: %s", s)
	}
	if sameOrigin {
		// Whichever way react noticed first, its front-channel logout
		// page (on its own origin here) must reach the tab too.
		b.waitFor("react's front-channel logout page reaches the react tab", func(s appState) bool { return s.Frontchannel })
	}

	// Sign in again, in react through the form; vanilla's next load is silent.
	b.front()
	b.signInThroughForm("alice")
	_, d = b.waitStatus(reactURL, "signed-in")
	tm.add("react: submit the login form to signed-in", d)
	b.navigations()
	a.front()
	opened = a.open(vanillaURL)
	s, _ = a.waitStatus(vanillaURL, "signed-in")
	tm.add("vanilla, reloaded, signed in through react: open to signed-in (hidden iframe)", time.Since(opened))
	if !strings.Contains(s.Text, "via iframe") {
		t.Errorf("vanilla signed in, but not through the hidden iframe: %s", s)
	}
	if navs := a.navigations(); !slices.Equal(navs, []string{vanillaURL}) {
		t.Errorf("vanilla's silent sign-in was visible: %q", navs)
	}

	// Sign out everywhere from react; vanilla notices.
	a.watchFrontchannel("vanilla")
	b.front()
	b.mark()
	clicked = time.Now()
	b.do("click sign out in react", clickJS("#logout"))
	b.waitFor("react back from the provider's logout, signed out", func(s appState) bool {
		return !s.Mark && s.URL == reactURL && s.Status == "signed-out"
	})
	tm.add("react: sign out everywhere, through the provider's logout page and back, to signed-out", time.Since(clicked))
	if sameOrigin {
		// The provider's logout page loads vanilla's front-channel logout
		// page, on the proxy's origin like the vanilla tab, which hears it.
		s, _ = a.waitFor("vanilla notices the sign-out (front-channel logout)", func(s appState) bool { return s.Status == "signed-out" })
		tm.add("vanilla notices the sign-out in react, via the front-channel logout page (from the click)", time.Since(clicked))
		if !s.Frontchannel || !strings.Contains(s.Text, "signed out in another app") {
			t.Errorf("vanilla noticed the sign-out, but not through its front-channel logout page: %s", s)
		}
	} else {
		// The front-channel page is on the proxy's origin and cannot reach
		// a tab on another origin: vanilla notices at its next silent call,
		// which it makes when the user comes back to its tab. Headless
		// Chromium keeps every tab visible, so the test sends the
		// visibilitychange event such a tab switch gives.
		if s, _ := a.state(); s.Status != "signed-in" {
			t.Logf("vanilla noticed before its tab was shown again: %s", s)
		}
		a.front()
		shown := time.Now()
		a.do("the user comes back to vanilla's tab", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event('visibilitychange'))`))
		s, _ = a.waitFor("vanilla notices the sign-out when its tab is shown again", func(s appState) bool { return s.Status == "signed-out" })
		tm.add("vanilla notices the sign-out in react, at its next silent call (from the tab shown again)", time.Since(shown))
		if !strings.Contains(s.Text, "signed out elsewhere") {
			t.Errorf("vanilla noticed the sign-out, but not through its silent check: %s", s)
		}
	}
	if s.URL != vanillaURL || !s.LoginVisible {
		t.Errorf("vanilla after the sign-out elsewhere: %s", s)
	}
}

// crossSite: vanilla on 127.0.0.1 with the provider on localhost and
// third-party cookies blocked. The hidden iframe cannot work there, so the
// auth module skips it and tries a top-level prompt=none redirect; with no
// session that comes straight back and the configured fallback (the sign-in
// button, VITE_SSOKIT_FALLBACK=button) shows. With a session (signed in
// through react on localhost) the same redirect signs in without a form.
func crossSite(t *testing.T, browser context.Context, st *stack.Stack, vanillaURL, reactURL string) {
	var tm timings
	defer tm.log(t)
	since := time.Now()
	a := newProfile(t, browser, "vanilla on 127.0.0.1")
	opened := a.open(vanillaURL)
	s, _ := a.waitFor("vanilla falls back to the sign-in button", func(s appState) bool {
		return s.URL == vanillaURL && (s.Status == "signed-out" || s.Status == "error" || s.Form)
	})
	tm.add("vanilla cross-site, not signed in: open to sign-in button (top-level prompt=none and back)", time.Since(opened))
	if s.Status != "signed-out" || !s.LoginVisible || s.Form {
		t.Fatalf("vanilla cross-site did not fall back to its sign-in button: %s", s)
	}
	// The authorization request answers with a redirect, which commits no
	// page: the tab shows the app, then its callback with the error.
	if navs := a.navigations(); len(navs) != 2 || !strings.HasPrefix(navs[1], vanillaURL+"callback?error=login_required") {
		t.Errorf("vanilla cross-site: want the app and then its callback with login_required, navigations %q", navs)
	}
	if n := silentAttempts(st, since); n != 1 {
		t.Errorf("vanilla cross-site: %d prompt=none requests reached the provider, want 1 (the top-level redirect; no hidden iframe)", n)
	}

	// Signed in through react (same site as the provider), vanilla on
	// 127.0.0.1 in a new tab signs in with the top-level redirect, no form.
	b := a.newTab("react")
	b.front()
	b.open(reactURL)
	b.waitStatus(reactURL, "signed-out")
	b.signInThroughForm("alice")
	b.waitStatus(reactURL, "signed-in")
	c := a.newTab("vanilla on 127.0.0.1, second tab")
	c.front()
	opened = c.open(vanillaURL)
	s, _ = c.waitFor("vanilla signs in by a top-level prompt=none redirect", func(s appState) bool {
		return s.URL == vanillaURL && (s.Status == "signed-in" || s.Status == "signed-out" || s.Status == "error" || s.Form)
	})
	tm.add("vanilla cross-site, signed in through react: open to signed-in (top-level prompt=none and back)", time.Since(opened))
	if s.Status != "signed-in" || !strings.Contains(s.Text, "via silent-redirect") || !strings.Contains(s.User, "Alice Doe") {
		t.Fatalf("vanilla cross-site with a provider session: %s", s)
	}
}

// silentAttempts counts the prompt=none requests of client vanilla that
// the provider answered since a time.
func silentAttempts(st *stack.Stack, since time.Time) int {
	n := 0
	for _, e := range st.Provider.Events().Recent() {
		if e.Kind == events.KindSilent && e.ClientID == "vanilla" && !e.Time.Before(since) {
			n++
		}
	}
	return n
}

// TestDevServerURLIsRegistered: the URL a template's dev server prints (its
// host in vite.config.ts) must be the dev origin that registration writes
// into ssokit.yaml. With Vite on 127.0.0.1 and localhost registered, the URL
// developers click led to the provider's "redirect_uri is not registered"
// page on the first silent attempt, and it is cross-site with the provider
// anyway (the case TestScaffoldedAppsInChromium's cross-site run needs extra
// registration for).
func TestDevServerURLIsRegistered(t *testing.T) {
	tmpls, err := List(templatesFS())
	if err != nil {
		t.Fatal(err)
	}
	hostRE := regexp.MustCompile(`(?m)^\s*(server|preview): \{ host: '([^']*)'`)
	for _, tm := range tmpls {
		if tm.Kind != KindSPA {
			continue
		}
		t.Run(tm.Name, func(t *testing.T) {
			data, err := goldenParams(tm.Name).Data()
			if err != nil {
				t.Fatal(err)
			}
			files, err := Render(templatesFS(), tm.Name, data)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(NewRegistration(tm, data, "./account", "").App.Upstream)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Path != "vite.config.ts" {
					continue
				}
				m := hostRE.FindAllStringSubmatch(string(f.Data), -1)
				if len(m) != 2 {
					t.Fatalf("vite.config.ts: want a host for server and preview, found %q", m)
				}
				for _, h := range m {
					if h[2] != u.Hostname() {
						t.Errorf("vite.config.ts: %s.host is %q, but ssokit new registers the dev origin %s", h[1], h[2], u)
					}
				}
				return
			}
			t.Fatal("no vite.config.ts")
		})
	}
}
