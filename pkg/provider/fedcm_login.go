package provider

import (
	"net/http"

	"github.com/ssokit/ssokit/pkg/events"
)

// handleFedCMLogin is the FedCM config's login_url. When the browser's
// login status for the provider is "logged-out" (or its accounts request
// found no session), Chromium offers to sign in to the provider and opens
// this URL as a pop-up. It shows the provider's own login form, for an
// interaction marked FedCM: it carries no authorization request, so no
// client, redirect_uri or token is involved, and the page takes no
// parameter at all (nothing to redirect to, nothing to skip). After the
// sign-in (handleLogin) the answer sets the session cookie and
// Set-Login: logged-in and renders fedcmLoginDone, which calls
// IdentityProvider.close(); the browser then asks the accounts endpoint
// again and shows its chooser.
func (p *Provider) handleFedCMLogin(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	now := p.now()
	if ss, ok := p.currentSession(r, now); ok {
		// already signed in (the browser's login status was stale): say
		// so again and close, without a second session
		w.Header().Set(setLoginHeader, "logged-in")
		p.fedcmLoginDone(w, r, ss.Sub)
		return
	}
	reg := p.regOf(r)
	if p.autoLogin != "" {
		if u, ok := reg.user(p.autoLogin); ok {
			ss := p.startSession(w, reg, u.Username, "auto-login", p.autoLoginClaims, now)
			p.publish(events.Event{Kind: events.KindLogin, User: ss.Sub, SID: ss.SID, Detail: "auto-login, in the FedCM login pop-up"})
			p.fedcmLoginDone(w, r, ss.Sub)
			return
		}
		// the reloaded config dropped the user: the form asks instead
	}
	in := &interaction{ID: randomID(24), CSRF: randomID(24), Expires: now.Add(InteractionTTL), FedCM: true}
	p.store.putInteraction(in)
	p.renderLogin(w, r, in, loginPage{ExtraClaims: p.defaultClaims}, http.StatusOK)
}

// fedcmLoginDone is the FedCM login pop-up's last page: signed in as user,
// closed through IdentityProvider.close() where the browser has it.
func (p *Provider) fedcmLoginDone(w http.ResponseWriter, r *http.Request, user string) {
	info(r).outcome = "fedcm login done"
	p.render(w, http.StatusOK, "fedcm_login_done.html", "'none'", "'none'", map[string]any{
		"Title": "Signed in", "User": user,
	})
}
