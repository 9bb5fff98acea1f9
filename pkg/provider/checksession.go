package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// sessionState computes OIDC Session Management 1.0's session_state:
// hex(SHA-256(client_id + " " + origin + " " + browser_state + " " + salt)) + "." + salt.
// The check_session iframe recomputes it from the ssokit_bs cookie, so it
// answers "changed" as soon as the session ends (the cookie is cleared).
func sessionState(clientID, origin, browserState string) string {
	salt := randomID(8)
	return sessionStateWithSalt(clientID, origin, browserState, salt)
}

func sessionStateWithSalt(clientID, origin, browserState, salt string) string {
	sum := sha256.Sum256([]byte(clientID + " " + origin + " " + browserState + " " + salt))
	return hex.EncodeToString(sum[:]) + "." + salt
}

// handleCheckSession serves the OP iframe. Any client origin may frame it:
// it answers only to the window that asked, at that window's origin.
func (p *Provider) handleCheckSession(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	if p.spec.checkSession != nil {
		p.spec.checkSession(p, w, r)
		return
	}
	p.render(w, http.StatusOK, "check_session.html", "*", "'none'", map[string]any{"Title": "check session"})
}
