package scaffold

import (
	"context"
	"fmt"
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

// TestModuleFederationInChromium is issue 15's module federation judge: the
// mf-host and mf-remote templates, scaffolded as `ssokit new` does (the
// remote registered in ssokit.yaml and in the host's remotes.json), built
// for real and served from dist/ behind the stack `ssokit up` runs, in
// headless Chromium:
//
//   - sign in at the host through the form; the remote's component, loaded
//     into the host through Module Federation, shows the user and calls its
//     API with the host's token (client_id mf-host in the token); the page
//     holds exactly one auth client (the counter in auth-client.ts, and one
//     check_session iframe), and the provider saw no authorization request
//     of the remote's client nor a second one of the host's;
//   - the remote run standalone (its own route, another tab) owns its own
//     client and signs in silently (no form, no top-level navigation);
//   - sign-out in the host signs the remote out, inside the host and in the
//     standalone tab.
//
// It runs where TestTemplatesBuild does: always with CI=true, else with
// SSOKIT_TEST_TEMPLATES=1.
func TestModuleFederationInChromium(t *testing.T) {
	needTemplates(t, "the template builds (npm, minutes)")
	testutil.ChromePath(t) // before minutes of building
	w := sharedWorkspace(t)
	host, remote := w.built(t, "mf-host"), w.built(t, "mf-remote")
	host.serveDist(t)
	remote.serveDist(t)

	cfg, err := config.Load(w.config)
	if err != nil {
		t.Fatalf("load the ssokit.yaml that ssokit new wrote: %v", err)
	}
	st := w.startStack(t, cfg, nil)
	proxy := st.ProxyURL()
	hostURL, remoteURL := proxy+host.data.Base, proxy+remote.data.Base
	hostID, remoteID := host.data.ClientID, remote.data.ClientID
	browser := testutil.NewChrome(t, testutil.ChromeOptions{})

	var tm timings
	defer tm.log(t)
	a := newProfile(t, browser, "mf-host")
	opened := a.open(hostURL)
	a.waitFor("the host: signed out, with the sign-in button", func(s appState) bool {
		return s.URL == hostURL && s.Status == "signed-out" && s.LoginVisible
	})
	tm.add("host, first visit, not signed in: open to sign-in button", time.Since(opened))
	rs, _ := a.waitRemote("the remote's component rendered in the host, signed out", remoteID, func(r remoteState) bool { return r.Found && r.User == "signed out" })
	if rs.Clients != 1 {
		t.Errorf("the host page with its remote made %d auth clients, want 1", rs.Clients)
	}

	// Sign in at the host.
	since := time.Now()
	a.signInThroughForm("alice")
	_, d := a.waitStatus(hostURL, "signed-in")
	tm.add("host: submit the login form to signed-in (redirect back, code exchange)", d)
	rs, d = a.waitRemote("the remote's component inside the host shows the user", remoteID, func(r remoteState) bool { return r.User == "Alice Doe" })
	tm.add("the remote inside the host shows the user (after the host's sign-in)", d)

	// Its API call carries the host's token.
	a.do("clear the remote's API result", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).textContent = ''`, remoteSel(remoteID)+" .remote-api-result")))
	clicked := time.Now()
	a.do("call the remote's API in the host", clickJS(remoteSel(remoteID)+" .remote-call-api"))
	rs, _ = a.waitRemote("the remote's API answer", remoteID, func(r remoteState) bool {
		return strings.HasPrefix(r.API, "HTTP ") || strings.HasPrefix(r.API, "Error")
	})
	tm.add("the remote inside the host: API call with the host's token (userinfo)", time.Since(clicked))
	if want := fmt.Sprintf("HTTP 200 (token of client %s)", hostID); !strings.HasPrefix(rs.API, want) || !strings.Contains(rs.API, `"sub": "alice"`) {
		t.Errorf("the remote's API call inside the host: %q, want it to start with %q and name alice", rs.API, want)
	}
	// Exactly one client: the contract's counter, and one session monitor
	// (each oidc-client-ts UserManager with a user opens a check_session
	// iframe; the provider is same-site here, so monitorSession is on).
	if rs.Clients != 1 {
		t.Errorf("the host page with its remote made %d auth clients, want 1", rs.Clients)
	}
	if rs.CheckSession != 1 {
		t.Errorf("the host page has %d check_session iframes, want 1 (one UserManager)", rs.CheckSession)
	}
	// No second authorization request: the provider saw one code for the
	// host (the form) and nothing at all from the remote's client.
	if got := authorizeEvents(st, since, hostID); !slices.Equal(got, []string{events.KindLogin, events.KindCode}) {
		t.Errorf("the host's authorization events since the sign-in: %q, want one login and one code", got)
	}
	if got := authorizeEvents(st, time.Time{}, remoteID); len(got) != 0 {
		t.Errorf("the remote's client made authorization requests while loaded into the host: %q", got)
	}

	// The remote standalone, in another tab: its own client, signed in silently.
	b := a.newTab("mf-remote standalone")
	b.front()
	opened = b.open(remoteURL)
	s, _ := b.waitFor("the standalone remote signs in silently", func(s appState) bool {
		return s.Status == "signed-in" || s.Status == "signed-out" || s.Status == "error" || s.Form
	})
	tm.add("remote standalone, signed in through the host: open to signed-in (hidden iframe)", time.Since(opened))
	if s.Status != "signed-in" || !strings.Contains(s.User, "Alice Doe") {
		t.Fatalf("the standalone remote was not signed in silently: %s", s)
	}
	if navs := b.navigations(); s.URL != remoteURL || !slices.Equal(navs, []string{remoteURL}) {
		t.Fatalf("the standalone remote's silent sign-in was visible: at %s after the navigations %q", s.URL, navs)
	}
	rb, _ := b.waitRemote("the standalone remote's component shows the user", remoteID, func(r remoteState) bool { return r.User == "Alice Doe" })
	if rb.Clients != 1 {
		t.Errorf("the standalone remote made %d auth clients, want 1 (its own)", rb.Clients)
	}
	b.do("call the standalone remote's API", clickJS(remoteSel(remoteID)+" .remote-call-api"))
	rb, _ = b.waitRemote("the standalone remote's API answer", remoteID, func(r remoteState) bool {
		return strings.HasPrefix(r.API, "HTTP ") || strings.HasPrefix(r.API, "Error")
	})
	if want := fmt.Sprintf("HTTP 200 (token of client %s)", remoteID); !strings.HasPrefix(rb.API, want) {
		t.Errorf("the standalone remote's API call: %q, want it to start with %q", rb.API, want)
	}

	// Sign out in the host: the host and its remote component are signed
	// out, and so is the standalone remote in the other tab.
	a.front()
	a.mark()
	clicked = time.Now()
	a.do("click sign out in the host", clickJS("#logout"))
	a.waitFor("the host back from the provider's logout, signed out", func(s appState) bool {
		return !s.Mark && s.URL == hostURL && s.Status == "signed-out"
	})
	tm.add("host: sign out everywhere, through the provider's logout page and back, to signed-out", time.Since(clicked))
	a.waitRemote("the remote inside the host is signed out", remoteID, func(r remoteState) bool { return r.Found && r.User == "signed out" })
	s, _ = b.waitFor("the standalone remote notices the sign-out", func(s appState) bool { return s.Status == "signed-out" })
	tm.add("the standalone remote notices the sign-out in the host (from the click)", time.Since(clicked))
	if s.URL != remoteURL || !s.LoginVisible {
		t.Errorf("the standalone remote after the sign-out in the host: %s", s)
	}
	b.waitRemote("the standalone remote's component is signed out", remoteID, func(r remoteState) bool { return r.User == "signed out" })
}

// remoteSel selects the component of the remote whose client is clientID.
func remoteSel(clientID string) string { return fmt.Sprintf(`.remote[data-remote=%q]`, clientID) }

// remoteState is what the remote's component shows, plus the page's count
// of auth clients.
type remoteState struct {
	Found        bool   `json:"found"`
	User         string `json:"user"`
	API          string `json:"api"`
	Clients      int    `json:"clients"`
	CheckSession int    `json:"checkSession"`
}

func (b *tab) waitRemote(what, clientID string, cond func(remoteState) bool) (remoteState, time.Duration) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
  const r = document.querySelector(%q);
  const q = (s) => r && r.querySelector(s) ? r.querySelector(s).textContent : '';
  return {
    found: !!r, user: q('.remote-user'), api: q('.remote-api-result'),
    clients: window.__ssokitAuthClients || 0,
    checkSession: [...document.querySelectorAll('iframe')].filter((f) => f.src.includes('check_session')).length,
  };
})()`, remoteSel(clientID))
	start := time.Now()
	deadline := start.Add(waitTimeout)
	var last remoteState
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		r, err := chromedp.Run(ctx, chromedp.Evaluate[remoteState](js))
		cancel()
		if err == nil {
			last = r
			if cond(r) {
				return r, time.Since(start)
			}
		}
		if time.Now().After(deadline) {
			s, _ := b.state()
			b.t.Fatalf("%s: %s: still not there after %s; last seen: %+v (page: %s)", b.name, what, waitTimeout, last, s)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// authorizeEvents lists the kinds of the provider's authorization-endpoint
// events (login, silent, code) of a client since a time.
func authorizeEvents(st *stack.Stack, since time.Time, clientID string) []string {
	var kinds []string
	for _, e := range st.Provider.Events().Recent() {
		if e.ClientID != clientID || e.Time.Before(since) {
			continue
		}
		switch e.Kind {
		case events.KindLogin, events.KindSilent, events.KindCode:
			kinds = append(kinds, e.Kind)
		}
	}
	return kinds
}
