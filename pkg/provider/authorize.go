package provider

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/netutil"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// MaxParamLen bounds every authorization request parameter, and
// MaxAuthorizeRequest all of them together: a pending login is stored for
// InteractionTTL, so its size is bounded before anything is kept.
const (
	MaxParamLen         = 4096
	MaxAuthorizeRequest = 8192
)

// base64urlChars is the alphabet of an S256 code_challenge (RFC 7636 §4.2).
const base64urlChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// authzError is a failed authorization request. With Redirect false the
// client or redirect_uri could not be trusted, so the user sees an error page
// and is never redirected (RFC 6749 §4.1.2.1: no open redirect).
type authzError struct {
	Err      *oidc.Error
	Redirect bool
}

// parseAuthorize validates an authorization request against the registry.
// It is pure (no clock, no store) so it can be fuzzed. showLists names the
// registered clients, redirect URIs and origins in errors (loopback callers only).
func parseAuthorize(q url.Values, reg *registry, showLists bool) (authRequest, *client, *authzError) {
	var req authRequest
	list := func(prefix string, items []string) string {
		if !showLists {
			return ""
		}
		return prefix + strings.Join(items, ", ")
	}
	page := func(format string, args ...any) (authRequest, *client, *authzError) {
		return req, nil, &authzError{Err: errInvalidRequest(format, args...)}
	}
	total := 0
	for k, v := range q {
		if len(v) > 1 && k != "resource" {
			return page("parameter %s is repeated; send it once (RFC 6749 §3.1)", k)
		}
		if len(v) == 1 && len(v[0]) > MaxParamLen {
			return page("parameter %s is %d bytes; the limit is %d", k, len(v[0]), MaxParamLen)
		}
		for _, x := range v {
			total += len(k) + len(x)
		}
	}
	if total > MaxAuthorizeRequest {
		return page("the authorization request's parameters are %d bytes; the limit is %d in all: shorten state, nonce or login_hint", total, MaxAuthorizeRequest)
	}
	req.ClientID = q.Get("client_id")
	if req.ClientID == "" {
		return page("client_id is missing; add client_id=<your app's client id> to the authorization URL")
	}
	c, ok := reg.lookup(req.ClientID)
	if !ok {
		return page("client %q is not registered%s", req.ClientID, list("; registered clients: ", reg.clientIDs()))
	}
	req.RedirectURI = q.Get("redirect_uri")
	req.RedirectURISent = req.RedirectURI != ""
	switch {
	case req.RedirectURI == "" && len(c.RedirectURIs) == 1:
		req.RedirectURI = c.RedirectURIs[0]
	case req.RedirectURI == "":
		if len(c.RedirectURIs) == 0 {
			return page("redirect_uri is missing; the client %q must send a loopback URL such as http://localhost:5173/callback", c.ClientID)
		}
		return page("redirect_uri is missing; the client %q must send one of its registered redirect URIs%s", c.ClientID, list(": ", c.RedirectURIs))
	case !reg.redirectAllowed(c, req.RedirectURI):
		if reg.zeroConfig && len(c.RedirectURIs) == 0 {
			return page("redirect_uri %s is not a loopback URL; with no config file any client may use http(s)://localhost, *.localhost, 127.0.0.1 or [::1] redirect URIs, otherwise register the client in ssokit.yaml", req.RedirectURI)
		}
		return page("redirect_uri %s is not registered for client %s%s", req.RedirectURI, c.ClientID, list("; registered: ", c.RedirectURIs))
	}
	// From here on the redirect_uri is trusted: errors go back to the client.
	redirect := func(code, format string, args ...any) (authRequest, *client, *authzError) {
		return req, c, &authzError{Err: &oidc.Error{Code: code, Description: fmt.Sprintf(format, args...)}, Redirect: true}
	}
	req.State = q.Get("state")
	req.ResponseMode = q.Get("response_mode")
	switch req.ResponseMode {
	case "":
		req.ResponseMode = "query"
	case "query", "fragment", "form_post":
	case "web_message":
		if !reg.originAllowed(c, originOf(req.RedirectURI)) {
			// never post a message to an origin the client does not own
			req.ResponseMode = "query"
			return page("response_mode=web_message to origin %s is not allowed for client %s%s", originOf(req.RedirectURI), c.ClientID, list("; allowed origins: ", []string{listOr(c.origins, "loopback origins")}))
		}
	default:
		req.ResponseMode = "query"
		return redirect(oidc.ErrInvalidRequest, "response_mode %q is not supported; use query, fragment, form_post or web_message", q.Get("response_mode"))
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return redirect(oidc.ErrInvalidRequest, "response_type is missing; use response_type=code")
	default:
		return redirect(oidc.ErrUnsupportedResponseType, "response_type %q is not supported; ssokit implements the authorization code flow only: use response_type=code with PKCE", rt)
	}
	req.Scope = oidc.ParseScope(q.Get("scope"))
	req.Nonce = q.Get("nonce")
	req.CodeChallenge = q.Get("code_challenge")
	req.CodeChallengeMethod = q.Get("code_challenge_method")
	switch {
	case req.CodeChallenge == "" && c.public():
		return redirect(oidc.ErrInvalidRequest, "PKCE is required for public client %s: send code_challenge and code_challenge_method=S256 (RFC 7636)", c.ClientID)
	case req.CodeChallenge == "":
	case req.CodeChallengeMethod == "plain":
		return redirect(oidc.ErrInvalidRequest, "code_challenge_method=plain is not allowed; use S256")
	case req.CodeChallengeMethod == "":
		return redirect(oidc.ErrInvalidRequest, "code_challenge_method is missing; only S256 is supported (plain would be the default, and it is refused)")
	case req.CodeChallengeMethod != "S256":
		return redirect(oidc.ErrInvalidRequest, "code_challenge_method %q is not supported; use S256", req.CodeChallengeMethod)
	case len(req.CodeChallenge) != 43 || strings.Trim(req.CodeChallenge, base64urlChars) != "":
		return redirect(oidc.ErrInvalidRequest, "code_challenge must be the 43-character base64url SHA-256 of the verifier (characters A-Z a-z 0-9 - _)")
	}
	req.Prompt = strings.Fields(q.Get("prompt"))
	for _, pr := range req.Prompt {
		if !slices.Contains([]string{"none", "login", "consent", "select_account"}, pr) {
			return redirect(oidc.ErrInvalidRequest, "prompt %q is not supported; use none, login, consent or select_account", pr)
		}
	}
	if slices.Contains(req.Prompt, "none") && len(req.Prompt) > 1 {
		return redirect(oidc.ErrInvalidRequest, "prompt=none cannot be combined with other prompt values")
	}
	req.MaxAge = -1
	if v := q.Get("max_age"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return redirect(oidc.ErrInvalidRequest, "max_age %q is not a non-negative number of seconds", v)
		}
		req.MaxAge = n
	}
	req.LoginHint = q.Get("login_hint")
	req.IDTokenHint = q.Get("id_token_hint")
	aud, api, oerr := resolveAudience(reg, append(q["audience"], q["resource"]...), showLists)
	if oerr != nil {
		return redirect(oerr.Code, "%s", oerr.Description)
	}
	if oerr := checkAPIScopes(api, req.Scope); oerr != nil {
		return redirect(oerr.Code, "%s", oerr.Description)
	}
	req.Audience = aud
	if req.Org, oerr = reg.resolveOrganization(q); oerr != nil {
		return redirect(oerr.Code, "%s", oerr.Description)
	}
	return req, c, nil
}

func (r *registry) clientIDs() []string {
	ids := make([]string, 0, len(r.clients))
	for id := range r.clients {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return []string{"(none)"}
	}
	return ids
}

func listOr(vs []string, none string) string {
	if len(vs) == 0 {
		return none
	}
	return strings.Join(vs, ", ")
}

func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	if len(r.URL.RawQuery) > 3*MaxAuthorizeRequest {
		p.errorPage(w, r, errInvalidRequest("the authorization request is %d bytes; the limit is %d bytes of parameters: shorten state, nonce or login_hint", len(r.URL.RawQuery), MaxAuthorizeRequest))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 3*MaxAuthorizeRequest)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, errInvalidRequest("cannot parse the request (limit %d bytes of parameters): %v", MaxAuthorizeRequest, err))
		return
	}
	params := r.Form
	if r.Method == http.MethodGet {
		params = r.URL.Query()
	}
	req, c, aerr := parseAuthorize(params, p.regOf(r), netutil.IsLoopbackAddr(r.RemoteAddr))
	if aerr == nil && p.spec.authorize != nil {
		if e := p.spec.authorize(p, params, &req); e != nil {
			aerr = &authzError{Err: e, Redirect: true}
		}
	}
	info(r).clientID = req.ClientID
	if aerr != nil {
		p.publish(events.Event{Kind: events.KindError, ClientID: req.ClientID, Endpoint: "authorize", Detail: aerr.Err.Error()})
		if !aerr.Redirect {
			p.errorPage(w, r, aerr.Err)
			return
		}
		p.respond(w, r, req, c, aerr.Err, "", "")
		return
	}
	if _, handled := p.fault(w, r, "authorize", req.ClientID, func(e *oidc.Error) { p.respond(w, r, req, c, e, "", "") }); handled {
		return
	}
	p.continueAuthorize(w, r, req, c)
}

// continueAuthorize decides between answering from the SSO session and
// asking the user to sign in.
func (p *Provider) continueAuthorize(w http.ResponseWriter, r *http.Request, req authRequest, c *client) {
	now := p.now()
	reg := p.regOf(r)
	ss, hasSession := p.currentSession(r, now)
	none := slices.Contains(req.Prompt, "none")
	reason := ""
	switch {
	case !hasSession:
		reason = "no SSO session cookie reached the provider"
		if r.Header.Get("Cookie") != "" {
			reason = "the SSO session is missing or expired"
		} else if r.Header.Get("Sec-Fetch-Site") == "cross-site" && r.Header.Get("Sec-Fetch-Dest") == "iframe" {
			// what a withheld cookie looks like from here (measured in Chromium)
			why := "the session cookie is SameSite=" + sameSiteName(reg.sameSite) + ", which browsers never send to a cross-site iframe"
			if reg.sameSite == http.SameSiteNoneMode {
				why = "the browser probably blocks third-party cookies"
			}
			reason += " (a cross-site iframe: " + why + "; use refresh tokens or a popup, or serve the provider same-site with the app)"
		}
	case slices.Contains(req.Prompt, "login") || slices.Contains(req.Prompt, "select_account"):
		reason = "prompt=" + strings.Join(req.Prompt, " ") + " asks for the login form"
	case req.MaxAge >= 0 && now.Sub(ss.AuthTime) > time.Duration(req.MaxAge)*time.Second:
		reason = fmt.Sprintf("max_age=%d and the user signed in %s ago", req.MaxAge, now.Sub(ss.AuthTime).Round(time.Second))
	case reg.orgRefusal(req.Org, ss.Sub) != "":
		reason = reg.orgRefusal(req.Org, ss.Sub)
	case req.IDTokenHint != "":
		if sub, ok := p.hintSubject(req.IDTokenHint); !ok || sub != ss.Sub {
			reason = "id_token_hint names another user than the signed-in one"
		}
	}
	if reason == "" {
		p.issueCode(w, r, req, c, ss)
		return
	}
	if none && !hasSession && p.storageAccessPage(w, r, req, c) {
		return
	}
	if none {
		// every reason above means the user must authenticate again
		code := oidc.ErrLoginRequired
		p.publish(events.Event{Kind: events.KindSilent, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Detail: "failed: " + code + ": " + reason})
		p.respond(w, r, req, c, &oidc.Error{Code: code, Description: "prompt=none and " + reason}, "", "")
		return
	}
	if p.autoLogin != "" {
		u, ok := reg.user(p.autoLogin)
		if !ok {
			// the config was reloaded without the user (or with passwords,
			// which ends users made on the fly)
			p.errorPage(w, r, errInvalidRequest("--auto-login %s is no longer a user: the reloaded config does not define it; restart with another --auto-login or add the user", p.autoLogin))
			return
		}
		ss = p.startSession(w, reg, u.Username, "auto-login", p.autoLoginClaims, now)
		p.publish(events.Event{Kind: events.KindLogin, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Detail: "auto-login"})
		p.issueCode(w, r, req, c, ss)
		return
	}
	// a session of someone outside the requested organization: say why the
	// form asks again
	msg := ""
	if hasSession {
		msg = reg.orgRefusal(req.Org, ss.Sub)
	}
	p.showLogin(w, r, req, msg)
}

// currentSession returns the live session named by the request's cookie.
func (p *Provider) currentSession(r *http.Request, now time.Time) (session, bool) {
	_, ss, ok := p.sessionFromCookies(r, now)
	return ss, ok
}

// sessionFromCookies finds this provider's live session among the request's
// session cookies. A browser sends several when issuers share a host: the
// root issuer's cookie (Path=/) reaches every tenant's paths (Path=/acme/).
// Each provider knows only its own sessions, so another issuer's cookie
// never signs anyone in here; looking at all of them keeps the order the
// browser sends them in from mattering.
func (p *Provider) sessionFromCookies(r *http.Request, now time.Time) (string, session, bool) {
	for _, ck := range r.CookiesNamed(SessionCookie) {
		if ck.Value == "" {
			continue
		}
		if ss, ok := p.store.liveSession(ck.Value, now); ok {
			return ck.Value, ss, true
		}
	}
	return "", session{}, false
}

// issueCode answers the authorization request with a fresh code.
func (p *Provider) issueCode(w http.ResponseWriter, r *http.Request, req authRequest, c *client, ss session) {
	now := p.now()
	if msg := p.regOf(r).orgRefusal(req.Org, ss.Sub); msg != "" {
		// the form and the session check refuse first; --auto-login lands here
		p.publish(events.Event{Kind: events.KindError, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Endpoint: "authorize", Detail: msg})
		p.respond(w, r, req, c, &oidc.Error{Code: oidc.ErrAccessDenied, Description: msg}, "", "")
		return
	}
	cd := &code{Value: randomID(32), Req: req.forCode(), Sub: ss.Sub, SID: ss.SID, AuthTime: ss.AuthTime, AMR: ss.AMR, Expires: now.Add(CodeTTL)}
	p.store.putCode(cd)
	p.store.addSessionClient(ss.ID, c.ClientID)
	kind, detail := events.KindCode, "code issued ("+req.ResponseMode+")"
	if slices.Contains(req.Prompt, "none") {
		kind, detail = events.KindSilent, "succeeded ("+req.ResponseMode+")"
	}
	info(r).outcome = "code"
	p.publish(events.Event{Kind: kind, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Endpoint: "authorize", Detail: detail})
	st := ss.SID
	if !p.spec.sessionStateIsSID {
		st = sessionState(c.ClientID, originOf(req.RedirectURI), ss.BrowserState)
	}
	p.respond(w, r, req, c, nil, cd.Value, st)
}

// respond delivers an authorization response (code or error) by the
// request's response_mode, always with iss (RFC 9207) and state.
func (p *Provider) respond(w http.ResponseWriter, r *http.Request, req authRequest, c *client, oerr *oidc.Error, codeValue, sessionState string) {
	params := url.Values{}
	if oerr != nil {
		info(r).outcome = oerr.Code
		params.Set("error", oerr.Code)
		if oerr.Description != "" {
			params.Set("error_description", oerr.Description)
		}
	} else {
		params.Set("code", codeValue)
		if sessionState != "" {
			params.Set("session_state", sessionState)
		}
	}
	if req.State != "" {
		params.Set("state", req.State)
	}
	params.Set("iss", p.issuer)
	// the client's own origins may frame the answer (hidden-iframe silent
	// auth), nobody else
	fa := p.frameSources(p.regOf(r), c)
	w.Header().Set("Content-Security-Policy", "frame-ancestors "+fa)
	switch req.ResponseMode {
	case "web_message":
		p.webMessage(w, fa, originOf(req.RedirectURI), params)
	case "form_post":
		p.formPost(w, fa, req.RedirectURI, params)
	case "fragment":
		http.Redirect(w, r, req.RedirectURI+"#"+params.Encode(), http.StatusFound)
	default:
		http.Redirect(w, r, appendQuery(req.RedirectURI, params), http.StatusFound)
	}
}

func appendQuery(uri string, params url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + params.Encode()
}

// frameSources is the CSP source list of the origins that may frame
// responses for client c: its own origins, or in zero-config mode any
// loopback origin; 'none' without a client.
func (p *Provider) frameSources(reg *registry, c *client) string {
	src := "'none'"
	if c != nil {
		if len(c.origins) > 0 {
			src = strings.Join(c.origins, " ")
		} else if reg.zeroConfig {
			src = "http://localhost:* http://127.0.0.1:* http://*.localhost:* https://localhost:* https://127.0.0.1:* https://*.localhost:* http://[::1]:*"
		}
	}
	return src
}

// forCode keeps what the token endpoint checks, as fresh strings, so a
// stored code pins no request buffer.
func (r authRequest) forCode() authRequest {
	return authRequest{
		ClientID: strings.Clone(r.ClientID), RedirectURI: strings.Clone(r.RedirectURI), RedirectURISent: r.RedirectURISent,
		Scope: cloneStrings(r.Scope), Nonce: strings.Clone(r.Nonce), CodeChallenge: strings.Clone(r.CodeChallenge),
		CodeChallengeMethod: strings.Clone(r.CodeChallengeMethod), Audience: strings.Clone(r.Audience),
		Org: strings.Clone(r.Org),
	}
}

// forLogin keeps what the login form and the code need; id_token_hint was
// already checked against the session and is dropped.
func (r authRequest) forLogin() authRequest {
	c := r.forCode()
	c.ResponseMode, c.State, c.LoginHint = strings.Clone(r.ResponseMode), strings.Clone(r.State), strings.Clone(r.LoginHint)
	c.Prompt, c.MaxAge = cloneStrings(r.Prompt), r.MaxAge
	return c
}

func cloneStrings(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.Clone(v)
	}
	return out
}

// sameSiteName is the cookie attribute's value as a browser shows it.
func sameSiteName(s http.SameSite) string {
	switch s {
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	default:
		return "Lax"
	}
}
