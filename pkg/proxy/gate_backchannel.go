package proxy

import (
	"encoding/json"
	"net/http"

	"github.com/coreos/go-oidc/v3/oidc"
)

// backchannelEvent marks a Logout Token (OpenID Connect Back-Channel
// Logout 1.0 §2.4); an ID token has no such claim, so one cannot pose as a
// logout token.
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// backchannelLogout ends the sessions a provider's Logout Token names, so a
// sign-out anywhere in the single sign-on session (another app, the
// provider itself) signs the user out of the gated route as well. Register
// <prefix>/_ssokit/backchannel-logout as the client's backchannel_logout_uri.
func (g *gate) backchannelLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	bad := func(msg string) {
		g.logger.Warn("back-channel logout refused", "route", g.name, "reason", msg)
		writeOAuthError(w, "invalid_request", msg)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "back-channel logout takes a POST with logout_token", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	raw := r.PostFormValue("logout_token")
	if raw == "" {
		bad("logout_token is missing")
		return
	}
	d, err := g.discover(r.Context())
	if err != nil {
		bad("the provider cannot be reached to verify the token: " + err.Error())
		return
	}
	idt, err := d.verifier.Verify(oidc.ClientContext(r.Context(), g.client), raw)
	if err != nil {
		bad("logout_token did not verify: " + err.Error())
		return
	}
	var c struct {
		SID    string                     `json:"sid"`
		Events map[string]json.RawMessage `json:"events"`
		Nonce  *string                    `json:"nonce"`
	}
	if err := idt.Claims(&c); err != nil {
		bad(err.Error())
		return
	}
	if _, ok := c.Events[backchannelEvent]; !ok || c.Nonce != nil {
		bad("not a logout token: it needs the back-channel logout event and no nonce")
		return
	}
	if idt.Subject == "" && c.SID == "" {
		bad("logout_token names neither sub nor sid")
		return
	}
	ended := 0
	g.mu.Lock()
	for k, s := range g.sessions {
		if c.SID != "" && s.sid == c.SID || c.SID == "" && s.sub == idt.Subject {
			delete(g.sessions, k)
			ended++
		}
	}
	g.mu.Unlock()
	g.logger.Info("back-channel logout", "route", g.name, "sub", idt.Subject, "sid", c.SID, "sessions_ended", ended)
	w.WriteHeader(http.StatusOK)
}

func writeOAuthError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
