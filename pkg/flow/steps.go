package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/token"
)

// outcome is what a step produced.
type outcome struct {
	tokens  *tokenSet      // tokens the step obtained
	claims  map[string]any // claims the step's expectations look at
	authErr *oidc.Error    // the provider's OAuth error
	err     error          // anything else: transport, protocol, timeout
	notes   []string
	// frontchannel names the apps whose front-channel logout URI loaded.
	frontchannel []string
	// context the authorization ran in and the app page hosting it
	context browser.ContextKind
	top     *url.URL
}

func (o outcome) describe() string {
	switch {
	case o.err != nil:
		return "failed" // the failure line says why
	case o.authErr != nil:
		return "error " + o.authErr.Error()
	}
	var parts []string
	if o.tokens != nil {
		t := "tokens"
		var inner []string
		if sub, ok := o.tokens.IDClaims["sub"].(string); ok {
			inner = append(inner, "sub "+sub)
		}
		if sid, ok := o.tokens.IDClaims["sid"].(string); ok {
			inner = append(inner, "sid "+abbrev(sid))
		}
		if o.tokens.RefreshToken != "" {
			inner = append(inner, "refresh token")
		}
		if len(inner) > 0 {
			t += " (" + strings.Join(inner, ", ") + ")"
		}
		parts = append(parts, t)
	} else if o.claims != nil {
		parts = append(parts, fmt.Sprintf("%d claims", len(o.claims)))
	}
	if len(o.frontchannel) > 0 {
		parts = append(parts, "front-channel logout: "+strings.Join(o.frontchannel, ", "))
	}
	parts = append(parts, o.notes...)
	return strings.Join(parts, "; ")
}

func abbrev(s string) string {
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

func (fr *flowRun) do(ctx context.Context, st *Step) outcome {
	app := fr.file.App(st.App)
	switch st.Kind {
	case StepLogin:
		return fr.authorize(ctx, app, st, "", true)
	case StepRedirect:
		return fr.authorize(ctx, app, st, "", st.User != "")
	case StepSilent:
		return fr.authorize(ctx, app, st, "none", false)
	case StepRefresh:
		return fr.refresh(ctx, app)
	case StepUserinfo:
		return fr.userinfo(ctx, app)
	case StepLogout:
		return fr.logout(ctx, app)
	case StepWait:
		t := time.NewTimer(st.Duration)
		defer t.Stop()
		select {
		case <-t.C:
			return outcome{}
		case <-ctx.Done():
			return outcome{err: ctx.Err()}
		}
	case StepFault:
		return fr.fault(ctx, st.Fault)
	}
	return outcome{err: fmt.Errorf("unknown step %q", st.Kind)}
}

// authorize runs an authorization code request for app: a top-level
// redirect (login, redirect), a hidden iframe or popup (silent,
// prompt=none). It fills the login form when allowed and exchanges the code
// with PKCE.
func (fr *flowRun) authorize(ctx context.Context, app *App, st *Step, prompt string, mayLogin bool) outcome {
	state, nonce, verifier := randomString(12), randomString(12), randomString(32)
	q := url.Values{
		"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {app.RedirectURI},
		"scope": {app.Scope}, "state": {state}, "nonce": {nonce},
		"code_challenge": {oidc.PKCEChallengeS256(verifier)}, "code_challenge_method": {"S256"},
	}
	if prompt != "" {
		q.Set("prompt", prompt)
	}
	if app.ResponseMode != "" && app.ResponseMode != "query" {
		q.Set("response_mode", app.ResponseMode)
	}
	authURL, err := url.Parse(fr.disc.AuthorizationEndpoint)
	if err != nil {
		return outcome{err: fmt.Errorf("authorization_endpoint: %v", err)}
	}
	if authURL.RawQuery != "" {
		for k, v := range authURL.Query() {
			q[k] = v
		}
	}
	authURL.RawQuery = q.Encode()
	page, _ := url.Parse(app.Origin + "/")
	nav := browser.Navigation{Context: browser.TopLevel, Initiator: page, URL: authURL}
	switch {
	case st.Kind == StepSilent && app.Mode == "popup", st.Kind == StepLogin && app.Mode == "popup":
		nav.Context = browser.Popup
	case st.Kind == StepSilent:
		nav.Context, nav.Top = browser.IFrame, page
	}
	o := outcome{context: nav.Context, top: page}
	p, err := fr.b.Navigate(ctx, nav)
	if err != nil {
		o.err = err
		return o
	}
	user := fr.file.User(st.User)
	filled, confirmed := false, 0
	for i := 0; ; i++ {
		if p.Intercepted {
			break
		}
		if p.FrameBlocked != "" {
			o.err = fmt.Errorf("the browser refuses to show the provider's page %s in an iframe on %s: %s; the app never hears back (it would time out)", shortURL(p.URL), app.Origin, p.FrameBlocked)
			return o
		}
		if i > 6 {
			o.err = fmt.Errorf("gave up after %d pages without reaching %s", i, app.RedirectURI)
			return o
		}
		if !p.IsHTML() {
			o.err = fmt.Errorf("the provider answered %d at %s instead of redirecting to the app: %s", p.Status, shortURL(p.URL), excerpt(p.Body))
			return o
		}
		doc := p.Document()
		if v, ok := doc.WebMessageResponse(); ok {
			return fr.finishAuth(ctx, o, app, v, state, nonce, verifier)
		}
		if lf, ok := doc.LoginForm(); ok {
			if !mayLogin {
				if st.Kind == StepRedirect {
					o.authErr = &oidc.Error{Code: "login_required", Description: "the provider showed its login form and the step has no user"}
					return o
				}
				o.err = fmt.Errorf("the provider showed a login form to prompt=none (it must answer login_required instead)")
				return o
			}
			if filled {
				o.err = fmt.Errorf("the provider showed its login form again after signing in as %s: %s", user.Name, formError(p))
				return o
			}
			password := user.Password
			if st.Password != "" {
				password = st.Password
			}
			vals, err := browser.FillLogin(lf, user.Name, password)
			if err != nil {
				o.err = fmt.Errorf("cannot fill the provider's login form at %s: %v", shortURL(p.URL), err)
				return o
			}
			filled = true
			if p, err = fr.b.Submit(ctx, p, lf, vals); err != nil {
				o.err = err
				return o
			}
			continue
		}
		if cf, btn, ok := doc.ConsentForm(); ok && confirmed < 3 && mayLogin {
			confirmed++
			if p, err = fr.b.Submit(ctx, p, cf, cf.Values(btn)); err != nil {
				o.err = err
				return o
			}
			continue
		}
		o.err = fmt.Errorf("the provider answered %d at %s without redirecting to the app (%s)", p.Status, shortURL(p.URL), pageSummary(p))
		return o
	}
	if st.Kind == StepLogin && !filled {
		o.notes = append(o.notes, "no login form: already signed in")
	}
	var v url.Values
	switch {
	case p.Method == http.MethodPost:
		v = p.Form
	case p.URL.Fragment != "":
		v, _ = url.ParseQuery(p.URL.Fragment)
	default:
		v = p.URL.Query()
	}
	ru, _ := url.Parse(app.RedirectURI)
	if ru != nil && (p.URL.Path != ru.Path || !browser.SameOrigin(p.URL, ru)) {
		o.err = fmt.Errorf("the provider sent the browser to %s, not the redirect_uri %s", p.URL.Redacted(), app.RedirectURI)
		return o
	}
	return fr.finishAuth(ctx, o, app, v, state, nonce, verifier)
}

func (fr *flowRun) finishAuth(ctx context.Context, o outcome, app *App, v url.Values, state, nonce, verifier string) outcome {
	if got := v.Get("state"); got != state {
		o.err = fmt.Errorf("the authorization response's state %q is not the one sent", got)
		return o
	}
	if e := v.Get("error"); e != "" {
		o.authErr = &oidc.Error{Code: e, Description: v.Get("error_description")}
		return o
	}
	if iss := v.Get("iss"); iss != "" && iss != fr.disc.Issuer {
		o.err = fmt.Errorf("the authorization response's iss %q is not the issuer %q (RFC 9207)", iss, fr.disc.Issuer)
		return o
	}
	code := v.Get("code")
	if code == "" {
		o.err = errors.New("the authorization response has neither code nor error")
		return o
	}
	ts, err := tokenRequest(ctx, fr.b, app, fr.disc.TokenEndpoint, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {app.RedirectURI},
		"client_id": {app.ClientID}, "code_verifier": {verifier},
	})
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) {
			o.authErr = &oidc.Error{Code: oe.Code, Description: "token endpoint refused the code: " + oe.Description, Status: oe.Status}
		} else {
			o.err = err
		}
		return o
	}
	if ts.IDToken == "" {
		o.err = errors.New("the token response has no id_token (scope openid was requested)")
		return o
	}
	if e := fr.checkIDToken(ts.IDToken, nonce); e != nil {
		if oe, ok := e.(*oidc.Error); ok {
			o.authErr = oe
		} else {
			o.err = e
		}
		return o
	}
	fr.tokens[app.Name] = ts
	o.tokens, o.claims = ts, ts.IDClaims
	return o
}

// checkIDToken checks the ID token as a client library does, with
// token.CheckClaims: nonce and iss (a mismatch is an error), then its times
// against this machine's clock with the usual 60 s leeway (oidc-client-ts
// and auth0-spa-js tolerate that much or less), which fail as the OAuth
// error invalid_id_token, as a clock_skew fault shows. The signature is
// checked only when a step expects it (expect: signature).
func (fr *flowRun) checkIDToken(raw, nonce string) error {
	u, err := token.Decode(raw)
	if err != nil {
		return fmt.Errorf("the ID token is not a JWT: %v", err)
	}
	res := token.CheckClaims(u, token.VerifyOptions{Now: fr.r.Now, Leeway: token.DefaultLeeway, Nonce: nonce, Issuer: fr.disc.Issuer})
	for _, c := range res.Checks {
		if c.OK {
			continue
		}
		switch c.Name {
		case "exp", "nbf", "iat":
			return &oidc.Error{Code: "invalid_id_token", Description: fmt.Sprintf("the ID token: %s by this machine's clock (a client would reject it)", c.Detail)}
		default:
			return fmt.Errorf("the ID token's %s", c.Detail)
		}
	}
	return nil
}

func formError(p *browser.Page) string {
	s := excerpt(p.Body)
	for _, marker := range []string{`role="alert">`, `class="err"`} {
		if i := bytes.Index(p.Body, []byte(marker)); i >= 0 {
			rest := p.Body[i+len(marker):]
			if j := bytes.IndexByte(rest, '<'); j > 0 {
				return strings.TrimSpace(strings.TrimPrefix(string(rest[:j]), ">"))
			}
		}
	}
	return s
}

func pageSummary(p *browser.Page) string {
	d := p.Document()
	if d.Title != "" {
		return "page \"" + d.Title + "\": " + excerpt(p.Body)
	}
	return excerpt(p.Body)
}

func (fr *flowRun) refresh(ctx context.Context, app *App) outcome {
	cur := fr.tokens[app.Name]
	if cur == nil {
		return outcome{err: fmt.Errorf("%s holds no tokens to refresh (sign it in first)", app.Name)}
	}
	if cur.RefreshToken == "" {
		return outcome{err: fmt.Errorf("%s has no refresh token (the provider issued none for scope %q)", app.Name, app.Scope)}
	}
	ts, err := tokenRequest(ctx, fr.b, app, fr.disc.TokenEndpoint, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {cur.RefreshToken}, "client_id": {app.ClientID},
	})
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) {
			return outcome{authErr: oe}
		}
		return outcome{err: err}
	}
	if ts.RefreshToken == "" {
		ts.RefreshToken = cur.RefreshToken
	}
	if ts.IDToken == "" {
		ts.IDToken, ts.IDClaims = cur.IDToken, cur.IDClaims
	}
	fr.tokens[app.Name] = ts
	return outcome{tokens: ts, claims: ts.IDClaims}
}

func (fr *flowRun) userinfo(ctx context.Context, app *App) outcome {
	if fr.disc.UserinfoEndpoint == "" {
		return outcome{err: errors.New("the provider's discovery document has no userinfo_endpoint")}
	}
	cur := fr.tokens[app.Name]
	if cur == nil || cur.AccessToken == "" {
		return outcome{err: fmt.Errorf("%s holds no access token (sign it in first)", app.Name)}
	}
	u, _ := url.Parse(fr.disc.UserinfoEndpoint)
	from, _ := url.Parse(app.Origin + "/")
	resp, body, err := fr.b.Fetch(ctx, browser.FetchRequest{From: from, URL: u,
		Header: http.Header{"Authorization": {"Bearer " + cur.AccessToken}}})
	if err != nil {
		return outcome{err: fmt.Errorf("userinfo: %v", unwrapURLError(err))}
	}
	if resp.StatusCode != http.StatusOK {
		oe := &oidc.Error{Code: fmt.Sprintf("http_%d", resp.StatusCode), Status: resp.StatusCode}
		if e := bearerError(resp.Header.Get("WWW-Authenticate")); e != "" {
			oe.Code = e
		}
		var tr tokenResponse
		if json.Unmarshal(body, &tr) == nil && tr.Error != "" {
			oe.Code, oe.Description = tr.Error, tr.ErrorDescription
		}
		return outcome{authErr: oe}
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		return outcome{err: fmt.Errorf("userinfo answered with no JSON object: %s", excerpt(body))}
	}
	return outcome{claims: claims}
}

func bearerError(h string) string {
	i := strings.Index(h, `error="`)
	if i < 0 {
		return ""
	}
	rest := h[i+7:]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

// logout runs RP-initiated logout for app at top level: it loads the
// front-channel logout iframes the provider's page embeds, confirms a
// logout prompt if there is one, and follows the way back to the app.
func (fr *flowRun) logout(ctx context.Context, app *App) outcome {
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
	p, err := fr.b.Navigate(ctx, browser.Navigation{Context: browser.TopLevel, Initiator: page, URL: u})
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
		if u, err := p.URL.Parse(htmlUnescape(body[:j])); err == nil {
			out = append(out, u)
		}
		body = body[j:]
	}
	return out
}

// fault calls ssokit's admin API: install a fault, clear them, rotate keys
// or end every session.
func (fr *flowRun) fault(ctx context.Context, f map[string]any) outcome {
	base := strings.TrimSuffix(fr.r.Issuer, "/") + "/_ssokit/"
	method, path := http.MethodPost, "faults"
	var body []byte
	switch {
	case f["clear"] == true:
		method = http.MethodDelete
	case f["rotate_keys"] == true:
		path = "rotate-keys"
	case f["end_sessions"] == true:
		path = "end-sessions"
	default:
		body, _ = json.Marshal(f)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	rt := fr.r.Admin
	if rt == nil {
		rt = fr.transport
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return outcome{err: fmt.Errorf("fault: %s: %v", base+path, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	var msg bytes.Buffer
	_, _ = msg.ReadFrom(http.MaxBytesReader(nil, resp.Body, 64<<10))
	if resp.StatusCode == http.StatusNotFound {
		return outcome{err: fmt.Errorf("fault steps need ssokit's provider (its admin API at %s answered 404): %s", base, excerpt(msg.Bytes()))}
	}
	if resp.StatusCode >= 300 {
		return outcome{err: fmt.Errorf("the provider refused the fault: %s %s", resp.Status, excerpt(msg.Bytes()))}
	}
	done := "installed"
	switch path {
	case "rotate-keys":
		done = "signing key rotated"
	case "end-sessions":
		done = "every session ended"
	}
	if method == http.MethodDelete {
		done = "faults cleared"
	}
	return outcome{notes: []string{done}}
}

func faultLabel(f map[string]any) string {
	for _, k := range []string{"clear", "rotate_keys", "end_sessions"} {
		if f[k] == true {
			return strings.ReplaceAll(k, "_", " ")
		}
	}
	parts := []string{"*"}
	if e, ok := f["endpoint"]; ok {
		parts[0] = fmt.Sprint(e)
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		if k != "endpoint" && k != "count" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, f[k]))
	}
	if n, ok := f["count"]; ok {
		parts = append(parts, fmt.Sprintf("×%v", n))
	}
	return strings.Join(parts, " ")
}

func sortStrings(s []string) { sort.Strings(s) }
