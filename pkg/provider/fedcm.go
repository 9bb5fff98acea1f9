package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// FedCM (Federated Credential Management, https://w3c-fedid.github.io/FedCM/)
// endpoints: the browser, not the app, talks to them, with the provider's
// own first-party cookies, so sign-in works with third-party cookies blocked.
const (
	PathWebIdentity     = "/.well-known/web-identity"
	PathFedCMConfig     = "/fedcm.json"
	PathFedCMAccounts   = "/fedcm/accounts"
	PathFedCMClientMeta = "/fedcm/client_metadata"
	PathFedCMAssertion  = "/fedcm/assertion"
	PathFedCMDisconnect = "/fedcm/disconnect"
	// PathFedCMLogin is the config's login_url: the browser opens it as a
	// pop-up when the user is not signed in at the provider (see
	// fedcm_login.go).
	PathFedCMLogin = "/fedcm/login"
)

// MaxFedCMForm bounds the body of the browser's FedCM POSTs: client_id,
// account_id, nonce, params and the browser's flags.
const MaxFedCMForm = 16 << 10

// Event endpoints of the FedCM requests; refusals are events.KindError
// with one of these as Endpoint.
const (
	evFedCMAccounts   = "fedcm_accounts"
	evFedCMClientMeta = "fedcm_client_metadata"
	evFedCMAssertion  = "fedcm_assertion"
	evFedCMDisconnect = "fedcm_disconnect"
)

// Login Status API header (https://w3c-fedid.github.io/FedCM/#login-status):
// set on sign-in and sign-out so the browser knows whether to ask the
// accounts endpoint at all.
const setLoginHeader = "Set-Login"

// fedcmRoutes adds the FedCM endpoints to m.
func (p *Provider) fedcmRoutes(m *http.ServeMux) {
	m.Handle(PathWebIdentity, p.endpoint("fedcm_well_known", p.handleWebIdentity))
	m.Handle(PathFedCMConfig, p.endpoint("fedcm_config", p.handleFedCMConfig))
	m.Handle(PathFedCMAccounts, p.endpoint(evFedCMAccounts, p.handleFedCMAccounts))
	m.Handle(PathFedCMClientMeta, p.endpoint(evFedCMClientMeta, p.handleFedCMClientMetadata))
	m.Handle(PathFedCMAssertion, p.endpoint(evFedCMAssertion, p.handleFedCMAssertion))
	m.Handle(PathFedCMDisconnect, p.endpoint(evFedCMDisconnect, p.handleFedCMDisconnect))
	m.Handle(PathFedCMLogin, p.endpoint("fedcm_login", p.handleFedCMLogin))
	m.Handle(PathStorageAccess, p.endpoint("storage_access", p.handleStorageAccessAnswer))
}

// fedcmError is the spec's error body for the ID assertion endpoint:
// {"error": {"code": "...", "url": "..."}}; codes are the OAuth ones.
type fedcmError struct {
	Error struct {
		Code string `json:"code"`
		URL  string `json:"url,omitempty"`
	} `json:"error"`
}

func writeFedCMError(w http.ResponseWriter, status int, code, why string) {
	var e fedcmError
	e.Error.Code = code
	w.Header().Set("SSOkit-Error-Description", why) // the reason, for humans reading DevTools
	writeJSON(w, status, e)
}

// fedcmRefuse answers with the spec's error body and publishes the refusal
// as an error event naming the FedCM endpoint, the client (when it is a
// registered one), the user of the session (when there is one), the code
// and why: what `ssokit inspect --follow`, the dashboard and the test API
// show.
func (p *Provider) fedcmRefuse(w http.ResponseWriter, endpoint, clientID string, ss *session, status int, code, why string) {
	e := events.Event{Kind: events.KindError, ClientID: clientID, Endpoint: endpoint, Detail: code + ": " + why}
	if ss != nil {
		e.User, e.SID = ss.Sub, ss.SID
	}
	p.publish(e)
	writeFedCMError(w, status, code, why)
}

// requireWebIdentity refuses requests that are not the browser's FedCM
// fetches: they carry Sec-Fetch-Dest: webidentity, which pages cannot set.
func (p *Provider) requireWebIdentity(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	if r.Header.Get("Sec-Fetch-Dest") == "webidentity" {
		return true
	}
	p.fedcmRefuse(w, endpoint, "", nil, http.StatusBadRequest, "invalid_request",
		"FedCM endpoints answer only the browser's FedCM requests (Sec-Fetch-Dest: webidentity); call navigator.credentials.get({identity: ...}) instead of fetching them")
	return false
}

func (p *Provider) handleWebIdentity(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"provider_urls":     []string{p.url(PathFedCMConfig)},
		"accounts_endpoint": p.url(PathFedCMAccounts),
		"login_url":         p.url(PathFedCMLogin),
	})
}

func (p *Provider) handleFedCMConfig(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"accounts_endpoint":        p.url(PathFedCMAccounts),
		"client_metadata_endpoint": p.url(PathFedCMClientMeta),
		"id_assertion_endpoint":    p.url(PathFedCMAssertion),
		"disconnect_endpoint":      p.url(PathFedCMDisconnect),
		"login_url":                p.url(PathFedCMLogin),
		"branding":                 map[string]any{"background_color": "#1f2937", "color": "#ffffff", "name": "ssokit"},
	})
}

type fedcmAccount struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Email           string   `json:"email"`
	GivenName       string   `json:"given_name,omitempty"`
	ApprovedClients []string `json:"approved_clients"`
}

// handleFedCMAccounts lists the signed-in user from the SSO session cookie.
func (p *Provider) handleFedCMAccounts(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) || !p.requireWebIdentity(w, r, evFedCMAccounts) {
		return
	}
	ss, ok := p.currentSession(r, p.now())
	if !ok {
		// the spec: an empty list or an error means "signed out"
		w.Header().Set(setLoginHeader, "logged-out")
		why := "no live SSO session cookie reached the accounts endpoint"
		if reg := p.regOf(r); reg.sameSite != http.SameSiteNoneMode {
			// measured in Chromium 156: its FedCM fetches carry only SameSite=None cookies
			why += "; the session cookie is SameSite=" + sameSiteName(reg.sameSite) + " and browsers send only SameSite=None cookies with FedCM requests: set provider.session_cookie.same_site: none"
		}
		p.fedcmRefuse(w, evFedCMAccounts, "", nil, http.StatusUnauthorized, "login_required", why)
		return
	}
	acc := fedcmAccount{ID: ss.Sub, Name: ss.Sub, Email: ss.Sub + "@example.test", ApprovedClients: []string{}}
	if u, ok := p.regOf(r).user(ss.Sub); ok {
		if s, ok := u.Claims["name"].(string); ok && s != "" {
			acc.Name = s
		}
		if s, ok := u.Claims["email"].(string); ok && s != "" {
			acc.Email = s
		}
		if s, ok := u.Claims["given_name"].(string); ok {
			acc.GivenName = s
		}
	}
	for c := range ss.Clients {
		acc.ApprovedClients = append(acc.ApprovedClients, c)
	}
	sort.Strings(acc.ApprovedClients)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"accounts": []fedcmAccount{acc}})
}

func (p *Provider) handleFedCMClientMetadata(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) || !p.requireWebIdentity(w, r, evFedCMClientMeta) {
		return
	}
	id := r.URL.Query().Get("client_id")
	if _, ok := p.regOf(r).lookup(id); !ok {
		p.fedcmRefuse(w, evFedCMClientMeta, "", nil, http.StatusNotFound, "invalid_client", fmt.Sprintf("client_id %q is not registered", truncate(id, 100)))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"privacy_policy_url":   p.url("/"),
		"terms_of_service_url": p.url("/"),
	})
}

// fedcmCaller checks a credentialed FedCM POST: the webidentity header, a
// registered client and the app's Origin among that client's origins. On
// success it has already set the CORS headers the spec requires.
func (p *Provider) fedcmCaller(w http.ResponseWriter, r *http.Request, endpoint string) (*client, session, bool) {
	if !allowMethods(w, r, http.MethodPost) || !p.requireWebIdentity(w, r, endpoint) {
		return nil, session{}, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFedCMForm)
	if err := r.ParseForm(); err != nil {
		p.fedcmRefuse(w, endpoint, "", nil, http.StatusBadRequest, "invalid_request", "the body is not a form of at most 16 KiB: "+err.Error())
		return nil, session{}, false
	}
	reg := p.regOf(r)
	origin := r.Header.Get("Origin")
	c, ok := reg.lookup(r.PostForm.Get("client_id"))
	if !ok {
		p.fedcmRefuse(w, endpoint, "", nil, http.StatusBadRequest, "invalid_client",
			fmt.Sprintf("client_id %q is not registered; add it under clients: in ssokit.yaml", truncate(r.PostForm.Get("client_id"), 100)))
		return nil, session{}, false
	}
	if origin == "" || !reg.originAllowed(c, origin) {
		// no CORS headers: the calling page learns nothing
		p.fedcmRefuse(w, endpoint, c.ClientID, nil, http.StatusForbidden, "unauthorized_client",
			fmt.Sprintf("origin %q is not one of client %s's origins (web_origins or its redirect URIs' origins)", truncate(origin, 200), c.ClientID))
		return nil, session{}, false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	w.Header().Add("Vary", "Origin")
	ss, ok := p.currentSession(r, p.now())
	if !ok {
		w.Header().Set(setLoginHeader, "logged-out")
		p.fedcmRefuse(w, endpoint, c.ClientID, nil, http.StatusUnauthorized, "access_denied", "no live SSO session cookie reached the provider")
		return nil, session{}, false
	}
	return c, ss, true
}

// handleFedCMAssertion answers with an ID token for the client, carrying
// the app's nonce, from the SSO session.
func (p *Provider) handleFedCMAssertion(w http.ResponseWriter, r *http.Request) {
	c, ss, ok := p.fedcmCaller(w, r, evFedCMAssertion)
	if !ok {
		return
	}
	refuse := func(status int, code, why string) {
		p.fedcmRefuse(w, evFedCMAssertion, c.ClientID, &ss, status, code, why)
	}
	if acct := r.PostForm.Get("account_id"); acct != ss.Sub {
		refuse(http.StatusBadRequest, "invalid_request", fmt.Sprintf("account_id %q is not the signed-in account", truncate(acct, 100)))
		return
	}
	nonce, why := fedcmNonce(r.PostForm.Get("nonce"), r.PostForm.Get("params"))
	if why != "" {
		refuse(http.StatusBadRequest, "invalid_request", why)
		return
	}
	how := fedcmMediation(r.PostForm.Get("is_auto_selected"))
	reg := p.regOf(r)
	if codeReq, why := fedcmCodeRequest(c, r.PostForm.Get("params")); why != "" {
		refuse(http.StatusBadRequest, "invalid_request", why)
		return
	} else if codeReq != nil {
		// the app asked for a code to exchange at the token endpoint (PKCE,
		// no redirect_uri), e.g. to get a refresh token
		codeReq.ClientID, codeReq.Nonce = c.ClientID, nonce
		now := p.now()
		cd := &code{Value: randomID(32), Req: *codeReq, Sub: ss.Sub, SID: ss.SID, AuthTime: ss.AuthTime, AMR: ss.AMR, Expires: now.Add(CodeTTL)}
		p.store.putCode(cd)
		p.store.addSessionClient(ss.ID, c.ClientID)
		p.publish(events.Event{Kind: events.KindCode, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Endpoint: evFedCMAssertion,
			Detail: "code issued (fedcm, " + how + ")"})
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]string{"token": cd.Value})
		return
	}
	out, err := p.issue(grant{Reg: reg, Client: c, Sub: ss.Sub, SID: ss.SID, Nonce: nonce,
		Scope: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}, AuthTime: ss.AuthTime, AMR: ss.AMR}, 0, 0)
	if err != nil {
		refuse(http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	p.store.addSessionClient(ss.ID, c.ClientID)
	// only the ID token leaves the provider: the assertion carries one token
	p.publish(events.Event{Kind: events.KindToken, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Endpoint: evFedCMAssertion,
		Detail: "fedcm (" + how + ")", Token: out.resp.IDToken, TokenType: "id_token"})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"token": out.resp.IDToken})
}

// fedcmMediation says how the browser got the account, from the assertion
// request's is_auto_selected: its auto re-authentication of a returning
// account (mediation "silent" or "optional" with one returning account),
// or the user's choice in its dialog.
func fedcmMediation(isAutoSelected string) string {
	switch isAutoSelected {
	case "true":
		return "auto re-authentication"
	case "false":
		return "account chosen in the browser's dialog"
	}
	return "mediation not reported"
}

// fedcmNonce returns the app's nonce: Chromium sends it as the nonce
// field, newer versions inside params (a JSON object). Both present and
// different, or neither, is refused: the ID token must bind the app's nonce.
func fedcmNonce(field, params string) (string, string) {
	var fromParams string
	if params != "" {
		var m map[string]any
		if err := json.Unmarshal([]byte(params), &m); err != nil {
			return "", "params is not a JSON object: " + err.Error()
		}
		if v, ok := m["nonce"]; ok {
			s, isStr := v.(string)
			if !isStr {
				return "", "params.nonce must be a string"
			}
			fromParams = s
		}
	}
	switch {
	case field != "" && fromParams != "" && field != fromParams:
		return "", "nonce and params.nonce differ"
	case field != "":
		return field, ""
	case fromParams != "":
		return fromParams, ""
	}
	return "", "a nonce is required: pass providers: [{configURL, clientId, nonce}] (or params: {nonce}) to navigator.credentials.get"
}

// handleFedCMDisconnect forgets that the account approved the client.
func (p *Provider) handleFedCMDisconnect(w http.ResponseWriter, r *http.Request) {
	c, ss, ok := p.fedcmCaller(w, r, evFedCMDisconnect)
	if !ok {
		return
	}
	p.store.removeSessionClient(ss.ID, c.ClientID)
	p.publish(events.Event{Kind: events.KindDisconnect, ClientID: c.ClientID, User: ss.Sub, SID: ss.SID, Endpoint: evFedCMDisconnect,
		Detail: "FedCM disconnect: " + c.ClientID + " no longer in approved_clients; the SSO session goes on"})
	writeJSON(w, http.StatusOK, map[string]string{"account_id": ss.Sub})
}

// removeSessionClient drops clientID from the session's approved clients.
func (s *memStore) removeSessionClient(id, clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.sessions.get(id); ok {
		delete(ss.Clients, clientID)
	}
}

// fedcmCodeRequest reads params.response_type "code": the assertion is then
// an authorization code, bound to params.code_challenge (S256, required
// for public clients) and params.scope (default "openid profile email").
// It returns nil when params asks for no code.
func fedcmCodeRequest(c *client, params string) (*authRequest, string) {
	if params == "" {
		return nil, ""
	}
	var pm struct {
		ResponseType        string `json:"response_type"`
		CodeChallenge       string `json:"code_challenge"`
		CodeChallengeMethod string `json:"code_challenge_method"`
		Scope               string `json:"scope"`
	}
	if err := json.Unmarshal([]byte(params), &pm); err != nil {
		return nil, "params is not a JSON object of strings: " + err.Error()
	}
	switch pm.ResponseType {
	case "":
		return nil, ""
	case "code":
	default:
		return nil, fmt.Sprintf("params.response_type %q is not supported; omit it for an ID token or use \"code\"", pm.ResponseType)
	}
	if pm.CodeChallenge != "" && pm.CodeChallengeMethod != "S256" {
		return nil, "params.code_challenge_method must be S256"
	}
	if pm.CodeChallenge == "" && c.public() {
		return nil, "a public client must send params.code_challenge (PKCE S256) to get a code"
	}
	scope := strings.Fields(pm.Scope)
	if len(scope) == 0 {
		scope = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}
	}
	return &authRequest{Scope: scope, CodeChallenge: pm.CodeChallenge, CodeChallengeMethod: pm.CodeChallengeMethod}, ""
}
