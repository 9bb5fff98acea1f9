package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// MaxTokenBody bounds the token, revocation and introspection request bodies.
const MaxTokenBody = 64 << 10

// parseTokenBody reads a token-endpoint body: form-encoded (RFC 6749) or
// JSON (the Auth0 SDKs may send JSON). JSON numbers and booleans become
// strings; nested values are refused. Pure, so it can be fuzzed.
func parseTokenBody(contentType string, body []byte) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mt, err = "application/x-www-form-urlencoded", nil
	}
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q cannot be parsed; use application/x-www-form-urlencoded", contentType)
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("the form body is malformed: %v", err)
		}
		for k, vs := range v {
			if len(vs) > 1 && k != "resource" && k != "audience" {
				return nil, fmt.Errorf("parameter %s is repeated; send it once (RFC 6749 §3.2)", k)
			}
		}
		return v, nil
	case "application/json":
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, fmt.Errorf("the JSON body is malformed: %v", err)
		}
		v := url.Values{}
		for k, x := range m {
			switch t := x.(type) {
			case string:
				v.Set(k, t)
			case float64:
				v.Set(k, strconv.FormatFloat(t, 'f', -1, 64))
			case bool:
				v.Set(k, strconv.FormatBool(t))
			case nil:
			default:
				return nil, fmt.Errorf("parameter %s must be a string, not %T", k, x)
			}
		}
		return v, nil
	default:
		return nil, fmt.Errorf("Content-Type %s is not supported; use application/x-www-form-urlencoded or application/json", mt)
	}
}

// readParams reads and parses a POST body for the token-like endpoints.
func readParams(w http.ResponseWriter, r *http.Request) (url.Values, *oidc.Error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return nil, oauthErr(http.StatusMethodNotAllowed, oidc.ErrInvalidRequest, "method %s is not allowed; POST the parameters in the body", r.Method)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxTokenBody))
	if err != nil {
		return nil, errInvalidRequest("cannot read the body (limit %d bytes): %v", MaxTokenBody, err)
	}
	v, err := parseTokenBody(r.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, errInvalidRequest("%v", err)
	}
	return v, nil
}

// authenticateClient identifies the client of a token/revocation request:
// client_secret_basic, client_secret_post, or none for public clients.
// Secrets are compared in constant time.
func (p *Provider) authenticateClient(w http.ResponseWriter, r *http.Request, v url.Values) (*client, *oidc.Error) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id) // RFC 6749 §2.3.1 form-encodes both
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, errInvalidClient("the Basic credentials are not form-encoded")
		}
		if v.Get("client_secret") != "" {
			return nil, errInvalidRequest("use one client authentication method: Basic or client_secret, not both")
		}
		if bodyID := v.Get("client_id"); bodyID != "" && bodyID != id {
			return nil, errInvalidClient("client_id in the body (%s) differs from the Basic credentials (%s)", bodyID, id)
		}
	} else {
		id, secret = v.Get("client_id"), v.Get("client_secret")
	}
	if id == "" {
		return nil, errInvalidClient("no client authentication: send client_id (public clients) or Basic credentials / client_secret (confidential clients)")
	}
	info(r).clientID = id
	reg := p.regOf(r)
	c, ok := reg.lookup(id)
	if !ok {
		return nil, p.challenge(w, basic, errInvalidClient("client %q is not registered%s", id, p.registeredList(r, "; registered: ", reg.clientIDs())))
	}
	if c.public() {
		if secret != "" {
			return nil, p.challenge(w, basic, errInvalidClient("client %s is public (no secret is registered); send client_id only", id))
		}
		return c, nil
	}
	if secret == "" {
		return nil, p.challenge(w, basic, errInvalidClient("client %s is confidential: authenticate with client_secret_basic or client_secret_post", id))
	}
	if !checkSecret(c.Secret, secret) {
		return nil, p.challenge(w, basic, errInvalidClient("client secret for %s is wrong", id))
	}
	return c, nil
}

func (p *Provider) challenge(w http.ResponseWriter, basic bool, e *oidc.Error) *oidc.Error {
	if basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="ssokit"`)
	}
	return e
}

func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	v, oerr := readParams(w, r)
	if oerr == nil {
		var c *client
		if c, oerr = p.authenticateClient(w, r, v); oerr == nil {
			oerr = p.grant(w, r, c, v)
		}
	}
	if oerr != nil {
		info(r).outcome = oerr.Code
		p.publish(events.Event{Kind: events.KindError, ClientID: info(r).clientID, Endpoint: "token", Detail: oerr.Error()})
		if p.spec.writeError != nil {
			p.spec.writeError(p, w, r, oerr)
			return
		}
		writeOAuthError(w, oerr)
	}
}

func (p *Provider) grant(w http.ResponseWriter, r *http.Request, c *client, v url.Values) *oidc.Error {
	f, handled := p.fault(w, r, "token", c.ClientID, nil)
	if handled {
		return nil
	}
	skew, ttl := faultShape(f)
	gt := v.Get("grant_type")
	info(r).outcome = gt
	reg := p.regOf(r)
	switch gt {
	case "authorization_code":
		return p.grantCode(w, reg, c, v, skew, ttl)
	case "refresh_token":
		return p.grantRefresh(w, reg, c, v, skew, ttl)
	case "client_credentials":
		return p.grantClientCredentials(w, reg, c, v, skew, ttl)
	case "":
		return errInvalidRequest("grant_type is missing; use authorization_code, refresh_token or client_credentials")
	default:
		return oauthErr(http.StatusBadRequest, oidc.ErrUnsupportedGrantType, "grant_type %q is not supported; use authorization_code, refresh_token or client_credentials", gt)
	}
}

// newIDs chooses the grant id, jti and the revocation horizon of the
// access token a response for client c will carry.
func (p *Provider) newIDs(reg *registry, c *client, grantID string, skew, ttl time.Duration) issueIDs {
	life := lifetimes(reg, c).AccessToken
	if ttl > 0 {
		life = ttl
	}
	if skew < 0 {
		skew = -skew
	}
	if grantID == "" {
		grantID = randomID(12)
	}
	return issueIDs{Grant: grantID, JTI: randomID(16), JTIExp: p.now().Add(life + skew + time.Minute)}
}

func (p *Provider) grantCode(w http.ResponseWriter, reg *registry, c *client, v url.Values, skew, ttl time.Duration) *oidc.Error {
	value := v.Get("code")
	if value == "" {
		return errInvalidRequest("code is missing")
	}
	now := p.now()
	ids := p.newIDs(reg, c, "", skew, ttl)
	// everything that can refuse a request runs before the code is used, so
	// a failed attempt never burns it; a used code is a replay.
	check := func(cd *code) *oidc.Error {
		if now.After(cd.Expires) {
			return errInvalidGrant("the authorization code expired %s ago; codes live %s: exchange it right after the redirect", now.Sub(cd.Expires).Round(time.Second), CodeTTL)
		}
		ru := v.Get("redirect_uri")
		switch {
		case ru == "" && cd.Req.RedirectURISent:
			return errInvalidRequest("redirect_uri is missing; the authorization request sent %s, so the token request must send it too (RFC 6749 §4.1.3)", cd.Req.RedirectURI)
		case ru != "" && ru != cd.Req.RedirectURI:
			return errInvalidGrant("redirect_uri %s differs from the one in the authorization request (%s)", ru, cd.Req.RedirectURI)
		}
		verifier := v.Get("code_verifier")
		switch {
		case cd.Req.CodeChallenge == "" && verifier != "":
			return errInvalidGrant("code_verifier sent, but the authorization request had no code_challenge")
		case cd.Req.CodeChallenge != "" && verifier == "":
			return errInvalidGrant("code_verifier is missing; the authorization request used PKCE (S256)")
		case cd.Req.CodeChallenge != "" && !oidc.VerifyPKCE(cd.Req.CodeChallenge, verifier):
			return errInvalidGrant("PKCE verification failed: BASE64URL(SHA256(code_verifier)) does not match the code_challenge")
		}
		return nil
	}
	cd, res, cerr := p.store.redeemCode(value, c.ClientID, now, check, ids)
	switch res {
	case useUnknown:
		return errInvalidGrant("the authorization code is unknown or expired; codes live %s and are single-use", CodeTTL)
	case useWrongClient:
		return errInvalidGrant("the authorization code was issued to client %s, not %s", cd.Req.ClientID, c.ClientID)
	case useReplay:
		p.publish(events.Event{Kind: events.KindReuse, ClientID: c.ClientID, User: cd.Sub, SID: cd.SID, Detail: "authorization code replayed: the tokens it issued are revoked"})
		return errInvalidGrant("the authorization code was already used; the tokens issued for it are now revoked (RFC 6749 §4.1.2)")
	case useRefused:
		return cerr
	}
	g := grant{Reg: reg, Client: c, Sub: cd.Sub, SID: cd.SID, Scope: cd.Req.Scope, Audience: cd.Req.Audience, Org: cd.Req.Org, Nonce: cd.Req.Nonce, AuthTime: cd.AuthTime, AMR: cd.AMR, IDs: ids, ClientInfo: v.Get("client_info") == "1"}
	out, oerr := p.issueGranted(g, skew, ttl)
	if oerr != nil {
		return oerr
	}
	p.publishTokens(c.ClientID, cd.Sub, cd.SID, "authorization_code", out.resp)
	writeJSON(w, http.StatusOK, out.resp.body())
	return nil
}

// issueGranted signs what a used code or refresh token grants. When a
// racing replay revoked the grant meanwhile, nothing is answered: what was
// signed is already revoked.
func (p *Provider) issueGranted(g grant, skew, ttl time.Duration) (issued, *oidc.Error) {
	out, err := p.issue(g, skew, ttl)
	if errors.Is(err, errGrantRevoked) || (err == nil && p.store.grantRevoked(g.IDs.Grant)) {
		p.publish(events.Event{Kind: events.KindReuse, ClientID: g.Client.ClientID, User: g.Sub, SID: g.SID, Detail: "grant used twice at once: everything it issued is revoked"})
		return issued{}, errInvalidGrant("the grant was used by another request at the same time (replay), so everything it issued is revoked; sign in again")
	}
	if err != nil {
		return issued{}, errServer("%v", err)
	}
	return out, nil
}

// refreshScope is the scope and audience a refresh of rt asking for scope
// s (empty: as granted) may have: the profile's rule (Entra's resources),
// else a subset of what was granted, offline_access kept.
func (p *Provider) refreshScope(rt refreshToken, s string) ([]string, string, *oidc.Error) {
	if s == "" {
		return rt.Scope, rt.Audience, nil
	}
	if p.spec.refreshScope != nil {
		return p.spec.refreshScope(rt.Scope, rt.Audience, oidc.ParseScope(s))
	}
	req := oidc.ParseScope(s)
	for _, sc := range req {
		if !slices.Contains(rt.Scope, sc) {
			return nil, "", oauthErr(http.StatusBadRequest, oidc.ErrInvalidScope, "scope %q was not granted originally (granted: %s)", sc, joinScope(rt.Scope))
		}
	}
	// offline_access stays so the rotation continues
	if !slices.Contains(req, oidc.ScopeOfflineAccess) {
		req = append(req, oidc.ScopeOfflineAccess)
	}
	return req, rt.Audience, nil
}

func (p *Provider) grantRefresh(w http.ResponseWriter, reg *registry, c *client, v url.Values, skew, ttl time.Duration) *oidc.Error {
	value := v.Get("refresh_token")
	if value == "" {
		return errInvalidRequest("refresh_token is missing")
	}
	// A scope the token cannot have is refused before the token is used:
	// a refused request must not spend it.
	if sc := v.Get("scope"); sc != "" {
		if cur, ok := p.store.peekRefresh(p.refreshKey(value), p.now()); ok && cur.ClientID == c.ClientID {
			if _, _, e := p.refreshScope(cur, sc); e != nil {
				return e
			}
		}
	}
	ids := p.newIDs(reg, c, "", skew, ttl)
	ids.Refresh = randomID(32)
	reuse := lifetimes(reg, c).RefreshReuseInterval
	rt, res := p.store.rotateRefresh(p.refreshKey(value), c.ClientID, p.now(), reuse, ids)
	switch res {
	case useUnknown:
		// auth0-spa-js matches the text "invalid refresh token"
		return errInvalidGrant("Unknown or invalid refresh token.")
	case useReplay:
		p.publish(events.Event{Kind: events.KindReuse, ClientID: c.ClientID, User: rt.Sub, SID: rt.SID, Detail: "rotated refresh token presented again: the whole family is revoked"})
		return errInvalidGrant("Unknown or invalid refresh token: it was already rotated, so its whole family is now revoked (reuse detection)")
	case useWrongClient:
		return errInvalidGrant("Unknown or invalid refresh token: it was issued to client %s, not %s", rt.ClientID, c.ClientID)
	}
	scope, aud, e := p.refreshScope(rt, v.Get("scope"))
	if e != nil {
		return e
	}
	ids.Grant = rt.Family
	g := grant{Reg: reg, Client: c, Sub: rt.Sub, SID: rt.SID, Scope: scope, Audience: aud, Org: rt.Org, AuthTime: rt.AuthTime, AMR: rt.AMR, IDs: ids, ClientInfo: v.Get("client_info") == "1"}
	detail := "refresh token rotated"
	if res == useGrace {
		g.Successor = rt.Successor
		detail = fmt.Sprintf("rotated refresh token presented again %s after its rotation, within the reuse interval (%s): answered with the same successor", p.now().Sub(rt.UsedAt).Round(time.Millisecond), reuse)
	}
	out, oerr := p.issueGranted(g, skew, ttl)
	if oerr != nil {
		return oerr
	}
	p.publish(events.Event{Kind: events.KindRefresh, ClientID: c.ClientID, User: rt.Sub, SID: rt.SID, Detail: detail})
	p.publishTokens(c.ClientID, rt.Sub, rt.SID, "refresh_token", out.resp)
	writeJSON(w, http.StatusOK, out.resp.body())
	return nil
}

func (p *Provider) grantClientCredentials(w http.ResponseWriter, reg *registry, c *client, v url.Values, skew, ttl time.Duration) *oidc.Error {
	if c.public() {
		return oauthErr(http.StatusBadRequest, oidc.ErrUnauthorizedClient, "client_credentials needs a confidential client; give client %s a secret in ssokit.yaml", c.ClientID)
	}
	aud, api, oerr := resolveAudience(reg, append(v["audience"], v["resource"]...), true)
	if oerr != nil {
		return oerr
	}
	scope := oidc.ParseScope(v.Get("scope"))
	if oerr := checkAPIScopes(api, scope); oerr != nil {
		return oerr
	}
	g := grant{Reg: reg, Client: c, Sub: c.ClientID, Scope: scope, Audience: aud}
	out, err := p.issue(g, skew, ttl)
	if err != nil {
		return errServer("%v", err)
	}
	p.publishTokens(c.ClientID, c.ClientID, "", "client_credentials", out.resp)
	writeJSON(w, http.StatusOK, out.resp.body())
	return nil
}

func (p *Provider) publishTokens(clientID, sub, sid, how string, t tokenResponse) {
	for _, x := range []struct{ typ, tok string }{{"access_token", t.AccessToken}, {"id_token", t.IDToken}, {"refresh_token", t.RefreshToken}} {
		if x.tok == "" {
			continue
		}
		p.publish(events.Event{Kind: events.KindToken, ClientID: clientID, User: sub, SID: sid, Endpoint: "token", Detail: how, Token: x.tok, TokenType: x.typ})
	}
}
