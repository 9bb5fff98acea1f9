package provider

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// MaxLoginForm bounds the login form's body: username, password, the
// extra claims and the hidden fields.
const MaxLoginForm = 16 << 10

// showLogin parks the authorization request as an interaction and renders
// the form. The form can never be framed (frame-ancestors 'none'), so a
// hidden iframe can only ever get an error, never a login page.
func (p *Provider) showLogin(w http.ResponseWriter, r *http.Request, req authRequest, errMsg string) {
	in := &interaction{ID: randomID(24), CSRF: randomID(24), Req: req.forLogin(), Expires: p.now().Add(InteractionTTL)}
	p.store.putInteraction(in)
	p.renderLogin(w, r, in, loginPage{Username: req.LoginHint, ExtraClaims: p.defaultClaims, Error: errMsg}, http.StatusOK)
}

// loginPage is what the login form shows again: what was typed, and why
// it was refused.
type loginPage struct {
	Username, ExtraClaims, Error string
	// ExtraError marks an error about the extra claims: their box opens.
	ExtraError bool
}

func (p *Provider) renderLogin(w http.ResponseWriter, r *http.Request, in *interaction, f loginPage, status int) {
	// double-submit: the form's csrf value must equal this cookie. One
	// cookie per pending login, so a second sign-in tab does not break the
	// first; scoped to the form's target, so no other request carries it.
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookieName(in.ID), Value: in.CSRF, Path: p.loginCookiePath(), HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(InteractionTTL / time.Second),
	})
	reg := p.regOf(r)
	anyPassword := slices.ContainsFunc(reg.users, func(u config.User) bool { return u.Password == "" })
	info(r).outcome = "login form"
	// Chromium enforces form-action on the redirects that follow a form
	// submission too, so the redirect to the client after sign-in must be
	// allowed here; with 'self' alone headless Chromium 156 aborted the
	// navigation (net::ERR_ABORTED) and the user never reached the app.
	formAction := "'self'"
	if o := originOf(in.Req.RedirectURI); o != "" && in.Req.ResponseMode != "web_message" {
		formAction += " " + o
	}
	p.render(w, status, "login.html", "'none'", formAction, map[string]any{
		"Title": "Sign in", "ClientID": in.Req.ClientID, "FedCM": in.FedCM, "Action": p.url(p.spec.layout.Login),
		"Interaction": in.ID, "CSRF": in.CSRF, "LoginHint": f.Username, "Error": f.Error,
		"Users": reg.usernames(), "AnyPassword": anyPassword, "AnyUsername": reg.dynamicUsers,
		"ExtraClaims": f.ExtraClaims, "ExtraOpen": f.ExtraError || f.ExtraClaims != "", "MaxExtraClaims": MaxExtraClaims,
	})
}

// handleLogin takes the login form's POST.
func (p *Provider) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxLoginForm)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, errInvalidRequest("cannot read the login form: %v", err))
		return
	}
	now := p.now()
	in, ok := p.store.peekInteraction(r.PostForm.Get("interaction"), now)
	if !ok {
		p.errorPage(w, r, errInvalidRequest("this sign-in page has expired or was already used; go back to the app and sign in again"))
		return
	}
	info(r).clientID = in.Req.ClientID
	ck, err := r.Cookie(csrfCookieName(in.ID))
	form := r.PostForm.Get("csrf")
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(form)) != 1 ||
		subtle.ConstantTimeCompare([]byte(in.CSRF), []byte(form)) != 1 {
		p.errorPage(w, r, oauthErr(http.StatusForbidden, oidc.ErrAccessDenied, "the sign-in form's CSRF token is missing or does not match its cookie; reload the app and sign in again (are cookies blocked for %s?)", p.issuer))
		return
	}
	reg := p.regOf(r)
	name, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	if q := r.PostForm.Get("quick_user"); q != "" {
		name = q
	}
	extraText := r.PostForm.Get("extra_claims")
	extra, err := ParseExtraClaims(extraText)
	if err != nil {
		msg := err.Error()
		p.publish(events.Event{Kind: events.KindLoginFailed, ClientID: in.Req.ClientID, User: name, Detail: msg})
		p.renderLogin(w, r, in, loginPage{Username: name, ExtraClaims: extraText, Error: msg, ExtraError: true}, http.StatusBadRequest)
		return
	}
	key := throttleKey(name, r.RemoteAddr)
	if wait := p.throttle.wait(key, now); wait > 0 {
		msg := fmt.Sprintf("Too many wrong passwords for %s from this address: try again in %s.", name, roundUp(wait))
		p.publish(events.Event{Kind: events.KindLoginFailed, ClientID: in.Req.ClientID, User: name, Detail: msg})
		w.Header().Set("Retry-After", strconv.Itoa(int(roundUp(wait)/time.Second)))
		p.renderLogin(w, r, in, loginPage{Username: name, ExtraClaims: extraText, Error: msg}, http.StatusTooManyRequests)
		return
	}
	u, ok := reg.user(name)
	if !ok || !checkPassword(u, password) {
		msg := "Unknown user or wrong password."
		switch {
		case ok && password == "":
			msg = "User " + name + " has a password: enter it."
		case !ok && reg.dynamicUsers:
			msg = "A username is " + dynamicUsernameRule + "."
		}
		if lock := p.throttle.failed(key, now); lock > 0 {
			msg += fmt.Sprintf(" Too many wrong passwords for %s from this address: try again in %s.", name, roundUp(lock))
		}
		p.publish(events.Event{Kind: events.KindLoginFailed, ClientID: in.Req.ClientID, User: name, Detail: msg})
		p.renderLogin(w, r, in, loginPage{Username: name, ExtraClaims: extraText, Error: msg}, http.StatusUnauthorized)
		return
	}
	p.throttle.succeeded(key)
	if msg := reg.orgRefusal(in.Req.Org, u.Username); msg != "" {
		p.publish(events.Event{Kind: events.KindLoginFailed, ClientID: in.Req.ClientID, User: name, Detail: msg})
		p.renderLogin(w, r, in, loginPage{Username: name, ExtraClaims: extraText, Error: msg}, http.StatusForbidden)
		return
	}
	if _, ok := p.store.takeInteraction(in.ID, now); !ok {
		p.errorPage(w, r, errInvalidRequest("this sign-in page was already used; go back to the app and sign in again"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookieName(in.ID), Path: p.loginCookiePath(), MaxAge: -1, HttpOnly: true})
	// a fresh session on every sign-in: never adopt an identifier the
	// browser brought (session fixation)
	for _, ck := range r.CookiesNamed(SessionCookie) {
		p.store.endSession(ck.Value, now) // only this provider's own sessions end
	}
	ss := p.startSession(w, reg, u.Username, "password", extra, now)
	detail := "password"
	if extra != nil {
		detail += ", extra claims " + strings.TrimSpace(extraText)
	}
	if in.FedCM {
		detail += ", in the FedCM login pop-up"
	}
	p.publish(events.Event{Kind: events.KindLogin, ClientID: in.Req.ClientID, User: ss.Sub, SID: ss.SID, Detail: detail})
	if in.FedCM {
		p.fedcmLoginDone(w, r, ss.Sub) // no authorization request to continue
		return
	}
	c, ok := reg.lookup(in.Req.ClientID)
	if !ok {
		p.errorPage(w, r, errInvalidRequest("client %q was removed from the config while you signed in", in.Req.ClientID))
		return
	}
	p.issueCode(w, r, in.Req, c, ss)
}

// startSession creates an SSO session and sets its cookies.
func (p *Provider) startSession(w http.ResponseWriter, reg *registry, username, via string, claims map[string]any, now time.Time) session {
	ss := p.newSession(reg, username, via, claims, now)
	for _, ck := range p.sessionCookies(reg, ss) {
		http.SetCookie(w, ck)
	}
	w.Header().Set(setLoginHeader, "logged-in") // FedCM login status
	return *ss
}

// newSession stores a fresh SSO session.
func (p *Provider) newSession(reg *registry, username, via string, claims map[string]any, now time.Time) *session {
	ss := &session{
		ID: randomID(32), SID: randomID(16), BrowserState: randomID(16),
		Sub: username, AuthTime: now.Truncate(time.Second), AMR: []string{"pwd"},
		Expires: now.Add(reg.life.Session), Clients: map[string]bool{}, Claims: claims, Via: via,
	}
	p.store.putSession(ss)
	cp := *ss
	return &cp
}

// sessionCookies are the cookies that carry session ss: the one code path
// for the login form and the test API's sign-in, so both set them alike.
func (p *Provider) sessionCookies(reg *registry, ss *session) []*http.Cookie {
	maxAge := int(reg.life.Session / time.Second)
	cks := []*http.Cookie{
		{Name: SessionCookie, Value: ss.ID, Path: p.cookiePath, HttpOnly: true,
			SameSite: reg.sameSite, Secure: reg.secure, MaxAge: maxAge},
		// readable by the check_session iframe's script, by design (Session Management 1.0)
		{Name: BrowserStateCookie, Value: ss.BrowserState, Path: p.cookiePath,
			SameSite: reg.sameSite, Secure: reg.secure, MaxAge: maxAge},
	}
	if p.spec.sessionCookies != nil {
		cks = append(cks, p.spec.sessionCookies(p, reg, ss)...)
	}
	return cks
}

// clearSessionCookies expires the session cookies in the browser.
func (p *Provider) clearSessionCookies(w http.ResponseWriter, reg *registry) {
	w.Header().Set(setLoginHeader, "logged-out") // FedCM login status
	for _, name := range []string{SessionCookie, BrowserStateCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: p.cookiePath, MaxAge: -1,
			HttpOnly: name == SessionCookie, SameSite: reg.sameSite, Secure: reg.secure})
	}
	if p.spec.sessionCookies != nil {
		for _, ck := range p.spec.sessionCookies(p, reg, nil) {
			http.SetCookie(w, ck)
		}
	}
}

// roundUp rounds a wait up to whole seconds, so "try again in 1s" is never early.
func roundUp(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}

// csrfCookieName is the login form's CSRF cookie of one pending login:
// CSRFCookie plus the start of the interaction id.
func csrfCookieName(interactionID string) string {
	return CSRFCookie + "_" + interactionID[:min(12, len(interactionID))]
}

// loginCookiePath scopes the CSRF cookies to the login endpoint.
func (p *Provider) loginCookiePath() string {
	return p.cookiePath + strings.TrimPrefix(p.spec.layout.Login, "/")
}
