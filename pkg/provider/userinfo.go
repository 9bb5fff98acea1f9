package provider

import (
	"net/http"
	"strings"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// handleUserinfo answers the UserInfo endpoint (OIDC Core §5.3) for a
// bearer access token: sub plus the claims its scopes release.
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	tok := ""
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		tok = strings.TrimSpace(a[7:])
	} else if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, MaxTokenBody)
		if err := r.ParseForm(); err == nil {
			tok = r.PostForm.Get("access_token")
		}
	}
	fail := func(code, desc string) {
		info(r).outcome = code
		w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`", error_description="`+strings.ReplaceAll(desc, `"`, `'`)+`"`)
		writeOAuthError(w, oauthErr(http.StatusUnauthorized, code, "%s", desc))
	}
	if tok == "" {
		fail(oidc.ErrInvalidRequest, "no access token: send Authorization: Bearer <access_token>")
		return
	}
	c, _, err := p.verifyOwn(tok, "at+jwt", false)
	if err != nil {
		fail(oidc.ErrInvalidToken, "access token rejected: "+err.Error())
		return
	}
	info(r).clientID = c.ClientID
	if p.store.isRevoked(c.JTI) {
		fail(oidc.ErrInvalidToken, "access token was revoked")
		return
	}
	if c.SID == "" {
		fail(oidc.ErrInvalidToken, "access token has no user (client_credentials tokens cannot call userinfo)")
		return
	}
	if _, handled := p.fault(w, r, "userinfo", c.ClientID, nil); handled {
		return
	}
	claims := map[string]any{"sub": c.Sub}
	addUserClaims(p.regOf(r), claims, c.Sub, oidc.ParseScope(c.Scope))
	addExtraClaims(claims, p.store.sessionClaims(c.SID))
	writeJSON(w, http.StatusOK, claims)
}
