package proxy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// logout ends the gate's session and sends the browser to the provider's
// end_session_endpoint, which ends the single sign-on session too.
//
// Only a POST does that, with the token of the confirmation page or from
// the proxy's own origin (an app's sign-out button); a GET shows the
// confirmation page. Any page, on any site or any localhost port, can make
// the browser GET a URL with its cookies, and SameSite=Lax does not stop a
// page on another port of the same host (same site), so a GET that signed
// out would let every page sign the user out (logout CSRF).
func (g *gate) logout(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		g.confirmLogout(w, r, http.StatusOK)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		errorPage{
			Status: http.StatusMethodNotAllowed,
			Error:  "method_not_allowed",
			Title:  "Sign out with POST",
			Route:  g.name,
			Prefix: g.prefix,
			Detail: r.Method + " " + r.URL.Path,
			Hint:   "Open " + r.URL.Path + " in the browser to confirm, or POST to it from the app's own page.",
		}.write(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if !g.logoutConfirmed(r) {
		g.logger.Info("logout refused: not confirmed", "route", g.name, "origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		g.confirmLogout(w, r, http.StatusForbidden)
		return
	}

	idToken := ""
	if s := g.lookup(r); s != nil {
		s.mu.Lock()
		idToken = s.idToken
		s.mu.Unlock()
	}
	g.drop(r)
	http.SetCookie(w, g.cookie(r, g.sessionCookie(), "", -1))
	w.Header().Set("Cache-Control", "no-store")

	after := g.auth.PostLogoutRedirectURL
	if after == "" {
		after = origin(r) + join(g.prefix, "/")
		if g.prefix == "/" {
			after = origin(r) + "/"
		}
	}
	target := after
	if d, err := g.discover(r.Context()); err == nil && d.endSession != "" {
		v := url.Values{"client_id": {g.auth.ClientID}, "post_logout_redirect_uri": {after}}
		if idToken != "" {
			v.Set("id_token_hint", idToken)
		}
		sep := "?"
		if strings.Contains(d.endSession, "?") {
			sep = "&"
		}
		target = d.endSession + sep + v.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// logoutConfirmed reports whether a POST to the logout is the user's: it
// carries this browser's confirmation token, or the browser says it comes
// from the proxy's own origin (Sec-Fetch-Site, or Origin from browsers
// without fetch metadata). A page on another port is same-site but not
// same-origin, so it is refused.
func (g *gate) logoutConfirmed(r *http.Request) bool {
	if token := r.PostFormValue("csrf"); token != "" && hmac.Equal([]byte(token), []byte(g.logoutToken(r))) {
		return true
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "same-origin":
		return true
	case "":
		o := r.Header.Get("Origin")
		return o != "" && o == origin(r)
	}
	return false
}

// logoutToken is the confirmation token for r's browser: an HMAC of its
// session cookie, so a token read from one browser works in no other.
func (g *gate) logoutToken(r *http.Request) string {
	sid := ""
	if c, err := r.Cookie(g.sessionCookie()); err == nil {
		sid = c.Value
	}
	m := hmac.New(sha256.New, g.secret)
	m.Write([]byte("logout\x00" + g.name + "\x00" + sid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// confirmLogout shows the page that asks to sign out, with the form that
// does. It may not be framed, so no page can trick a click on its button.
func (g *gate) confirmLogout(w http.ResponseWriter, r *http.Request, status int) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+cspSource(g.auth.Issuer)+"; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_ = logoutTemplate.Execute(w, struct {
		Route, Action, Token, Back string
		Refused                    bool
	}{g.name, join(g.prefix, gatePath+"/logout"), g.logoutToken(r), join(g.prefix, "/"), status == http.StatusForbidden})
}

// cspSource is the origin of u for a CSP source list (the POST's 303 goes
// on to the provider, which form-action must allow), or "".
func cspSource(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || strings.ContainsAny(p.Host, " ;'") {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

var logoutTemplate = template.Must(template.New("logout").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign out · {{.Route}} · ssokit proxy</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}button{font:inherit;padding:.4rem 1rem}.note{color:#59636e}
</style>
</head>
<body>
<h1>Sign out of {{.Route}}?</h1>
{{- if .Refused}}
<p class="note">A sign-out request came from another page and was not carried out. Confirm here if you meant it.</p>
{{- end}}
<p>This ends your session here and at the identity provider.</p>
<form method="post" action="{{.Action}}" id="logout-form">
<input type="hidden" name="csrf" value="{{.Token}}">
<button type="submit" id="confirm" autofocus>Sign out</button>
<a href="{{.Back}}">Stay signed in</a>
</form>
<footer class="note">ssokit proxy</footer>
</body>
</html>
`))
