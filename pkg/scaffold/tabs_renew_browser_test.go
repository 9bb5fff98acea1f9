package scaffold

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// TestTabsRacingRenewal: two tabs of the vanilla template share one
// rotating refresh token (the second tab's sign-in is posted to the first)
// and renew every second. Measured in Chromium for each combination of the
// template's Web Lock and the provider's refresh-token reuse interval, it
// must agree with what `ssokit flow run` predicts for the same scenario
// (pkg/cmd/flow/run TestTabsRefreshVerdicts: tabs racing without a lock
// trip reuse detection unless the interval lets the repeat through).
func TestTabsRacingRenewal(t *testing.T) {
	needTemplates(t, "the vanilla template build (npm, a minute)")
	testutil.ChromePath(t)
	w := sharedWorkspace(t)
	vanilla := w.built(t, "vanilla")
	appURL := vanilla.serveDist(t) + "/vanilla/"
	browser := testutil.NewChrome(t, testutil.ChromeOptions{})

	for _, tc := range []struct {
		name      string
		lock      bool
		interval  time.Duration
		wantReuse bool
	}{
		{"web lock, no interval", true, 0, false},
		{"web lock and interval", true, 10 * time.Second, false},
		{"no lock, interval", false, 10 * time.Second, false},
		{"no lock, no interval", false, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(w.config)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := cfg.Client("vanilla")
			c.Tokens.AccessToken = 3 * time.Second // the template renews every second
			cfg.Provider.Tokens.RefreshReuseInterval = tc.interval
			st := w.startStack(t, cfg, nil)

			a := newProfile(t, browser, "tab 1")
			withoutLocks := func(b *tab) {
				if tc.lock {
					return
				}
				// A browser without the Web Locks API: the template then
				// renews without the lock, as a page without it would.
				b.do("hide navigator.locks", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
						Source: `Object.defineProperty(Navigator.prototype, 'locks', {get() { return undefined }})`,
					})
					return err
				}))
			}
			withoutLocks(a)
			a.open(appURL)
			a.waitFor("tab 1: signed out", func(s appState) bool { return s.Status == "signed-out" && s.LoginVisible })
			a.signInThroughForm("alice")
			a.waitStatus(appURL, "signed-in")

			b := a.newTab("tab 2")
			withoutLocks(b)
			b.open(appURL)
			b.waitStatus(appURL, "signed-in")
			// tab 2's tokens (newer) are posted to tab 1, which adopts them:
			// from now on both hold one refresh token.
			a.waitFor("tab 1 adopts tab 2's tokens", func(s appState) bool { return strings.Contains(s.Text, "via another tab") })
			shared := time.Now()

			// Both tabs' renewal timers now fire together, every second.
			const rounds = 6
			deadline := shared.Add(waitTimeout)
			var refreshes, reuses, grace int
			for time.Now().Before(deadline) {
				refreshes, reuses, grace = 0, 0, 0
				for _, e := range st.Provider.Events().Recent() {
					if e.ClientID != "vanilla" || e.Time.Before(shared) {
						continue
					}
					switch e.Kind {
					case events.KindRefresh:
						refreshes++
						if strings.Contains(e.Detail, "reuse interval") {
							grace++
						}
					case events.KindReuse:
						reuses++
					}
				}
				if reuses > 0 || refreshes-grace >= rounds {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			// When each refresh request came, from the moment the tabs shared
			// one refresh token.
			var at []time.Duration
			for _, e := range st.Provider.Events().Recent() {
				if e.ClientID == "vanilla" && !e.Time.Before(shared) && e.Kind == events.KindRefresh {
					at = append(at, e.Time.Sub(shared).Round(time.Millisecond))
				}
			}
			sa, _ := a.state()
			sb, _ := b.state()
			t.Logf("measured over %s: %d refresh requests (%d answered within the reuse interval) at %v, %d reuse detections; tab 1: %s; tab 2: %s",
				time.Since(shared).Round(10*time.Millisecond), refreshes, grace, at, reuses, sa.Text, sb.Text)
			if tc.wantReuse {
				if reuses == 0 {
					t.Fatalf("no reuse detection after %d refreshes: the tabs did not race, so the scenario proves nothing", refreshes)
				}
				return
			}
			if reuses > 0 {
				t.Fatalf("reuse detection fired (%d): tabs racing a renewal were signed out of their token family", reuses)
			}
			if refreshes-grace < rounds {
				t.Fatalf("only %d renewals in %s; want %d", refreshes-grace, waitTimeout, rounds)
			}
			for _, s := range []appState{sa, sb} {
				if s.Status != "signed-in" {
					t.Errorf("a tab is no longer signed in: %s", s)
				}
			}
			if tc.lock {
				if grace > 0 {
					t.Errorf("under the Web Lock a tab still spent a used refresh token %d times (answered by the reuse interval)", grace)
				}
				// About one request per renewal round (a second a round):
				// the tab that waited took the other's tokens. Under a
				// loaded machine the other tab's message can arrive after
				// the waiting tab's settle time; it then renews once more
				// with the tokens it adopted meanwhile (no reuse, checked
				// above), so a few doubled rounds are tolerated, not most.
				doubled := 0
				for i := 1; i < len(at); i++ {
					if at[i]-at[i-1] < 300*time.Millisecond {
						doubled++
					}
				}
				if rounds := len(at) - doubled; doubled*2 > rounds {
					t.Errorf("%d of %d renewal rounds sent two refresh requests (at %v): the lock is not keeping the tabs to one", doubled, rounds, at)
				}
			}
		})
	}
}
