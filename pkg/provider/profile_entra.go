package provider

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// The entra profile's surface as MSAL requests it: the issuer is
// {base}/{tenant}/v2.0, but the endpoints hang from {base}/{tenant}
// (Root), so the layout's paths start above the issuer. What the hooks do
// and why is in entra.go.
func init() {
	profileSpecs[ProfileEntra] = &profileSpec{
		name: ProfileEntra,
		root: entraRoot,
		layout: Layout{
			Discovery:  entraV2 + PathDiscovery,
			JWKS:       entraKeys,
			Authorize:  entraAuthorize,
			Login:      "/login",
			Token:      entraToken,
			Userinfo:   entraUserinfo,
			Revoke:     "/oauth2/v2.0/revoke",
			Introspect: "/oauth2/v2.0/introspect",
			Logout:     entraLogout,
		},
		discovery:     entraDiscovery,
		claims:        entraClaims,
		tokenResponse: entraTokenResponse,
		authorize:     entraAuthorizeParams,
		writeError: func(p *Provider, w http.ResponseWriter, r *http.Request, e *oidc.Error) {
			writeEntraError(w, r, e, p.now())
		},
		logoutParams: entraLogoutParams,
		refreshScope: entraRefreshScope,
	}
}

// entraRoot is the issuer's path without its final /v2.0: /{tenant}.
func entraRoot(issuerPath string) (string, error) {
	root, ok := strings.CutSuffix(issuerPath, "/v2.0")
	if !ok || root == "" || strings.Count(root, "/") != 1 || !validSegment(root[1:]) {
		return "", fmt.Errorf("an entra issuer is {base}/{tenant}/v2.0, e.g. https://localhost:9400/00000000-0000-0000-0000-000000000001/v2.0 (got path %q)", issuerPath)
	}
	return root, nil
}

// tenantID is the provider's tid: its tenant path segment when that is a
// GUID, else a stable GUID derived from it.
func (p *Provider) entraTenant() (segment, tid string) {
	segment = strings.TrimPrefix(p.root.Path, "/")
	return segment, entraTenantID(segment)
}

func entraDiscovery(p *Provider, d *oidc.Discovery) map[string]any {
	_, tid := p.entraTenant()
	return map[string]any{
		"claims_supported": append(slices.Clone(d.ClaimsSupported), "oid", "tid", "ver", "roles", "login_hint"),
		// Entra's own fields, which MSAL and Microsoft's middleware read
		"tenant_region_scope":                   nil,
		"cloud_instance_name":                   "ssokit.localhost",
		"request_uri_parameter_supported":       false,
		"frontchannel_logout_supported":         true,
		"http_logout_supported":                 true,
		"microsoft_multi_refresh_token":         true,
		"tenant_id":                             tid,
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"token_endpoint_auth_methods_supported": d.TokenEndpointAuthMethodsSupported,
	}
}

// entraUserClaims are the claims Entra puts in both tokens for a user.
func entraUserClaims(p *Provider, g *grant, dst map[string]any) {
	seg, tid := p.entraTenant()
	dst["ver"] = entraTokenVer
	dst["tid"] = tid
	dst["oid"] = entraGUID("user", tid, g.Sub)
	u, ok := g.Reg.user(g.Sub)
	if !ok {
		dst["preferred_username"] = g.Sub + "@" + seg
		return
	}
	if v, ok := u.Attributes["oid"].(string); ok && v != "" {
		dst["oid"] = v
	}
	switch {
	case u.Claims["preferred_username"] != nil:
		dst["preferred_username"] = u.Claims["preferred_username"]
	case u.Claims["email"] != nil:
		dst["preferred_username"] = u.Claims["email"]
	default:
		dst["preferred_username"] = g.Sub
	}
	if n, ok := u.Claims["name"]; ok {
		dst["name"] = n
	}
	if roles, ok := u.Attributes["roles"]; ok {
		dst["roles"] = roles
	}
}

func entraClaims(p *Provider, kind tokenKind, g *grant, dst map[string]any) {
	if g.SID == "" && g.Sub == g.Client.ClientID {
		// client_credentials: an app token carries the tenant, the
		// app's object id and no user
		_, tid := p.entraTenant()
		dst["ver"], dst["tid"] = entraTokenVer, tid
		dst["oid"] = entraGUID("app", tid, g.Client.ClientID)
		dst["azp"], dst["azpacr"] = g.Client.ClientID, "1"
		return
	}
	entraUserClaims(p, g, dst)
	switch kind {
	case kindAccess:
		dst["azp"] = g.Client.ClientID
		dst["azpacr"] = "0" // public client
		if !g.Client.public() {
			dst["azpacr"] = "1"
		}
		if _, scp, err := entraScopes(g.Scope); err == nil && len(scp) > 0 {
			dst["scp"] = strings.Join(scp, " ")
		}
	case kindID:
		if g.SID != "" {
			dst["login_hint"] = entraLoginHint(g.SID, g.Sub)
		}
	}
}

// entraTokenResponse adds client_info when the request asked for it
// (client_info=1, which MSAL always sends).
func entraTokenResponse(p *Provider, g *grant) map[string]any {
	if !g.ClientInfo || g.SID == "" {
		return nil
	}
	_, tid := p.entraTenant()
	oid := entraGUID("user", tid, g.Sub)
	if u, ok := g.Reg.user(g.Sub); ok {
		if v, ok := u.Attributes["oid"].(string); ok && v != "" {
			oid = v
		}
	}
	return map[string]any{"client_info": entraClientInfo(oid, tid)}
}

// entraAuthorizeParams checks the claims parameter and makes the resource
// the scopes name the access token's audience (an explicit audience or
// resource parameter wins).
func entraAuthorizeParams(_ *Provider, q url.Values, req *authRequest) *oidc.Error {
	if err := validClaimsParam(q.Get("claims")); err != nil {
		return errInvalidRequest("%v", err)
	}
	res, _, err := entraScopes(req.Scope)
	if err != nil {
		return oauthErr(http.StatusBadRequest, oidc.ErrInvalidScope, "%v", err)
	}
	if u, ok := entraHintUser(req.LoginHint); ok {
		// MSAL passes the ID token's login_hint back: the form shows the user
		req.LoginHint = u
	}
	if req.Audience == "" {
		req.Audience = q.Get("resource")
	}
	if req.Audience == "" {
		req.Audience = res
	}
	return nil
}

// entraLogoutParams reads MSAL's logout request. logoutRedirect sends
// neither client_id nor id_token_hint, only post_logout_redirect_uri (and
// logout_hint): the client is the one that registered exactly that URI,
// so the user returns there, and never to a URI no client registered.
// logout_hint equal to the login_hint claim of this session's ID tokens
// stands for id_token_hint's proof that the app asked: no confirmation
// page, as Entra skips its account picker for it.
func entraLogoutParams(p *Provider, r *http.Request) logoutParams {
	lp := rpLogoutParams(r)
	reg := p.regOf(r)
	if lp.ClientID == "" && lp.IDTokenHint == "" && lp.PostLogoutRedirectURI != "" {
		var owners []string
		for id, c := range reg.clients {
			if slices.Contains(c.PostLogoutRedirectURIs, lp.PostLogoutRedirectURI) {
				owners = append(owners, id)
			}
		}
		if len(owners) == 0 && reg.zeroConfig {
			// no clients registered: any client may use loopback URIs, so
			// the session's own clients vouch as well as any
			if ck, err := r.Cookie(SessionCookie); err == nil {
				if ss, live := p.store.liveSession(ck.Value, p.now()); live {
					for id := range ss.Clients {
						owners = append(owners, id)
					}
				}
			}
		}
		if len(owners) > 0 {
			slices.Sort(owners) // several clients may share a page; any owner vouches for it
			lp.ClientID = owners[0]
		}
	}
	if hint := r.Form.Get("logout_hint"); hint != "" && lp.Confirm == "" {
		if ck, err := r.Cookie(SessionCookie); err == nil {
			if ss, live := p.store.liveSession(ck.Value, p.now()); live && entraHintFor(hint, ss.SID, ss.Sub) {
				lp.Confirm = logoutCSRF(ck.Value)
			}
		}
	}
	return lp
}

// entraRefreshScope lets a refresh token get an access token for any one
// resource (Entra's multi-resource refresh tokens: MSAL's
// acquireTokenSilent for a second API goes through the refresh token),
// while the OpenID scopes stay within what the user granted. Only the
// scopes of one resource are asked at a time; with none, the audience
// stays the original one.
func entraRefreshScope(granted []string, audience string, requested []string) ([]string, string, *oidc.Error) {
	for _, sc := range requested {
		switch sc {
		case oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail:
			if !slices.Contains(granted, sc) {
				return nil, "", oauthErr(http.StatusBadRequest, oidc.ErrInvalidScope, "scope %q was not granted at sign-in (granted: %s); sign in again to ask for it", sc, joinScope(granted))
			}
		}
	}
	res, _, err := entraScopes(requested)
	if err != nil {
		return nil, "", oauthErr(http.StatusBadRequest, oidc.ErrInvalidScope, "%v", err)
	}
	if res == "" {
		res = audience
	}
	// offline_access stays so the rotation continues
	if !slices.Contains(requested, oidc.ScopeOfflineAccess) {
		requested = append(slices.Clip(requested), oidc.ScopeOfflineAccess)
	}
	return requested, res, nil
}
