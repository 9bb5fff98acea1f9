package provider

import (
	"net/http"
	"slices"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// Storage Access API (https://privacycg.github.io/storage-access/) for
// hidden-iframe silent authentication. An app opts in with the ssokit
// authorization parameter storage_access=request on a prompt=none,
// response_mode=web_message request. When that request reaches the
// provider framed cross-site without any cookie (the browser withheld
// them as third-party cookies), the frame gets a page that asks the
// browser for storage access and, once granted, answers from the session
// through PathStorageAccess, a same-origin fetch that now carries the
// provider's cookie. Without a grant the app is told plainly that a
// gesture in the frame is needed (interaction_required with
// storage_access: "gesture_required"), and the frame shows a button.
const (
	PathStorageAccess  = "/storage_access/answer"
	StorageAccessParam = "storage_access"
)

// storageAccessPage answers a framed, cookie-less silent request that
// opted in with the storage-access page; false when it does not apply.
func (p *Provider) storageAccessPage(w http.ResponseWriter, r *http.Request, req authRequest, c *client) bool {
	if r.FormValue(StorageAccessParam) != "request" || req.ResponseMode != "web_message" ||
		!slices.Contains(req.Prompt, "none") || hasCookie(r, SessionCookie) ||
		r.Header.Get("Sec-Fetch-Dest") != "iframe" || r.Header.Get("Sec-Fetch-Site") != "cross-site" {
		return false
	}
	in := &interaction{ID: randomID(24), CSRF: "storage-access", Req: req.forLogin(), Expires: p.now().Add(InteractionTTL)}
	p.store.putInteraction(in)
	info(r).outcome = "storage_access"
	p.publish(events.Event{Kind: events.KindSilent, ClientID: c.ClientID, Endpoint: "authorize",
		Detail: "no cookie in a cross-site iframe: asking the browser for storage access"})
	// the target origin is the redirect URI's, which parseAuthorize checked
	// against the client's registered origins for web_message
	p.render(w, http.StatusOK, "storage_access.html", p.frameSources(p.regOf(r), c), "'none'", map[string]any{
		"TargetOrigin": originOf(req.RedirectURI), "State": req.State, "Interaction": in.ID,
		"AnswerURL": p.url(PathStorageAccess),
	})
	return true
}

// handleStorageAccessAnswer is called only by the storage-access page,
// from the provider's own origin, after the browser granted access: it
// answers the stored request from the session as JSON, which no other
// origin can read (no CORS), and the page posts it to the app's origin.
func (p *Provider) handleStorageAccessAnswer(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	if r.Header.Get("Origin") != originOf(p.issuer) || r.Header.Get("Sec-Fetch-Site") != "same-origin" {
		writeOAuthError(w, oauthErr(http.StatusForbidden, oidc.ErrInvalidRequest,
			"only the provider's storage-access page may call %s (same-origin fetch)", PathStorageAccess))
		return
	}
	_ = r.ParseForm()
	now := p.now()
	in, ok := p.store.takeInteraction(r.PostForm.Get("interaction"), now)
	if !ok || in.CSRF != "storage-access" {
		writeOAuthError(w, errInvalidRequest("the storage-access request is unknown, used or expired; start the silent request again"))
		return
	}
	req := in.Req
	resp := map[string]string{"iss": p.issuer}
	if req.State != "" {
		resp["state"] = req.State
	}
	c, ok := p.regOf(r).lookup(req.ClientID)
	if !ok {
		resp["error"], resp["error_description"] = oidc.ErrInvalidRequest, "the client is no longer registered"
		writeJSON(w, http.StatusOK, resp)
		return
	}
	ss, ok := p.currentSession(r, now)
	if !ok {
		resp["error"] = oidc.ErrLoginRequired
		resp["error_description"] = "storage access was granted, but no SSO session cookie reached the provider: the user is not signed in (or the session cookie is not SameSite=None, the only kind storage access unblocks)"
		p.publish(events.Event{Kind: events.KindSilent, ClientID: c.ClientID, Endpoint: "authorize", Detail: "failed: login_required after storage access"})
		writeJSON(w, http.StatusOK, resp)
		return
	}
	cd := &code{Value: randomID(32), Req: req.forCode(), Sub: ss.Sub, SID: ss.SID, AuthTime: ss.AuthTime, AMR: ss.AMR, Expires: now.Add(CodeTTL)}
	p.store.putCode(cd)
	p.store.addSessionClient(ss.ID, c.ClientID)
	p.publish(events.Event{Kind: events.KindSilent, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Endpoint: "authorize", Detail: "succeeded (storage access)"})
	resp["code"] = cd.Value
	resp["session_state"] = sessionState(c.ClientID, originOf(req.RedirectURI), ss.BrowserState)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}
