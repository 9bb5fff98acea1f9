package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/golden"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// The dashboard is judged in Chromium: what a developer sees is what the
// page's script makes of the real provider's event stream.

const (
	dashA = "http://127.0.0.1:5101/cb" // app A: shell
	dashB = "http://127.0.0.1:5102/cb" // app B: account
)

// hostileName is a claim a user could set to attack the dashboard: markup,
// an escape sequence, a bell, a right-to-left override.
const hostileName = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>` + "\x1b[31mred\x07\u202eevil"

func dashConfig(backchannel string) *config.Config {
	return &config.Config{
		Users: []config.User{
			{Username: "alice", Password: "alice-pw", Claims: map[string]any{"name": "Alice Doe", "email": "alice@example.com"}},
			{Username: "bob", Password: "bob-pw"},
			{Username: "mallory", Password: "m", Claims: map[string]any{"name": hostileName, "bio": strings.Repeat("long ", 4000)}},
		},
		Clients: []config.Client{
			{ClientID: "shell", RedirectURIs: []string{dashA}, PostLogoutRedirectURIs: []string{"http://127.0.0.1:5101/"},
				FrontchannelLogoutURI: "http://127.0.0.1:5101/logout", BackchannelLogoutURI: backchannel},
			{ClientID: "account", RedirectURIs: []string{dashB}, FrontchannelLogoutURI: "http://127.0.0.1:5102/logout"},
		},
		Apps: []config.App{
			{Name: "shell", Path: "/shell", Upstream: "http://127.0.0.1:5101"},
			{Name: "account", Path: "/account", Upstream: "http://127.0.0.1:5102"},
		},
	}
}

type dashEnv struct {
	op  *testOP
	ctx context.Context // the dashboard's tab
}

func newDashEnv(t *testing.T, chrome context.Context, keep int) *dashEnv {
	t.Helper()
	bc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(bc.Close)
	op := newTestOP(t, dashConfig(bc.URL+"/backchannel"), func(o *Options) {
		o.Now = time.Now
		o.Events = events.NewBus(keep)
	})
	return &dashEnv{op: op, ctx: dashProfile(t, chrome)}
}

// open loads the dashboard and waits until its stream is live.
func (e *dashEnv) open(t *testing.T) {
	t.Helper()
	dashDo(t, e.ctx, "open the dashboard", chromedp.EmulateViewport(1400, 1100), chromedp.Navigate(e.op.issuer+"_ssokit/"))
	pollJS(t, e.ctx, `document.getElementById('conn').dataset.state === 'live'`, 10*time.Second, "the stream never went live")
}

// signIn runs the authorization code flow for clientID in b (the login
// form when there is no session; prompt=none when silent) and exchanges
// the code, as the app would.
func (e *dashEnv) signIn(t *testing.T, b *browser, clientID, redirect, user, password string, silent bool) map[string]any {
	t.Helper()
	pk := newPKCE()
	var extra url.Values
	if silent {
		extra = url.Values{"prompt": {"none"}}
	}
	pg := b.get(e.op.authURL(clientID, redirect, pk, extra))
	if !silent {
		pg = b.signIn(pg, user, password)
	}
	q := callbackParams(t, pg, redirect)
	if q.Get("code") == "" {
		t.Fatalf("%s: no code: %v", clientID, q)
	}
	st, tok := e.op.exchange(t, clientID, redirect, q.Get("code"), pk.verifier)
	if st != http.StatusOK {
		t.Fatalf("%s exchange: %d %v", clientID, st, tok)
	}
	return tok
}

// pollJS evaluates a boolean expression until it holds or within expires,
// returning how long it took. There is no other timing in these tests.
func pollJS(t *testing.T, ctx context.Context, expr string, within time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		if err == nil && ok {
			return time.Since(start)
		}
		if time.Since(start) > within {
			diag, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('conn').textContent + ' | ' + [...document.querySelectorAll('svg.seq g.row')].map(g => g.getAttribute('aria-label')).join('\n')`))
			t.Fatalf("%s within %s (%s; err %v)\npage: %s", what, within, expr, err, diag)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func diagramRows(t *testing.T, ctx context.Context) string {
	return dashEval[string](t, ctx, `[...document.querySelectorAll('svg.seq g.row')].map(g => g.getAttribute('aria-label')).join('\n')`)
}

func TestDashboardBrowser(t *testing.T) {
	chrome := testutil.NewChrome(t, testutil.ChromeOptions{})

	// The judge: a sign-in at app A and a silent sign-in at app B appear as
	// one diagram within a second of the provider publishing the events.
	t.Run("sign-in at A, silent at B, drawn within a second", func(t *testing.T) {
		e := newDashEnv(t, chrome, 1000)
		e.open(t)
		b := newBrowser(t)
		// a silent attempt before anyone signed in fails, and says why
		pk := newPKCE()
		callbackParams(t, b.get(e.op.authURL("account", dashB, pk, url.Values{"prompt": {"none"}})), dashB)
		e.signIn(t, b, "shell", dashA, "alice", "alice-pw", false)
		e.signIn(t, b, "account", dashB, "", "", true)
		took := pollJS(t, e.ctx, `(() => {
			const rows = [...document.querySelectorAll('svg.seq g.row')].map(g => g.getAttribute('aria-label'));
			return rows.some(r => r.includes('browser → shell: ') || r.includes('browser → provider: sign in as alice (password) for shell')) &&
				rows.some(r => r.includes('provider → account: ✓ silent sign-in succeeded')) &&
				rows.filter(r => r.includes('id_token issued')).length === 2;
		})()`, time.Second, "the diagram did not show the sign-in at shell and the silent sign-in at account")
		t.Logf("diagram complete %s after the last event was published", took.Round(time.Millisecond))
		rows := diagramRows(t, e.ctx)
		for _, want := range []string{
			"browser → provider: sign in as alice (password) for shell",
			"provider → shell: ✓ authorization code issued (query)",
			"shell → provider: POST /oauth/token (code exchange)",
			"account → provider: silent sign-in: /authorize prompt=none",
		} {
			if !strings.Contains(rows, want) {
				t.Errorf("diagram lacks %q:\n%s", want, rows)
			}
		}
		lanes := dashEval[string](t, e.ctx, `[...document.querySelectorAll('svg.seq .lane-head')].map(x => x.textContent).join(',')`)
		if lanes != "browser,shell,account,provider" {
			t.Errorf("lanes %q, want browser,shell,account,provider", lanes)
		}
		// each app lane has the colour `up` gives the app in its logs (pkg/proxy
		// AppColor: FNV-1a of the name over its palette), named in words too
		heads := dashEval[string](t, e.ctx, `[...document.querySelectorAll('svg.seq .lane-head + text')].map(x => x.textContent).join(',')`)
		if want := "app · " + upColorName("shell") + ",app · " + upColorName("account"); heads != want {
			t.Errorf("lane colours %q, want %q", heads, want)
		}
		// the failed silent attempt is listed with its reason, outside any session
		dashClick(t, e.ctx, "select the sessionless events", `#sessions tr[data-sid=""]`)
		pollJS(t, e.ctx, `[...document.querySelectorAll('svg.seq g.row')].some(g => g.getAttribute('aria-label').includes('✗ silent sign-in failed: login_required'))`, 5*time.Second, "failed silent attempt with its reason")
	})

	t.Run("actions", func(t *testing.T) {
		e := newDashEnv(t, chrome, 1000)
		e.open(t)
		b := newBrowser(t)
		tok := e.signIn(t, b, "shell", dashA, "alice", "alice-pw", false)
		e.signIn(t, b, "account", dashB, "", "", true)
		sid := e.op.dashSessions(time.Now())[0].SID
		pollJS(t, e.ctx, `document.querySelector('#sessions tr[data-sid="`+sid+`"] button.end-session')`, 5*time.Second, "live session listed with an End session button")

		// a token opens decoded and verified, each claim explained; Escape closes
		dashDo(t, e.ctx, "open the id_token", chromedp.Focus(chromedp.CSS(`svg.seq g.row.token`)), chromedp.KeyEvent(kb.Enter))
		pollJS(t, e.ctx, `document.getElementById('token-verdict').textContent.startsWith('✓ valid')`, 5*time.Second, "token verified")
		claims := dashEval[string](t, e.ctx, `[...document.querySelectorAll('#token-claims tbody tr')].map(r => [...r.cells].map(c => c.textContent).join(' ')).join('\n')`)
		for _, want := range []string{"session id (SSO session)", "iss \"" + e.op.issuer + "\" issuer", "expires in"} {
			if !strings.Contains(claims, want) {
				t.Errorf("claims lack %q:\n%s", want, claims)
			}
		}
		if !dashEval[bool](t, e.ctx, `document.getElementById('token-dialog').open`) {
			t.Error("the token dialog closed by itself (the Enter that opened it must not reach its Close button)")
		}
		dashDo(t, e.ctx, "close the token", chromedp.KeyEvent(kb.Escape))
		pollJS(t, e.ctx, `!document.getElementById('token-dialog').open`, 5*time.Second, "dialog closed by Escape")

		// rotate keys
		before := e.op.keys.ActiveKID()
		dashDo(t, e.ctx, "rotate keys", chromedp.Click(chromedp.ID("rotate-keys")))
		pollJS(t, e.ctx, `document.getElementById('kid').dataset.kid !== `+jsString(before), 5*time.Second, "new kid shown")
		if after := e.op.keys.ActiveKID(); after == before || dashEval[string](t, e.ctx, `document.getElementById('kid').dataset.kid`) != after {
			t.Errorf("rotate: provider kid %s (was %s), page shows %s", after, before, dashEval[string](t, e.ctx, `document.getElementById('kid').dataset.kid`))
		}

		// inject a fault from the form; it fires on the next silent sign-in; clear it
		dashDo(t, e.ctx, "inject a fault",
			chromedp.SetValue(chromedp.ID("fault-endpoint"), "authorize"),
			chromedp.SetValue(chromedp.ID("fault-error"), "interaction_required"),
			chromedp.SetValue(chromedp.ID("fault-client"), "account"),
			chromedp.Click(chromedp.ID("fault-add")))
		pollJS(t, e.ctx, `document.getElementById('faults').textContent.includes('error interaction_required')`, 5*time.Second, "fault listed")
		if fs := e.op.faults.snapshot(); len(fs) != 1 || fs[0].Error != "interaction_required" || fs[0].ClientID != "account" {
			t.Fatalf("provider faults after inject: %+v", fs)
		}
		q := callbackParams(t, b.get(e.op.authURL("account", dashB, newPKCE(), url.Values{"prompt": {"none"}})), dashB)
		if q.Get("error") != "interaction_required" {
			t.Fatalf("fault did not fire: %v", q)
		}
		pollJS(t, e.ctx, `[...document.querySelectorAll('#events .ev')].some(d => d.textContent.startsWith('fault') && d.textContent.includes('forced interaction_required'))`, 5*time.Second, "fault firing in the event list")
		dashDo(t, e.ctx, "clear faults", chromedp.Click(chromedp.ID("fault-clear")))
		pollJS(t, e.ctx, `document.getElementById('faults').textContent === 'No faults installed.'`, 5*time.Second, "faults cleared")
		if fs := e.op.faults.snapshot(); len(fs) != 0 {
			t.Errorf("faults after clear: %+v", fs)
		}

		// end this session: logout and its back-channel delivery are drawn
		dashClick(t, e.ctx, "end the session", `#sessions tr[data-sid="`+sid+`"] button.end-session`)
		pollJS(t, e.ctx, `document.querySelector('#sessions tr[data-sid="`+sid+`"] td.state').textContent === 'ended'`, 5*time.Second, "session shown ended")
		if _, live := e.op.store.liveSession(sidCookie(t, b, e.op), time.Now()); live {
			t.Error("the session is still live at the provider")
		}
		pollJS(t, e.ctx, `[...document.querySelectorAll('svg.seq g.row')].some(g => g.getAttribute('aria-label').includes('provider → shell: ✓ back-channel logout POST'))`, 5*time.Second, "back-channel delivery drawn")
		// the refresh token of the ended session is revoked: its use shows as an error
		st, _ := e.op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {tok["refresh_token"].(string)}}, nil)
		if st == http.StatusOK {
			t.Error("refresh after ending the session succeeded")
		}

		// sign out everywhere: two sessions, both end
		e.signIn(t, newBrowser(t), "shell", dashA, "bob", "bob-pw", false)
		e.signIn(t, newBrowser(t), "shell", dashA, "alice", "alice-pw", false)
		pollJS(t, e.ctx, `document.querySelectorAll('#sessions button.end-session').length === 2`, 5*time.Second, "two live sessions")
		dashDo(t, e.ctx, "sign out everywhere", chromedp.Click(chromedp.ID("end-all")))
		pollJS(t, e.ctx, `document.querySelectorAll('#sessions button.end-session').length === 0 && document.getElementById('notice').textContent.includes('2 session(s) ended')`, 5*time.Second, "no live sessions left")
		if n := len(e.op.dashSessions(time.Now())); n != 0 {
			t.Errorf("%d sessions live after sign out everywhere", n)
		}
	})

	t.Run("hostile strings render as text", func(t *testing.T) {
		e := newDashEnv(t, chrome, 1000)
		e.open(t)
		e.signIn(t, newBrowser(t), "shell", dashA, "mallory", "m", false)
		// an event for a client nobody registered, with markup everywhere
		e.op.Events().Publish(events.Event{Time: time.Now(), Kind: events.KindToken, ClientID: `<script>window.__pwned=3</script>`,
			User: "<b>x</b>\x1b[2J", SID: `"><img src=x onerror=window.__pwned=4>`, Detail: strings.Repeat("<i>long</i>", 2000), Token: "not.a.jwt"})
		pollJS(t, e.ctx, `[...document.querySelectorAll('#events .ev')].some(d => d.textContent.includes('<script>window.__pwned=3</script> — not registered'))`, 5*time.Second, "unknown client listed as text")
		sid := e.op.dashSessions(time.Now())[0].SID
		dashClick(t, e.ctx, "select mallory's session", `#sessions tr[data-sid="`+sid+`"]`)
		pollJS(t, e.ctx, `document.querySelector('svg.seq g.row.token')`, 5*time.Second, "mallory's tokens drawn")
		dashEval[bool](t, e.ctx, `(() => { const g = [...document.querySelectorAll('svg.seq g.row.token')].find(g => g.getAttribute('aria-label').includes('id_token')); g.dispatchEvent(new MouseEvent('click', {bubbles: true})); return true })()`)
		pollJS(t, e.ctx, `document.getElementById('token-verdict').textContent.startsWith('✓ valid')`, 5*time.Second, "hostile token verified")
		name := dashEval[string](t, e.ctx, `[...document.querySelectorAll('#token-claims tbody tr')].find(r => r.cells[0].textContent === 'name').cells[1].textContent`)
		if want := `"<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>\u001b[31mred\u0007\u202eevil"`; name != want {
			t.Errorf("name claim shown as %q\nwant %q", name, want)
		}
		bio := dashEval[string](t, e.ctx, `[...document.querySelectorAll('#token-claims tbody tr')].find(r => r.cells[0].textContent === 'bio').cells[1].textContent`)
		if len(bio) > 4200 || !strings.Contains(bio, "more characters)") {
			t.Errorf("a 20,000-character claim is shown with %d characters, not cut with a count", len(bio))
		}
		got := dashEval[string](t, e.ctx, `String(window.__pwned) + ' ' + document.querySelectorAll('img, b, i').length + ' ' + document.querySelectorAll('script:not([src])').length`)
		if got != "undefined 0 0" {
			t.Errorf("markup from data became elements or ran: __pwned, <img|b|i>, inline <script> = %s", got)
		}
		dashDo(t, e.ctx, "close the token", chromedp.KeyEvent(kb.Escape))
	})

	t.Run("keyboard", func(t *testing.T) {
		e := newDashEnv(t, chrome, 1000)
		e.open(t)
		b := newBrowser(t)
		e.signIn(t, b, "shell", dashA, "alice", "alice-pw", false)
		pollJS(t, e.ctx, `document.querySelectorAll('#events .ev:not([hidden])').length >= 4`, 5*time.Second, "events listed")
		// the list takes focus, arrows move the active row, Enter opens its token
		dashDo(t, e.ctx, "focus the event list", chromedp.Focus(chromedp.ID("events")), chromedp.KeyEvent(kb.End))
		active := dashEval[string](t, e.ctx, `document.getElementById(document.getElementById('events').getAttribute('aria-activedescendant')).textContent`)
		if !strings.HasPrefix(active, "token") {
			t.Fatalf("End made %q active, want the last event (a token)", active)
		}
		dashDo(t, e.ctx, "open it", chromedp.KeyEvent(kb.Enter))
		pollJS(t, e.ctx, `document.getElementById('token-dialog').open && document.getElementById('token-verdict').textContent.startsWith('opaque refresh token')`, 5*time.Second, "Enter opened the token")
		dashDo(t, e.ctx, "close", chromedp.KeyEvent(kb.Escape))
		// every control has an accessible name
		unnamed := dashEval[string](t, e.ctx, `[...document.querySelectorAll('button, input, select, [role=listbox], svg.seq')].filter(x => !(x.getAttribute('aria-label') || x.labels && x.labels.length || x.textContent.trim())).map(x => x.id || x.tagName).join(',')`)
		if unnamed != "" {
			t.Errorf("controls without an accessible name: %s", unnamed)
		}
	})

	// FedCM: the browser's assertion request, the ID token, disconnect,
	// and the sessionless accounts request, each drawn
	t.Run("FedCM", func(t *testing.T) {
		e := newDashEnv(t, chrome, 1000)
		e.open(t)
		newBrowser(t).fedcmCall(http.MethodGet, e.op.issuer+"fedcm/accounts", "", nil, true)
		b := newBrowser(t)
		e.signIn(t, b, "shell", dashA, "alice", "alice-pw", false)
		const account = "http://127.0.0.1:5102"
		if p, _ := b.fedcmCall(http.MethodPost, e.op.issuer+"fedcm/assertion", account,
			url.Values{"client_id": {"account"}, "account_id": {"alice"}, "nonce": {"n"}, "is_auto_selected": {"false"}}, true); p.status != http.StatusOK {
			t.Fatalf("assertion: %d %s", p.status, p.body)
		}
		b.fedcmCall(http.MethodPost, e.op.issuer+"fedcm/disconnect", account, url.Values{"client_id": {"account"}, "account_hint": {"alice"}}, true)
		pollJS(t, e.ctx, `[...document.querySelectorAll('svg.seq g.row')].some(g => g.getAttribute('aria-label').includes('FedCM disconnect'))`, 5*time.Second, "FedCM disconnect drawn")
		rows := diagramRows(t, e.ctx)
		for _, want := range []string{
			"account → provider: FedCM: the browser asks for an ID assertion, fedcm (account chosen in the browser's dialog)",
			"provider → account: id_token issued",
			"account → provider: FedCM disconnect: account no longer approved (the session goes on)",
		} {
			if !strings.Contains(rows, want) {
				t.Errorf("diagram lacks %q:\n%s", want, rows)
			}
		}
		dashClick(t, e.ctx, "select the sessionless events", `#sessions tr[data-sid=""]`)
		pollJS(t, e.ctx, `[...document.querySelectorAll('svg.seq g.row')].some(g => g.getAttribute('aria-label').includes('✗ error at fedcm_accounts: login_required'))`, 5*time.Second, "the sessionless accounts request with its reason")
	})

	t.Run("provider restart", func(t *testing.T) { dashboardRestart(t, chrome) })

	t.Run("10000 events", func(t *testing.T) {
		e := newDashEnv(t, chrome, 20000)
		publishSynthetic(e.op.Events(), 10000)
		start := time.Now()
		e.open(t)
		pollJS(t, e.ctx, `window.ssokitDashboard.eventCount() === 10000`, 30*time.Second, "10,000 events loaded")
		st := dashEval[map[string]float64](t, e.ctx, `window.ssokitDashboard.stats()`)
		t.Logf("10,000 replayed events: in the page's model and rendered %s after navigation; first to last event %.0f ms, of which drawing %.0f ms in %v batches",
			time.Since(start).Round(time.Millisecond), st["lastAt"]-st["firstAt"], st["flushMs"], st["flushes"])
		m := dashEval[map[string]float64](t, e.ctx, `(async () => {
			const box = document.getElementById('events');
			const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
			const keys = ['PageUp', 'PageUp', 'Home', 'PageDown', 'End', 'ArrowUp'];
			let worst = 0, handler = 0;
			box.focus();
			for (const k of keys) {
				const t0 = performance.now();
				box.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true}));
				handler = Math.max(handler, performance.now() - t0);
				await frame();
				worst = Math.max(worst, performance.now() - t0);
			}
			const t1 = performance.now();
			document.querySelector('#sessions tbody tr[data-sid]:not([data-sid=""])').click();
			await frame();
			const select = performance.now() - t1;
			const t2 = performance.now();
			const f = document.getElementById('filter');
			f.value = 'reuse';
			f.dispatchEvent(new Event('input'));
			await frame();
			const filter = performance.now() - t2;
			return {key: worst, handler, select, filter, rows: document.querySelectorAll('#events .ev').length, shown: document.querySelectorAll('#events .ev:not([hidden])').length};
		})()`)
		t.Logf("with 10,000 events: worst keyboard step %.1f ms to the next frame (%.1f ms in the page's handler), select a session %.1f ms, filter %.1f ms (to the next frame); %v event rows in the DOM",
			m["key"], m["handler"], m["select"], m["filter"], m["rows"])
		if m["rows"] > 100 {
			t.Errorf("%v event rows in the DOM: the list is not virtualized", m["rows"])
		}
	})

	// last: the picture in the README, of a session with every kind of step
	t.Run("screenshot", func(t *testing.T) {
		e := newDashEnv(t, chrome, 1000)
		e.open(t)
		b := newBrowser(t)
		pk := newPKCE()
		callbackParams(t, b.get(e.op.authURL("account", dashB, pk, url.Values{"prompt": {"none"}})), dashB)
		tok := e.signIn(t, b, "shell", dashA, "alice", "alice-pw", false)
		e.signIn(t, b, "account", dashB, "", "", true)
		old := tok["refresh_token"].(string)
		e.op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {old}}, nil)
		e.op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {old}}, nil) // reuse
		pg := b.get(e.op.issuer + "logout?id_token_hint=" + tok["id_token"].(string) + "&post_logout_redirect_uri=" + url.QueryEscape("http://127.0.0.1:5101/"))
		if pg.status != http.StatusOK {
			t.Fatalf("logout: %d", pg.status)
		}
		pollJS(t, e.ctx, `[...document.querySelectorAll('svg.seq g.row')].filter(g => /front-channel logout/.test(g.getAttribute('aria-label'))).length === 2 && /back-channel/.test(document.querySelector('svg.seq').textContent)`, 5*time.Second, "logout with front- and back-channel deliveries drawn")
		rows := diagramRows(t, e.ctx)
		for _, want := range []string{"⚠ reuse detected", "↻ refresh token rotated", "logout: RP-initiated logout", "provider → account: front-channel logout"} {
			if !strings.Contains(rows, want) {
				t.Errorf("diagram lacks %q:\n%s", want, rows)
			}
		}
		dashEval[bool](t, e.ctx, `(document.activeElement.blur(), true)`)
		dashDo(t, e.ctx, "size the page for the picture", chromedp.EmulateViewport(1400, 1500))
		img, err := chromedp.Run(e.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		writeScreenshot(t, "dashboard.png", img)
	})
}

// writeScreenshot keeps the repository's testdata/screenshots/NAME (shown
// in the README) true: -update rewrites it; otherwise the checked-in file
// must exist and be a PNG of the same size.
func writeScreenshot(t *testing.T, name string, img []byte) {
	t.Helper()
	path := filepath.Join(testutil.RepoRoot(t), "testdata", "screenshots", name)
	got, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if golden.Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run `go test -run TestDashboardBrowser/screenshot ./pkg/provider -update` to write it", err)
	}
	was, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || was.Width != got.Width || was.Height != got.Height {
		t.Errorf("%s is %dx%d (err %v), the page now %dx%d: rerun with -update", path, was.Width, was.Height, err, got.Width, got.Height)
	}
}

// publishSynthetic publishes n events: sessions of 20 steps across four
// apps, one of them unregistered, with failures and reuse among them.
func publishSynthetic(bus *events.Bus, n int) {
	apps := []string{"shell", "account", "checkout", "ghost-app"}
	t0 := time.Now().Add(-time.Hour)
	kinds := []struct{ kind, detail, typ string }{
		{"login", "password", ""}, {"code", "code issued (query)", ""},
		{"token", "authorization_code", "id_token"}, {"token", "authorization_code", "access_token"},
		{"silent", "succeeded (web_message)", ""}, {"token", "authorization_code", "id_token"},
		{"silent", "failed: login_required: the SSO session is missing or expired", ""},
		{"refresh", "refresh token rotated", ""}, {"reuse", "rotated refresh token presented again: the whole family is revoked", ""},
		{"error", "invalid_grant: refresh token revoked", ""},
	}
	for i := range n {
		s := i / 20
		k := kinds[i%len(kinds)]
		e := events.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Kind: k.kind, ClientID: apps[(i/2+s)%len(apps)],
			User: fmt.Sprintf("user%d", s%50), SID: fmt.Sprintf("sid-%04d", s), Detail: k.detail, TokenType: k.typ, Endpoint: "token"}
		if k.typ != "" {
			e.Token = fmt.Sprintf("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyJTAifQ.sig%06d…", i)
		}
		bus.Publish(e)
	}
}

// dashboardRestart: the stream drops mid-session (the provider stops); the
// page says so, reconnects when a provider is back on the same address,
// and marks the gap in the session's diagram.
func dashboardRestart(t *testing.T, chrome context.Context) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	issuer := "http://" + addr + "/"
	start := func(ln net.Listener) (*Provider, *http.Server) {
		p, err := New(Options{Issuer: issuer, Config: dashConfig(""), Keys: testKeys(), Events: events.NewBus(100)})
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: p}
		go srv.Serve(ln)
		return p, srv
	}
	p1, srv1 := start(ln)
	op := &testOP{Provider: p1, issuer: issuer}
	e := &dashEnv{op: op, ctx: dashProfile(t, chrome)}
	e.open(t)
	b := newBrowser(t)
	e.signIn(t, b, "shell", dashA, "alice", "alice-pw", false)
	pollJS(t, e.ctx, `document.querySelectorAll('svg.seq g.row.token').length === 3`, 5*time.Second, "session drawn before the restart")

	srv1.Close() // the stream drops mid-session
	p1.Close()
	pollJS(t, e.ctx, `['reconnecting', 'down'].includes(document.getElementById('conn').dataset.state)`, 10*time.Second, "the page shows the stream is lost")
	t.Logf("while stopped: %s", dashEval[string](t, e.ctx, `document.getElementById('conn').textContent`))

	var ln2 net.Listener
	for range 50 {
		if ln2, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p2, srv2 := start(ln2)
	defer func() { srv2.Close(); p2.Close() }()
	pollJS(t, e.ctx, `document.getElementById('conn').dataset.state === 'live'`, 20*time.Second, "the page reconnects to the restarted provider")
	pollJS(t, e.ctx, `[...document.querySelectorAll('svg.seq g.row')].some(g => g.getAttribute('aria-label').includes('event stream dropped'))`, 5*time.Second, "the gap is marked in the open session's diagram")
	// events of the new provider arrive
	e.op = &testOP{Provider: p2, issuer: issuer}
	e.signIn(t, newBrowser(t), "account", dashB, "bob", "bob-pw", false)
	pollJS(t, e.ctx, `[...document.querySelectorAll('#sessions td')].some(td => td.textContent === 'bob')`, 5*time.Second, "events after the restart listed")
}

func sidCookie(t *testing.T, b *browser, op *testOP) string {
	u, _ := url.Parse(op.issuer)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == SessionCookie {
			return c.Value
		}
	}
	return ""
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// dashProfile opens a tab in a fresh browser context (its own cookies).
func dashProfile(t *testing.T, chrome context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(chrome, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

func dashDo(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// dashEval awaits a JavaScript expression (a promise is awaited) and decodes it.
func dashEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// upColorName is the colour pkg/proxy's AppColor gives an app, in words:
// its palette is ANSI 36 35 33 32 34 96 95 93 92 94, picked by FNV-1a.
func upColorName(app string) string {
	names := []string{"cyan", "magenta", "yellow", "green", "blue", "bright cyan", "bright magenta", "bright yellow", "bright green", "bright blue"}
	h := fnv.New32a()
	h.Write([]byte(app))
	return names[h.Sum32()%uint32(len(names))]
}

// dashClick clicks the element sel finds, in one step in the page: the
// dashboard redraws its tables as state arrives, so a node found by one
// protocol call may be gone by the next.
func dashClick(t *testing.T, ctx context.Context, what, sel string) {
	t.Helper()
	pollJS(t, ctx, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.click(); return true })()`, sel), 5*time.Second, what)
}
