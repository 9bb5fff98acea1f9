package flow

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strings"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// logoutStep signs the app out at the provider (RP-initiated logout):
// `logout: shell`.
type logoutStep struct{ appStep }

func (s *logoutStep) label() string  { return s.appLabel(StepLogout) }
func (s *logoutStep) yields() string { return "success" }

// run runs RP-initiated logout for app at top level: it loads the
// front-channel logout iframes the provider's page embeds, confirms a
// logout prompt if there is one, and follows the way back to the app.
func (s *logoutStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	if fr.disc.EndSessionEndpoint == "" {
		return outcome{err: errors.New("the provider's discovery document has no end_session_endpoint")}
	}
	u, err := url.Parse(fr.disc.EndSessionEndpoint)
	if err != nil {
		return outcome{err: err}
	}
	post := app.PostLogoutRedirectURI
	if post == "" {
		post = app.Origin + "/"
	}
	q := u.Query()
	q.Set("client_id", app.ClientID)
	q.Set("post_logout_redirect_uri", post)
	q.Set("state", randomString(8))
	if cur := fr.tokens[app.Name]; cur != nil && cur.IDToken != "" {
		q.Set("id_token_hint", cur.IDToken)
	}
	u.RawQuery = q.Encode()
	page, _ := url.Parse(app.Origin + "/")
	var o outcome
	p, err := fr.b.Navigate(ctx, browser.Navigation{Context: browser.TopLevel, Initiator: page, URL: u, UserActivated: true}) // the user clicked "sign out"
	notified := map[string]bool{}
	for i := 0; err == nil && !p.Intercepted && i < 6; i++ {
		if !p.IsHTML() {
			break
		}
		doc := p.Document()
		for _, src := range doc.IFrames {
			fp, ferr := fr.b.Navigate(ctx, browser.Navigation{Context: browser.IFrame, Top: p.URL, Initiator: p.URL, URL: src})
			if ferr != nil {
				o.notes = append(o.notes, fmt.Sprintf("front-channel iframe %s failed: %v", src.Redacted(), unwrapURLError(ferr)))
				continue
			}
			if fp.Intercepted {
				for _, a := range fr.file.Apps {
					if fl, _ := url.Parse(a.FrontchannelLogoutURI); fl != nil && browser.SameOrigin(fl, fp.URL) && fl.Path == fp.URL.Path {
						notified[a.Name] = true
					}
				}
			}
		}
		if cf, btn, ok := doc.ConsentForm(); ok && len(doc.IFrames) == 0 {
			p, err = fr.b.Submit(ctx, p, cf, cf.Values(btn))
			continue
		}
		// The page sends the browser on (a script's location.replace, a
		// "continue" link): follow a link back to the app.
		next := continueLink(p, fr)
		if next == nil {
			break
		}
		p, err = fr.b.Navigate(ctx, browser.Navigation{Context: browser.TopLevel, Initiator: p.URL, URL: next})
	}
	if err != nil {
		o.err = err
		return o
	}
	if !p.Intercepted && p.Status >= 400 {
		o.err = fmt.Errorf("logout ended on %d at %s (%s)", p.Status, shortURL(p.URL), pageSummary(p))
		return o
	}
	delete(fr.tokens, app.Name)
	for name := range notified {
		delete(fr.tokens, name)
		o.frontchannel = append(o.frontchannel, name)
	}
	sort.Strings(o.frontchannel)
	if p.Intercepted {
		o.notes = append(o.notes, "back at "+fr.party(p.URL))
	} else {
		o.notes = append(o.notes, "signed out")
	}
	return o
}

// continueLink finds where a page would send the browser next: a link to
// one of the apps (what a logout page's script follows).
func continueLink(p *browser.Page, fr *flowRun) *url.URL {
	for _, l := range links(p) {
		if fr.intercepts(l) {
			return l
		}
	}
	return nil
}

func links(p *browser.Page) []*url.URL {
	var out []*url.URL
	body := string(p.Body)
	for {
		i := strings.Index(body, "href=\"")
		if i < 0 {
			break
		}
		body = body[i+6:]
		j := strings.IndexByte(body, '"')
		if j < 0 {
			break
		}
		if u, err := p.URL.Parse(html.UnescapeString(body[:j])); err == nil {
			out = append(out, u)
		}
		body = body[j:]
	}
	return out
}
