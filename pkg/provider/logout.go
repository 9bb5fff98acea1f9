package provider

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/plural"
)

// handleLogout implements RP-Initiated Logout 1.0: id_token_hint or
// client_id, post_logout_redirect_uri (registered, or loopback in
// zero-config mode) and state. With a valid id_token_hint (or after the
// user confirmed) it ends the SSO session, notifies every client signed in
// through it (front-channel iframes, back-channel POSTs) and continues to
// the post-logout URI.
func (p *Provider) handleLogout(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxTokenBody)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, errInvalidRequest("cannot parse the logout request: %v", err))
		return
	}
	var lp logoutParams
	if p.spec.logoutParams != nil {
		lp = p.spec.logoutParams(p, r)
	} else {
		lp = rpLogoutParams(r)
	}
	p.logout(w, r, lp.ClientID, lp.IDTokenHint, lp.PostLogoutRedirectURI, lp.State, lp.Confirm)
}

// rpLogoutParams reads RP-Initiated Logout 1.0's parameters from a parsed
// request; the confirmation token only from a POST body.
func rpLogoutParams(r *http.Request) logoutParams {
	lp := logoutParams{ClientID: r.Form.Get("client_id"), IDTokenHint: r.Form.Get("id_token_hint"),
		PostLogoutRedirectURI: r.Form.Get("post_logout_redirect_uri"), State: r.Form.Get("state")}
	if r.Method == http.MethodPost {
		lp.Confirm = r.PostForm.Get("confirm")
	}
	return lp
}

// handleAuth0Logout is Auth0's /v2/logout: client_id and returnTo.
func (p *Provider) handleAuth0Logout(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	p.logout(w, r, q.Get("client_id"), q.Get("id_token_hint"), q.Get("returnTo"), "", "")
}

// logoutCSRF is the confirmation form's token: bound to the session cookie
// (which a cross-site page can neither read nor choose), so it needs no storage.
func logoutCSRF(sessionID string) string {
	sum := sha256.Sum256([]byte("ssokit logout confirmation\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (p *Provider) logout(w http.ResponseWriter, r *http.Request, clientID, hint, postLogout, state, confirm string) {
	reg := p.regOf(r)
	hinted := false
	if hint != "" {
		c, _, err := p.verifyOwn(hint, "", true)
		if err != nil {
			p.errorPage(w, r, errInvalidRequest("id_token_hint is not an ID token from this provider: %v", err))
			return
		}
		aud := c.audiences()
		if clientID != "" && !slices.Contains(aud, clientID) {
			p.errorPage(w, r, errInvalidRequest("client_id %s does not match the id_token_hint's audience %s", clientID, strings.Join(aud, ", ")))
			return
		}
		if clientID == "" && len(aud) > 0 {
			clientID = aud[0]
		}
		hinted = true
	}
	info(r).clientID = clientID
	next := ""
	if postLogout != "" {
		if clientID == "" {
			p.errorPage(w, r, errInvalidRequest("post_logout_redirect_uri needs client_id or id_token_hint to check it against"))
			return
		}
		c, ok := reg.lookup(clientID)
		if !ok {
			p.errorPage(w, r, errInvalidRequest("client %q is not registered%s", clientID, p.registeredList(r, "; registered: ", reg.clientIDs())))
			return
		}
		if !reg.postLogoutAllowed(c, postLogout) {
			p.errorPage(w, r, errInvalidRequest("post_logout_redirect_uri %s is not registered for client %s%s", postLogout, clientID, p.registeredList(r, "; registered: ", []string{listOr(c.PostLogoutRedirectURIs, "(none; with no config file any loopback URI is allowed)")})))
			return
		}
		next = postLogout
		if state != "" {
			next = appendQuery(postLogout, url.Values{"state": {state}})
		}
	}
	// the client's own origins may frame the logout page: oidc-client-ts
	// signoutSilent loads it in a hidden iframe (with 'none' it times out)
	fa := "'none'"
	if c, ok := reg.lookup(clientID); ok && clientID != "" {
		fa = p.frameSources(reg, c)
	}
	frames := []string{}
	ids := []string{}
	if id, _, live := p.sessionFromCookies(r, p.now()); live {
		if !hinted && subtle.ConstantTimeCompare([]byte(confirm), []byte(logoutCSRF(id))) != 1 {
			// a bare GET (any page can make one) must not end the session:
			// ask the user (RP-Initiated Logout §2)
			info(r).outcome = "confirm logout"
			p.render(w, http.StatusOK, "logout_confirm.html", "'none'", "'self'", map[string]any{
				"Title": "Sign out?", "Action": p.url(p.spec.layout.Logout), "CSRF": logoutCSRF(id),
				"ClientID": clientID, "PostLogout": postLogout, "State": state,
			})
			return
		}
		ids = append(ids, id)
	} else {
		// expired sessions end too (another issuer's cookie names none of ours)
		for _, ck := range r.CookiesNamed(SessionCookie) {
			ids = append(ids, ck.Value)
		}
	}
	for _, id := range ids {
		if ss, ok := p.store.endSession(id, p.now()); ok {
			p.publish(events.Event{Kind: events.KindLogout, ClientID: clientID, User: ss.Sub, SID: ss.SID, Detail: "RP-initiated logout"})
			frames = append(frames, p.notifyLogout(reg, ss)...)
		}
	}
	p.clearSessionCookies(w, reg)
	info(r).outcome = "signed out"
	if next != "" && len(frames) == 0 {
		// nothing to load here: straight back to the client, with or without scripts
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p.render(w, http.StatusOK, "logout.html", fa, "'none'", map[string]any{
		"Title": "Signed out", "Frames": frames, "FrameCount": len(frames), "Next": next,
	})
}

// notifyLogout starts back-channel deliveries (in the background, bounded
// by the timeout, so they never hold up the user) and returns the
// front-channel logout URLs to load in iframes.
func (p *Provider) notifyLogout(reg *registry, ss *session) []string {
	var frames []string
	for id := range ss.Clients {
		c, ok := reg.clients[id]
		if !ok {
			continue
		}
		if c.FrontchannelLogoutURI != "" {
			frames = append(frames, appendQuery(c.FrontchannelLogoutURI, url.Values{"iss": {p.issuer}, "sid": {ss.SID}}))
		}
		if c.BackchannelLogoutURI != "" {
			p.bg.Add(1)
			go func(c *client) {
				defer p.bg.Done()
				p.backchannel(c, ss)
			}(c)
		}
	}
	slices.Sort(frames)
	return frames
}

// backchannel POSTs a logout_token (Back-Channel Logout 1.0 §2.4).
func (p *Provider) backchannel(c *client, ss *session) {
	now := p.now()
	tok, err := p.keys.Sign(p.logoutClaims(c.ClientID, ss.Sub, ss.SID, now), "logout+jwt")
	detail := ""
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), p.bcWait)
		defer cancel()
		body := url.Values{"logout_token": {tok}}.Encode()
		req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, c.BackchannelLogoutURI, strings.NewReader(body))
		if rerr == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, derr := p.http.Do(req)
			if derr != nil {
				err = derr
			} else {
				resp.Body.Close()
				detail = c.BackchannelLogoutURI + " answered " + resp.Status
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
					detail += " (expected 200 or 204)"
				}
			}
		} else {
			err = rerr
		}
	}
	if err != nil {
		detail = c.BackchannelLogoutURI + " failed: " + err.Error()
		p.log.Warn("back-channel logout", "client_id", c.ClientID, "uri", c.BackchannelLogoutURI, "err", err)
	} else {
		p.log.Info("back-channel logout", "client_id", c.ClientID, "outcome", detail)
	}
	p.publish(events.Event{Kind: events.KindBackchannel, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Detail: detail})
}

// logoutClaims builds a Logout Token: no nonce, the back-channel event.
func (p *Provider) logoutClaims(clientID, sub, sid string, now time.Time) map[string]any {
	return map[string]any{
		"iss": p.issuer, "aud": clientID, "sub": sub, "sid": sid,
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": randomID(16),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
}

// endAll ends every session (admin API, fault "end all sessions now").
func (p *Provider) endAll() int {
	all := p.store.endAllSessions(p.now())
	reg := p.reg.Load()
	for _, ss := range all {
		p.notifyLogout(reg, ss)
	}
	p.publish(events.Event{Kind: events.KindSessionsEnded, Detail: plural.Count(len(all), "session") + " ended"})
	return len(all)
}
