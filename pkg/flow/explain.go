package flow

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// explain turns the cookies the browser withheld from the provider during
// a failed authorization into one sentence: which cookie, why this browser
// withheld it, and what to do about it. It returns "" when no policy was
// involved (nobody had signed in, say).
func (fr *flowRun) explain(st *Step, sr *StepResult, o outcome) string {
	// Only the steps that authorize in the browser carry its cookies.
	what := map[string]string{StepLogin: "sign-in", StepSilent: "silent auth", StepRedirect: "redirect sign-in"}[st.Kind]
	if what == "" {
		return ""
	}
	ex := fr.lastBlocked(sr)
	if ex == nil {
		return ""
	}
	bl := pickSessionCookie(ex.blocked)
	reason := bl.Reasons[0]
	where := "at top level"
	top := ex.top
	if ex.context == "iframe" {
		where = "in an iframe on " + browser.Origin(top)
	} else if ex.context == "popup" {
		where = "in a popup opened by " + browser.Origin(ex.initiator)
	}
	prov := browser.Origin(fr.issuerURL)
	p := fr.profile
	cookie := "the provider's session cookie (" + bl.Cookie.Describe() + ")"
	const mount = "mount the provider under the app's site or use refresh tokens"
	var clause, advice string
	switch reason {
	case browser.BlockThirdParty:
		clause = fmt.Sprintf("is third-party %s and %s", where, p.BlocksIt)
		advice = mount
	case browser.BlockPartitioned:
		clause = fmt.Sprintf("was set at top level, but %s %s gives the provider a separate cookie partition for that site, where it has no session", where, p.PolicyName)
		advice = mount
	case browser.BlockSameSiteLax:
		clause = fmt.Sprintf("is SameSite=Lax and the request %s is cross-site to %s, so the browser does not send it", where, prov)
		advice = "set SameSite=None; Secure on it (third-party cookie blocking still applies), " + mount
	case browser.BlockSameSiteLaxDefault:
		clause = fmt.Sprintf("has no SameSite attribute, which %s treats as Lax, and the request %s is cross-site to %s, so it is not sent", p.Browser, where, prov)
		advice = "set SameSite=None; Secure on it (third-party cookie blocking still applies), " + mount
	case browser.BlockSameSiteStrict:
		clause = fmt.Sprintf("is SameSite=Strict and the request %s is cross-site to %s, so it is not sent", where, prov)
		advice = "use SameSite=Lax for a same-site layout or None; Secure for a cross-site one, or " + mount
	default:
		return ""
	}
	if reason != browser.BlockThirdParty && reason != browser.BlockPartitioned {
		cookie = "the provider's session cookie (" + bl.Cookie.Name + ")" // the clause names its SameSite
	}
	return fmt.Sprintf("%s failed under %s: %s %s; %s", what, p.Name, cookie, clause, advice)
}

type blockedAt struct {
	context   string
	top       *url.URL
	initiator *url.URL
	blocked   []browser.Blocked
}

// lastBlocked finds the provider request of the step whose cookies the
// policy withheld: the first one (the authorization request itself).
func (fr *flowRun) lastBlocked(sr *StepResult) *blockedAt {
	for _, e := range fr.lastExchanges {
		if !e.Navigation || !fr.underIssuer(e.URL) {
			continue
		}
		var pol []browser.Blocked
		for _, b := range e.Blocked {
			if len(b.Reasons) > 0 && b.Reasons[0].IsPolicy() {
				pol = append(pol, b)
			}
		}
		if len(pol) > 0 {
			return &blockedAt{context: e.Context.String(), top: e.Top, initiator: e.Initiator, blocked: pol}
		}
	}
	return nil
}

// pickSessionCookie prefers the cookie that looks like the SSO session.
func pickSessionCookie(bs []browser.Blocked) browser.Blocked {
	best, score := bs[0], -1
	for _, b := range bs {
		s := 0
		n := strings.ToLower(b.Cookie.Name)
		if b.Cookie.HttpOnly {
			s += 2
		}
		if strings.Contains(n, "sess") {
			s += 3
		}
		if strings.Contains(n, "csrf") || strings.Contains(n, "xsrf") {
			s -= 3
		}
		if s > score {
			best, score = b, s
		}
	}
	return best
}
