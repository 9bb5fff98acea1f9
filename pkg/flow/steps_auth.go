package flow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/token"
)

// authRequest says how a step runs its authorization request.
type authRequest struct {
	app *App
	// user signs in when the provider shows its login form, with password
	// when it is set instead of the user's own; nil never signs in.
	user     *User
	password string
	prompt   string // "none" for silent authentication
	// context is where the request runs: top level, an iframe (the app's
	// page is the top) or a popup.
	context browser.ContextKind
	// loginRequired: a login form shown without a user ends the step with
	// login_required, as the app would see it (a redirect step); otherwise
	// it is an error (prompt=none must not show one).
	loginRequired bool
	// noteSignedIn notes when no login form was shown (a login step).
	noteSignedIn bool
	// userActivated: the user clicked the app's sign-in button
	// (Sec-Fetch-User), a login step; redirect and silent are the app's
	// scripts acting on their own.
	userActivated bool
}

// context is where the app runs an authorization that otherwise runs in
// c: a popup app (mode: popup) opens a popup for it.
func (a *App) context(c browser.ContextKind) browser.ContextKind {
	if a.Mode == "popup" {
		return browser.Popup
	}
	return c
}

// authorize runs an authorization code request for app: a top-level
// redirect (login, redirect), a hidden iframe or popup (silent,
// prompt=none). It fills the login form when allowed and exchanges the code
// with PKCE.
func (fr *flowRun) authorize(ctx context.Context, ar authRequest) outcome {
	app, mayLogin := ar.app, ar.user != nil
	state, nonce, verifier := randomString(12), randomString(12), randomString(32)
	q := url.Values{
		"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {app.RedirectURI},
		"scope": {app.Scope}, "state": {state}, "nonce": {nonce},
		"code_challenge": {oidc.PKCEChallengeS256(verifier)}, "code_challenge_method": {"S256"},
	}
	if ar.prompt != "" {
		q.Set("prompt", ar.prompt)
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
	nav := browser.Navigation{Context: ar.context, Initiator: page, URL: authURL, UserActivated: ar.userActivated}
	if ar.context == browser.IFrame {
		nav.Top = page
	}
	o := outcome{context: nav.Context, top: page}
	p, err := fr.b.Navigate(ctx, nav)
	if err != nil {
		o.err = err
		return o
	}
	user := ar.user
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
				if ar.loginRequired {
					o.authErr = &oidc.Error{Code: "login_required", Description: "the provider showed its login form and the step has no user"}
					return o
				}
				o.err = fmt.Errorf("the provider showed a login form to prompt=none (it must answer login_required instead)")
				return o
			}
			if filled {
				// a refused sign-in (wrong password): an outcome a flow
				// may expect (error: login_failed, or tokens: false)
				o.authErr = &oidc.Error{Code: ErrLoginFailed, Description: fmt.Sprintf("the provider showed its login form again after signing in as %s: %s", user.Name, formError(p))}
				return o
			}
			password := user.Password
			if ar.password != "" {
				password = ar.password
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
	if ar.noteSignedIn && !filled {
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
	if ru != nil && (urlPath(p.URL) != urlPath(ru) || !browser.SameOrigin(p.URL, ru)) {
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

// ErrLoginFailed is the outcome of a login the provider refused (its login
// form came back after the user's credentials were submitted).
const ErrLoginFailed = "login_failed"

// urlPath is u's path as a browser's URL parser has it: an http(s) URL
// with an empty path has the path "/" (so http://localhost:5102 and
// http://localhost:5102/ are the same redirect target).
func urlPath(u *url.URL) string {
	if p := u.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

func formError(p *browser.Page) string {
	s := browser.VisibleText(p.Body, 160)
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

// pageSummary is what a person reads on an unexpected page: its title and
// visible text (a foreign provider's error page), never raw markup.
func pageSummary(p *browser.Page) string {
	d := p.Document()
	text := browser.VisibleText(p.Body, 300)
	if d.Title != "" && !strings.HasPrefix(text, d.Title) {
		return "page \"" + d.Title + "\": " + text
	}
	if d.Title != "" {
		return "page " + text
	}
	return text
}
