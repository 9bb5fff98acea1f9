package proxy

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// CSRFHeader is the header an SPA sends with every call to its BFF gate
// (any value, e.g. "1"). A page on another origin cannot send it without a
// CORS preflight, which the proxy never grants; Sec-Fetch-Site: same-origin
// does as well where browsers send it.
const CSRFHeader = "X-CSRF"

// serveSPA serves an SPA gate (Auth.SPA): the session endpoint, the APIs
// with the session's bearer token, and everything else, the app's own
// pages and assets, without a session, since the app decides what to show.
func (g *gate) serveSPA(w http.ResponseWriter, r *http.Request, rt *route) {
	if r.URL.Path == join(g.prefix, gatePath+"/session") {
		g.sessionInfo(w, r)
		return
	}
	if underPrefix(r.URL.Path, join(g.prefix, gatePath)) {
		http.NotFound(w, r)
		return
	}
	var api *route
	for _, a := range rt.apis {
		if underPrefix(r.URL.Path, a.Prefix) {
			api = a
			break
		}
	}
	if api == nil {
		rt.forward(w, r) // the gate drops the browser's Authorization and ssokit cookies
		return
	}
	if !safeMethod(r.Method) && !sameOriginCall(r) {
		g.logger.Info("BFF API call refused: no CSRF defence", "route", g.name, "method", r.Method, "path", r.URL.Path, "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		g.jsonError(w, http.StatusForbidden, "csrf", "a "+r.Method+" to the API needs the "+CSRFHeader+" header (fetch(url, {method, headers: {'"+CSRFHeader+"': '1'}})); a form on another page cannot send it")
		return
	}
	s := g.lookup(r)
	if s == nil {
		g.jsonError(w, http.StatusUnauthorized, "login_required", "no session: sign in at "+g.loginURL(""))
		return
	}
	id, err := g.identity(r.Context(), s)
	var unavailable *providerUnavailable
	switch {
	case errors.As(err, &unavailable):
		g.jsonError(w, http.StatusBadGateway, "provider_unavailable", unavailable.Error())
		return
	case err != nil:
		g.logger.Info("session ended", "route", g.name, "err", err)
		g.drop(r)
		http.SetCookie(w, g.cookie(r, g.sessionCookie(), "", -1))
		g.jsonError(w, http.StatusUnauthorized, "login_required", "the session ended ("+err.Error()+"): sign in at "+g.loginURL(""))
		return
	}
	api.forward(w, r.WithContext(withIdentity(r.Context(), &id)))
}

// sessionInfo answers the SPA's "who is signed in": the ID token's claims
// and the access token's expiry, and where to sign in and out. Never a
// token. It needs the CSRF header too: its JSON names the user.
func (g *gate) sessionInfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		g.jsonError(w, http.StatusMethodNotAllowed, "method_not_allowed", "the session endpoint answers GET")
		return
	}
	if !sameOriginCall(r) {
		g.jsonError(w, http.StatusForbidden, "csrf", "call the session endpoint with fetch and the "+CSRFHeader+" header")
		return
	}
	out := struct {
		Authenticated bool           `json:"authenticated"`
		Claims        map[string]any `json:"claims,omitempty"`
		ExpiresAt     int64          `json:"expires_at,omitempty"`
		LoginURL      string         `json:"login_url"`
		LogoutURL     string         `json:"logout_url"`
	}{LoginURL: g.loginURL(r.URL.Query().Get("rd")), LogoutURL: join(g.prefix, gatePath+"/logout")}
	if s := g.lookup(r); s != nil {
		// identity refreshes a token about to expire: expires_at is current.
		_, err := g.identity(r.Context(), s)
		var unavailable *providerUnavailable
		switch {
		case errors.As(err, &unavailable):
			g.jsonError(w, http.StatusBadGateway, "provider_unavailable", unavailable.Error())
			return
		case err != nil:
			g.drop(r)
			http.SetCookie(w, g.cookie(r, g.sessionCookie(), "", -1))
		default:
			s.mu.Lock()
			out.Authenticated = true
			out.Claims = s.claims
			if !s.expiry.IsZero() {
				out.ExpiresAt = s.expiry.Unix()
			}
			s.mu.Unlock()
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// loginURL is the gate's sign-in URL, returning to rd (a path under the
// route; the route itself otherwise).
func (g *gate) loginURL(rd string) string {
	return join(g.prefix, gatePath+"/login") + "?rd=" + url.QueryEscape(safeReturn(rd, g.prefix))
}

func (g *gate) jsonError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ssokit", error="`+code+`"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc, "route": g.name})
}

// sameOriginCall reports whether r comes from the app's own script: the
// CSRF header, which needs a preflight cross-origin, or Sec-Fetch-Site:
// same-origin. A page on another localhost port is same-site, so
// SameSite=Lax alone would let its forms through.
func sameOriginCall(r *http.Request) bool {
	return r.Header.Get(CSRFHeader) != "" || r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
