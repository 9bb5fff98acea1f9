package provider

import (
	"net/http"
	"time"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// handleRevoke implements RFC 7009. Revoking a refresh token revokes its
// rotation family; revoking an access token denies it at userinfo and
// introspection until it expires. Unknown tokens still answer 200 (§2.2).
func (p *Provider) handleRevoke(w http.ResponseWriter, r *http.Request) {
	v, oerr := readParams(w, r)
	var c *client
	if oerr == nil {
		c, oerr = p.authenticateClient(w, r, v)
	}
	if oerr == nil && v.Get("token") == "" {
		oerr = errInvalidRequest("token is missing")
	}
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	if _, handled := p.fault(w, r, "revoke", c.ClientID, nil); handled {
		return
	}
	tok := v.Get("token")
	if rt, ok := p.store.peekRefresh(p.refreshKey(tok), p.now()); ok && rt.ClientID == c.ClientID {
		p.store.revokeRefresh(p.refreshKey(tok), p.now())
		info(r).outcome = "refresh token revoked"
	} else if cl, _, err := p.verifyOwn(tok, "at+jwt", false); err == nil && cl.ClientID == c.ClientID {
		p.store.revokeJTI(cl.JTI, time.Unix(cl.Exp, 0))
		info(r).outcome = "access token revoked"
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// handleIntrospect implements RFC 7662 for confidential clients.
func (p *Provider) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	v, oerr := readParams(w, r)
	var c *client
	if oerr == nil {
		c, oerr = p.authenticateClient(w, r, v)
	}
	if oerr == nil && c.public() {
		oerr = oauthErr(http.StatusUnauthorized, oidc.ErrInvalidClient, "introspection needs a confidential client; give client %s a secret", c.ClientID)
	}
	if oerr == nil && v.Get("token") == "" {
		oerr = errInvalidRequest("token is missing")
	}
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	if _, handled := p.fault(w, r, "introspect", c.ClientID, nil); handled {
		return
	}
	tok := v.Get("token")
	if rt, ok := p.store.peekRefresh(p.refreshKey(tok), p.now()); ok {
		writeJSON(w, http.StatusOK, map[string]any{
			"active": true, "token_type": "refresh_token", "client_id": rt.ClientID, "sub": rt.Sub,
			"scope": joinScope(rt.Scope), "exp": rt.Expires.Unix(), "iss": p.issuer, "sid": rt.SID,
		})
		return
	}
	cl, all, err := p.verifyOwn(tok, "", false)
	if err != nil || p.store.isRevoked(cl.JTI) {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	all["active"] = true
	if cl.ClientID != "" {
		all["token_type"] = "access_token"
	}
	writeJSON(w, http.StatusOK, all)
}
