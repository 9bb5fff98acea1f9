package flow

import (
	"testing"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// explainRun is a flow run whose last step sent one request to the
// provider, with the given cookie withheld for the given reasons.
func explainRun(t *testing.T, profile string, ctx browser.ContextKind, blocked ...browser.Blocked) *flowRun {
	t.Helper()
	p, err := browser.LookupProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	app := mustURL(t, "http://127.0.0.1:5103/")
	return &flowRun{
		profile:   p,
		issuerURL: mustURL(t, "http://localhost:9400/"),
		lastExchanges: []browser.Exchange{
			{Context: ctx, Navigation: false, URL: mustURL(t, "http://localhost:9400/token"), Blocked: blocked}, // a fetch: not the one
			{Context: ctx, Navigation: true, URL: mustURL(t, "http://127.0.0.1:5103/cb"), Blocked: blocked},     // not the provider
			{Context: ctx, Navigation: true, URL: mustURL(t, "http://localhost:9400/authorize"), Top: app, Initiator: app, Blocked: blocked},
		},
	}
}

func session(ss browser.SameSiteMode, reasons ...browser.BlockReason) browser.Blocked {
	return browser.Blocked{Cookie: browser.Cookie{Name: "sess", HttpOnly: true, SameSite: ss}, Reasons: reasons}
}

func TestExplainEachReason(t *testing.T) {
	silent := &Step{Kind: StepSilent, act: newAction[StepSilent]()}
	tests := []struct {
		name    string
		profile string
		ctx     browser.ContextKind
		st      *Step
		blocked browser.Blocked
		want    string
	}{
		{"third-party blocked", "safari", browser.IFrame, silent, session(browser.SameSiteNone, browser.BlockThirdParty),
			"silent auth failed under safari: the provider's session cookie (sess, SameSite=None) is third-party in an iframe on http://127.0.0.1:5103 and ITP blocks it; mount the provider under the app's site or use refresh tokens"},
		{"partitioned", "firefox", browser.IFrame, silent, session(browser.SameSiteNone, browser.BlockPartitioned),
			"silent auth failed under firefox: the provider's session cookie (sess, SameSite=None) was set at top level, but in an iframe on http://127.0.0.1:5103 Total Cookie Protection gives the provider a separate cookie partition for that site, where it has no session; mount the provider under the app's site or use refresh tokens"},
		{"lax", "chrome", browser.IFrame, silent, session(browser.SameSiteLax, browser.BlockSameSiteLax),
			"silent auth failed under chrome: the provider's session cookie (sess) is SameSite=Lax and the request in an iframe on http://127.0.0.1:5103 is cross-site to http://localhost:9400, so the browser does not send it; set SameSite=None; Secure on it (third-party cookie blocking still applies), mount the provider under the app's site or use refresh tokens"},
		{"lax by default", "chrome", browser.IFrame, silent, session(browser.SameSiteUnset, browser.BlockSameSiteLaxDefault),
			"silent auth failed under chrome: the provider's session cookie (sess) has no SameSite attribute, which Chrome treats as Lax, and the request in an iframe on http://127.0.0.1:5103 is cross-site to http://localhost:9400, so it is not sent; set SameSite=None; Secure on it"},
		{"strict, top level", "chrome", browser.TopLevel, &Step{Kind: StepRedirect, act: newAction[StepRedirect]()}, session(browser.SameSiteStrict, browser.BlockSameSiteStrict),
			"redirect sign-in failed under chrome: the provider's session cookie (sess) is SameSite=Strict and the request at top level is cross-site to http://localhost:9400, so it is not sent; use SameSite=Lax for a same-site layout or None; Secure for a cross-site one, or mount"},
		{"popup", "safari", browser.Popup, &Step{Kind: StepLogin, act: newAction[StepLogin]()}, session(browser.SameSiteNone, browser.BlockThirdParty),
			"sign-in failed under safari: the provider's session cookie (sess, SameSite=None) is third-party in a popup opened by http://127.0.0.1:5103 and ITP blocks it"},
		{"not a policy", "chrome", browser.IFrame, silent, session(browser.SameSiteNone, browser.BlockSecureOnly), ""},
		{"refresh has no browser request", "safari", browser.IFrame, &Step{Kind: StepRefresh, act: newAction[StepRefresh]()}, session(browser.SameSiteNone, browser.BlockThirdParty), ""},
		{"userinfo neither", "safari", browser.IFrame, &Step{Kind: StepUserinfo, act: newAction[StepUserinfo]()}, session(browser.SameSiteNone, browser.BlockThirdParty), ""},
	}
	for _, tt := range tests {
		fr := explainRun(t, tt.profile, tt.ctx, tt.blocked)
		got := fr.explain(tt.st, &StepResult{}, outcome{})
		if tt.want == "" {
			if got != "" {
				t.Errorf("%s: explanation %q, want none", tt.name, got)
			}
			continue
		}
		if len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
			t.Errorf("%s:\n got %q\nwant %q…", tt.name, got, tt.want)
		}
	}
}

func TestExplainWithoutWithheldCookies(t *testing.T) {
	fr := explainRun(t, "safari", browser.IFrame)
	if got := fr.explain(&Step{Kind: StepSilent, act: newAction[StepSilent]()}, &StepResult{}, outcome{}); got != "" {
		t.Errorf("explanation %q with nothing withheld", got)
	}
}

// The explanation names the session cookie, not the CSRF cookie withheld
// with it.
func TestPickSessionCookie(t *testing.T) {
	csrf := browser.Blocked{Cookie: browser.Cookie{Name: "XSRF-TOKEN"}}
	httpOnly := browser.Blocked{Cookie: browser.Cookie{Name: "id", HttpOnly: true}}
	sess := browser.Blocked{Cookie: browser.Cookie{Name: "op_session"}}
	both := browser.Blocked{Cookie: browser.Cookie{Name: "SESSION", HttpOnly: true}}
	for _, tt := range []struct {
		in   []browser.Blocked
		want string
	}{
		{[]browser.Blocked{csrf}, "XSRF-TOKEN"},
		{[]browser.Blocked{csrf, httpOnly}, "id"},
		{[]browser.Blocked{httpOnly, sess}, "op_session"},
		{[]browser.Blocked{csrf, sess, both, httpOnly}, "SESSION"},
	} {
		if got := pickSessionCookie(tt.in).Cookie.Name; got != tt.want {
			t.Errorf("pickSessionCookie = %s, want %s", got, tt.want)
		}
	}
}
