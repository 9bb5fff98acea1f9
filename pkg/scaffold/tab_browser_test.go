package scaffold

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// waitTimeout bounds every wait of the browser test: far above what any
// step takes (see the timings it logs), so only a hang reaches it.
const waitTimeout = 45 * time.Second

// tab is one browser tab showing a scaffolded app. It records the
// top-level navigations of its main frame: a silent sign-in must not add
// any (no visible redirect), while hidden iframes do not count.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu   sync.Mutex
	navs []string
}

// newProfile opens a tab in a fresh browser context: its own cookie jar and
// storage, third-party cookies blocked (Chromium's default, and always the
// case in an off-the-record context).
func newProfile(t *testing.T, browser context.Context, name string) *tab {
	t.Helper()
	return openTab(t, browser, name, chromedp.WithNewBrowserContext())
}

// newTab opens another tab in the same browser context as b.
func (b *tab) newTab(name string) *tab {
	b.t.Helper()
	return openTab(b.t, b.ctx, name)
}

func openTab(t *testing.T, parent context.Context, name string, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, opts...)
	t.Cleanup(cancel)
	b := &tab{t: t, name: name, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open tab: %v", name, err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		var f *cdp.Frame
		switch e := ev.(type) {
		case *page.EventFrameNavigated:
			f = e.Frame
		case page.EventFrameNavigated:
			f = e.Frame
		}
		if f == nil || f.ParentID != "" {
			return
		}
		b.mu.Lock()
		b.navs = append(b.navs, f.URL+f.URLFragment)
		b.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("%s: listen: %v", name, err)
	}
	return b
}

// navigations returns the main-frame navigations since the last call.
func (b *tab) navigations() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.navs
	b.navs = nil
	return n
}

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// appState is what the templates' demo pages show (the ids and data-status
// values their main.ts/App.tsx promise to keep), plus where the tab is.
type appState struct {
	URL string `json:"url"`
	// Mark is true while the document that mark() tagged is still loaded.
	Mark          bool   `json:"mark"`
	Status        string `json:"status"` // data-status: loading, signed-in, signed-out, error
	Text          string `json:"text"`   // #status text, e.g. "signed-in (via iframe)"
	User          string `json:"user"`
	LoginVisible  bool   `json:"login"`
	LogoutVisible bool   `json:"logout"`
	// Form is true on the provider's login form.
	Form bool `json:"form"`
	// Frontchannel is true once the page heard the front-channel logout
	// message it watches for (see watchFrontchannel).
	Frontchannel bool `json:"frontchannel"`
	// API is the #api-result text: the protected API call's answer.
	API string `json:"api"`
	// Continue is true while the vanilla template shows the provider's
	// storage-access "Continue" frame (iframe.ssokit-continue).
	Continue bool `json:"continue"`
}

func (s appState) String() string {
	return fmt.Sprintf("%s status=%q text=%q user=%q login=%v logout=%v form=%v", s.URL, s.Status, s.Text, s.User, s.LoginVisible, s.LogoutVisible, s.Form)
}

const stateJS = `(() => {
  const s = document.querySelector('#status'), l = document.querySelector('#login'), o = document.querySelector('#logout');
  return {
    url: location.href, mark: window.__ssokitE2E === true,
    status: s ? (s.dataset.status || '') : '', text: s ? s.textContent : '',
    user: (document.querySelector('#user') || {}).textContent || '',
    login: !!(l && !l.hidden), logout: !!(o && !o.hidden),
    form: !!document.querySelector('input[name=username]'),
    frontchannel: window.__ssokitFrontchannel === true,
    api: (document.querySelector('#api-result') || {}).textContent || '',
    continue: !!document.querySelector('iframe.ssokit-continue'),
  };
})()`

// state reads the tab once; ok is false while no document answers (in the
// middle of a navigation).
func (b *tab) state() (appState, bool) {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[appState](stateJS))
	return s, err == nil
}

// waitFor polls the tab until cond holds and returns the state and how long
// it took. Polling from Go (not in the page) survives the navigations of
// redirect sign-ins and sign-outs.
func (b *tab) waitFor(what string, cond func(appState) bool) (appState, time.Duration) {
	b.t.Helper()
	start := time.Now()
	deadline := start.Add(waitTimeout)
	var last appState
	for {
		if s, ok := b.state(); ok {
			last = s
			if cond(s) {
				return s, time.Since(start)
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %s: still not there after %s; last seen: %s", b.name, what, waitTimeout, last)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitStatus waits until the page at url shows data-status status.
func (b *tab) waitStatus(url, status string) (appState, time.Duration) {
	b.t.Helper()
	return b.waitFor(fmt.Sprintf("%s at %s", status, url), func(s appState) bool {
		return s.URL == url && s.Status == status
	})
}

// mark tags the current document, so that a wait can tell a page that
// navigated away and came back from the page that never left.
func (b *tab) mark() {
	b.t.Helper()
	b.do("mark the document", chromedp.Evaluate[chromedp.Void](`window.__ssokitE2E = true`))
}

// watchFrontchannel listens, in the current page, on the BroadcastChannel
// that the template's public/frontchannel-logout.html posts to, to tell
// which way the page learnt of a sign-out elsewhere.
func (b *tab) watchFrontchannel(clientID string) {
	b.t.Helper()
	b.do("watch the front-channel logout channel", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`
		window.__ssokitFrontchannel = false;
		window.__ssokitChannel = new BroadcastChannel(%q);
		window.__ssokitChannel.onmessage = () => { window.__ssokitFrontchannel = true };`, "ssokit-logout:"+clientID)))
}

// open navigates to url and starts a fresh navigation record; it returns
// when the navigation started, for timings that include the page load.
func (b *tab) open(url string) time.Time {
	b.t.Helper()
	b.navigations()
	start := time.Now()
	b.do("open "+url, chromedp.Navigate(url))
	return start
}

// signInThroughForm clicks the app's #login and fills the provider's
// login form (any password works for alice).
func (b *tab) signInThroughForm(user string) {
	b.t.Helper()
	b.do("click sign in", chromedp.Click(chromedp.CSS("#login")))
	b.waitFor("the provider's login form", func(s appState) bool { return s.Form })
	b.do("fill the login form",
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password"),
		chromedp.Click(chromedp.CSS(`#submit`)),
	)
}

// callAPI clicks "Call the protected API" (the templates call the
// provider's userinfo endpoint with the access token as a bearer token) and
// returns the answer shown and the time from the click.
func (b *tab) callAPI() (appState, time.Duration) {
	b.t.Helper()
	b.do("clear the API result", chromedp.Evaluate[chromedp.Void](`document.querySelector('#api-result').textContent = ''`))
	start := time.Now()
	b.do("call the protected API", clickJS("#call-api"))
	s, _ := b.waitFor("the protected API's answer", func(s appState) bool { return strings.HasPrefix(s.API, "HTTP ") || strings.HasPrefix(s.API, "Error") })
	return s, time.Since(start)
}

// front makes this the active tab: the page becomes visible and the one
// that was in front is hidden, as when the user switches tabs.
func (b *tab) front() {
	b.t.Helper()
	b.do("bring to front", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.BringToFront, cdp.Empty{})
		return err
	}))
}

// timings collects the measured figures the test logs at the end.
type timings struct {
	mu    sync.Mutex
	lines []string
}

func (tm *timings) add(what string, d time.Duration) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.lines = append(tm.lines, fmt.Sprintf("%7.0f ms  %s", float64(d)/float64(time.Millisecond), what))
}

func (tm *timings) log(t *testing.T) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	t.Logf("measured:\n  %s", strings.Join(tm.lines, "\n  "))
}

// clickJS clicks like the user would, from the page's script: the click
// starts a navigation, which a protocol-level click would wait on.
func clickJS(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}
