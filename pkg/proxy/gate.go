package proxy

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// gatePath is where a gated route's own endpoints live, under its prefix:
// <prefix>/_ssokit/callback, /_ssokit/login and /_ssokit/logout.
const gatePath = "/_ssokit"

const (
	loginTTL       = 10 * time.Minute // how long a started sign-in may take
	idleSessionTTL = 24 * time.Hour   // sessions unused this long are dropped
	refreshLeeway  = 10 * time.Second // refresh tokens this close to expiry
	maxPending     = 10000            // cap on sign-ins in progress
)

// gate is the auth gate of one route: a backend-for-frontend OpenID Connect
// client. Tokens never reach the browser; it holds an opaque, HttpOnly,
// SameSite=Lax session cookie instead.
type gate struct {
	auth   Auth
	name   string
	prefix string
	client *http.Client
	now    func() time.Time
	logger *slog.Logger

	discMu sync.Mutex
	disc   *discovered // nil until discovery succeeds; failures are retried

	mu       sync.Mutex
	sessions map[string]*session
	pending  map[string]*pendingLogin // by state
}

type discovered struct {
	oauth      oauth2.Config // without RedirectURL, which is per request
	verifier   *oidc.IDTokenVerifier
	endSession string
}

type session struct {
	sub, sid string // from the ID token; back-channel logout finds sessions by them

	mu       sync.Mutex
	id       identity
	refresh  string
	expiry   time.Time // of the access token; zero: unknown, never refreshed
	idToken  string    // raw, for id_token_hint at logout
	lastUsed time.Time
}

type pendingLogin struct {
	verifier    string
	nonce       string
	binding     string // the browser's login cookie, against login CSRF
	returnTo    string
	redirectURL string
	created     time.Time
}

// identity is what the gate forwards upstream for a signed-in user.
type identity struct {
	accessToken string
	user        string
	email       string
}

type identityKey struct{}

// gateKey identifies a gate's settings; SetRoutes keeps a gate, and so its
// sessions, when the key is unchanged.
func gateKey(r Route) string {
	a := r.Auth
	return strings.Join([]string{r.Name, r.Prefix, a.Issuer, a.ClientID, a.ClientSecret,
		strings.Join(a.Scopes, " "), a.RedirectURL, a.PostLogoutRedirectURL}, "\x00")
}

func newGate(r Route, transport http.RoundTripper, now func() time.Time, logger *slog.Logger) *gate {
	return &gate{
		auth:     *r.Auth,
		name:     r.Name,
		prefix:   r.Prefix,
		client:   &http.Client{Transport: transport, Timeout: 10 * time.Second},
		now:      now,
		logger:   logger,
		sessions: map[string]*session{},
		pending:  map[string]*pendingLogin{},
	}
}

func (g *gate) sessionCookie() string { return "ssokit_proxy_" + g.name }
func (g *gate) loginCookie() string   { return "ssokit_proxy_" + g.name + "_login" }

// cookiePath scopes the gate's cookies to its route.
func (g *gate) cookiePath() string { return g.prefix }

// serve handles a request to the gated route: the gate's own endpoints, or
// the upstream for a signed-in user, or a sign-in.
func (g *gate) serve(w http.ResponseWriter, r *http.Request, rt *route) {
	switch r.URL.Path {
	case join(g.prefix, gatePath+"/callback"):
		g.callback(w, r)
		return
	case join(g.prefix, gatePath+"/logout"):
		g.logout(w, r)
		return
	case join(g.prefix, gatePath+"/backchannel-logout"):
		g.backchannelLogout(w, r)
		return
	case join(g.prefix, gatePath+"/login"):
		g.login(w, r, safeReturn(r.URL.Query().Get("rd"), g.prefix))
		return
	}
	if underPrefix(r.URL.Path, join(g.prefix, gatePath)) {
		http.NotFound(w, r)
		return
	}
	s := g.lookup(r)
	if s == nil {
		g.challenge(w, r)
		return
	}
	id, err := g.identity(r.Context(), s)
	var unavailable *providerUnavailable
	switch {
	case errors.As(err, &unavailable):
		// The provider is down or slow: keep the session (its refresh
		// token still works once the provider is back) and say so.
		g.providerDown(w, r, unavailable.err)
		return
	case err != nil:
		g.logger.Info("session ended", "route", g.name, "err", err)
		g.drop(r)
		g.challenge(w, r)
		return
	}
	rt.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, &id)))
}

// challenge answers a request without a session: browsers navigating to a
// page are sent to sign in; scripts and API clients get 401 with the URL
// that signs in, since a redirect to another origin would only break them.
func (g *gate) challenge(w http.ResponseWriter, r *http.Request) {
	if isNavigation(r) {
		g.login(w, r, r.URL.RequestURI())
		return
	}
	loginURL := join(g.prefix, gatePath+"/login") + "?rd=" + url.QueryEscape(r.URL.RequestURI())
	w.Header().Set("WWW-Authenticate", `Bearer realm="ssokit", error="login_required"`)
	errorPage{
		Status: http.StatusUnauthorized,
		Error:  "login_required",
		Title:  "Sign in first",
		Route:  g.name,
		Prefix: g.prefix,
		Detail: "route " + g.name + " requires a signed-in user and this request has no session",
		Hint:   "Open " + loginURL + " in the browser to sign in.",
	}.write(w, r)
}

// isNavigation reports whether r is a browser loading a page (rather than
// fetch, XHR or an API client).
func isNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// login starts the authorization code flow with PKCE.
func (g *gate) login(w http.ResponseWriter, r *http.Request, returnTo string) {
	d, err := g.discover(r.Context())
	if err != nil {
		g.providerDown(w, r, err)
		return
	}
	binding := ""
	if c, err := r.Cookie(g.loginCookie()); err == nil && len(c.Value) >= 32 {
		binding = c.Value
	} else {
		binding = randomString()
		http.SetCookie(w, g.cookie(r, g.loginCookie(), binding, int(loginTTL/time.Second)))
	}
	p := &pendingLogin{
		verifier:    oauth2.GenerateVerifier(),
		nonce:       randomString(),
		binding:     binding,
		returnTo:    returnTo,
		redirectURL: g.redirectURL(r),
		created:     g.now(),
	}
	state := randomString()
	g.mu.Lock()
	g.prunePending()
	g.pending[state] = p
	g.mu.Unlock()

	cfg := d.oauth
	cfg.RedirectURL = p.redirectURL
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(p.verifier), oidc.Nonce(p.nonce)), http.StatusFound)
}

// callback finishes a sign-in: checks state and the browser binding,
// redeems the code with the PKCE verifier, verifies the ID token against
// the provider's JWKS, and opens a session.
func (g *gate) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		g.fail(w, r, http.StatusBadRequest, "The provider did not sign you in",
			fmt.Sprintf("%s: %s", e, q.Get("error_description")))
		return
	}
	state := q.Get("state")
	g.mu.Lock()
	p := g.pending[state]
	delete(g.pending, state)
	g.mu.Unlock()
	if p == nil || g.now().Sub(p.created) > loginTTL {
		g.fail(w, r, http.StatusBadRequest, "This sign-in expired or was already used",
			"unknown or expired state; sign-ins must finish within "+loginTTL.String())
		return
	}
	c, err := r.Cookie(g.loginCookie())
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(p.binding)) != 1 {
		g.fail(w, r, http.StatusBadRequest, "This sign-in was started in another browser",
			"the callback's state belongs to a sign-in this browser did not start")
		return
	}
	d, err := g.discover(r.Context())
	if err != nil {
		g.providerDown(w, r, err)
		return
	}
	ctx := context.WithValue(r.Context(), oauth2.HTTPClient, g.client)
	cfg := d.oauth
	cfg.RedirectURL = p.redirectURL
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		g.fail(w, r, http.StatusBadGateway, "The provider refused the code", describeOAuthError(err))
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		g.fail(w, r, http.StatusBadGateway, "The provider sent no ID token", "the token response has no id_token; is the openid scope allowed for client "+g.auth.ClientID+"?")
		return
	}
	idt, err := d.verifier.Verify(ctx, rawID)
	if err != nil {
		g.fail(w, r, http.StatusBadGateway, "The ID token did not verify", err.Error())
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.nonce)) != 1 {
		g.fail(w, r, http.StatusBadGateway, "The ID token did not verify", "nonce mismatch: the ID token was not issued for this sign-in")
		return
	}
	s := &session{refresh: tok.RefreshToken, idToken: rawID, lastUsed: g.now()}
	s.id.accessToken = tok.AccessToken
	if tok.ExpiresIn > 0 {
		s.expiry = g.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	if err := s.setClaims(idt); err != nil {
		g.fail(w, r, http.StatusBadGateway, "The ID token did not verify", err.Error())
		return
	}
	sid := randomString()
	g.mu.Lock()
	g.pruneSessions()
	g.sessions[sid] = s
	g.mu.Unlock()
	g.logger.Info("signed in", "route", g.name, "user", s.id.user)

	http.SetCookie(w, g.cookie(r, g.sessionCookie(), sid, 0))
	http.SetCookie(w, g.cookie(r, g.loginCookie(), "", -1))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.returnTo, http.StatusFound)
}

// logout ends the gate's session and sends the browser to the provider's
// end_session_endpoint, which ends the single sign-on session too.
func (g *gate) logout(w http.ResponseWriter, r *http.Request) {
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
	http.Redirect(w, r, target, http.StatusFound)
}

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

// identity returns the user to forward, refreshing the access token when it
// is about to expire.
func (g *gate) identity(ctx context.Context, s *session) (identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := g.now()
	s.lastUsed = now
	if s.expiry.IsZero() || now.Add(refreshLeeway).Before(s.expiry) {
		return s.id, nil
	}
	if s.refresh == "" {
		return identity{}, errors.New("access token expired and there is no refresh token")
	}
	d, err := g.discover(ctx)
	if err != nil {
		return identity{}, &providerUnavailable{err}
	}
	// The refresh must finish even if this browser request goes away: the
	// provider rotates the refresh token, and a lost answer would lose the
	// session.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, g.client)
	tok, err := d.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: s.refresh}).Token()
	var oauthErr *oauth2.RetrieveError
	switch {
	case errors.As(err, &oauthErr) && oauthErr.Response != nil && oauthErr.Response.StatusCode < 500:
		return identity{}, fmt.Errorf("refresh: %s", describeOAuthError(err))
	case err != nil:
		return identity{}, &providerUnavailable{err}
	}
	s.id.accessToken = tok.AccessToken
	s.refresh = tok.RefreshToken // the old one when the provider does not rotate
	s.expiry = time.Time{}
	if tok.ExpiresIn > 0 {
		s.expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	if rawID, _ := tok.Extra("id_token").(string); rawID != "" {
		if idt, err := d.verifier.Verify(ctx, rawID); err == nil && s.setClaims(idt) == nil {
			s.idToken = rawID
		}
	}
	g.logger.Debug("token refreshed", "route", g.name, "user", s.id.user)
	return s.id, nil
}

// providerUnavailable is a failure to reach the provider, as opposed to
// the provider refusing: it does not end the session.
type providerUnavailable struct{ err error }

func (e *providerUnavailable) Error() string { return "provider unavailable: " + e.err.Error() }
func (e *providerUnavailable) Unwrap() error { return e.err }

// setClaims takes the forwarded user from a verified ID token.
func (s *session) setClaims(idt *oidc.IDToken) error {
	var c struct {
		Sub               string `json:"sub"`
		SID               string `json:"sid"`
		PreferredUsername string `json:"preferred_username"`
		Email             string `json:"email"`
	}
	if err := idt.Claims(&c); err != nil {
		return err
	}
	if c.Sub == "" {
		return errors.New("the ID token has no sub claim")
	}
	if s.sub == "" {
		s.sub, s.sid = c.Sub, c.SID
	}
	s.id.user = c.Sub
	if c.PreferredUsername != "" {
		s.id.user = c.PreferredUsername
	}
	s.id.email = c.Email
	return nil
}

// discover fetches the provider's discovery document once it answers.
func (g *gate) discover(ctx context.Context) (*discovered, error) {
	g.discMu.Lock()
	defer g.discMu.Unlock()
	if g.disc != nil {
		return g.disc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, g.client), g.auth.Issuer)
	if err != nil {
		return nil, err
	}
	var meta struct {
		EndSession  string   `json:"end_session_endpoint"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	_ = provider.Claims(&meta)
	endpoint := provider.Endpoint()
	switch {
	case g.auth.ClientSecret == "":
		endpoint.AuthStyle = oauth2.AuthStyleInParams // public: client_id in the body
	case len(meta.AuthMethods) == 0 || slices.Contains(meta.AuthMethods, "client_secret_basic"):
		endpoint.AuthStyle = oauth2.AuthStyleInHeader
	default:
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	g.disc = &discovered{
		oauth: oauth2.Config{
			ClientID:     g.auth.ClientID,
			ClientSecret: g.auth.ClientSecret,
			Endpoint:     endpoint,
			Scopes:       g.auth.Scopes,
		},
		verifier:   provider.Verifier(&oidc.Config{ClientID: g.auth.ClientID, Now: g.now}),
		endSession: meta.EndSession,
	}
	return g.disc, nil
}

func (g *gate) lookup(r *http.Request) *session {
	c, err := r.Cookie(g.sessionCookie())
	if err != nil || c.Value == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sessions[c.Value]
}

func (g *gate) drop(r *http.Request) {
	if c, err := r.Cookie(g.sessionCookie()); err == nil {
		g.mu.Lock()
		delete(g.sessions, c.Value)
		g.mu.Unlock()
	}
}

// prunePending drops expired sign-ins; g.mu is held.
func (g *gate) prunePending() {
	now := g.now()
	for k, p := range g.pending {
		if now.Sub(p.created) > loginTTL || len(g.pending) > maxPending {
			delete(g.pending, k)
		}
	}
}

// pruneSessions drops idle sessions; g.mu is held.
func (g *gate) pruneSessions() {
	now := g.now()
	for k, s := range g.sessions {
		if s.mu.TryLock() {
			idle := now.Sub(s.lastUsed) > idleSessionTTL
			s.mu.Unlock()
			if idle {
				delete(g.sessions, k)
			}
		}
	}
}

// cookie builds one of the gate's cookies: HttpOnly so scripts never see
// it, SameSite=Lax so it rides along on the top-level redirect back from the
// provider but not on cross-site subrequests, Secure over TLS.
func (g *gate) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     g.cookiePath(),
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}

func (g *gate) redirectURL(r *http.Request) string {
	if g.auth.RedirectURL != "" {
		return g.auth.RedirectURL
	}
	return origin(r) + join(g.prefix, gatePath+"/callback")
}

// stripCookies removes the gate's own cookies from a forwarded request: the
// session cookie is a credential for the proxy alone.
func (g *gate) stripCookies(h http.Header) {
	cookies := h.Values("Cookie")
	if len(cookies) == 0 {
		return
	}
	var kept []string
	for _, line := range cookies {
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if name == g.sessionCookie() || name == g.loginCookie() || strings.TrimSpace(part) == "" {
				continue
			}
			kept = append(kept, strings.TrimSpace(part))
		}
	}
	h.Del("Cookie")
	if len(kept) > 0 {
		h.Set("Cookie", strings.Join(kept, "; "))
	}
}

func (g *gate) providerDown(w http.ResponseWriter, r *http.Request, err error) {
	g.logger.Warn("auth gate cannot reach the provider", "route", g.name, "issuer", g.auth.Issuer, "err", err)
	errorPage{
		Status:   http.StatusBadGateway,
		Error:    "provider_unavailable",
		Title:    "The auth gate cannot reach the OpenID provider",
		Route:    g.name,
		Prefix:   g.prefix,
		Upstream: g.auth.Issuer,
		Detail:   err.Error(),
		Hint:     "Start the provider (ssokit provider, or ssokit up) or fix the route's auth issuer; its discovery document must be at " + strings.TrimSuffix(g.auth.Issuer, "/") + "/.well-known/openid-configuration and name the same issuer.",
	}.write(w, r)
}

func (g *gate) fail(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	g.logger.Warn("sign-in failed", "route", g.name, "reason", title, "detail", detail)
	errorPage{
		Status: status,
		Error:  "sign_in_failed",
		Title:  title,
		Route:  g.name,
		Prefix: g.prefix,
		Detail: detail,
		Hint:   "Start again at " + join(g.prefix, gatePath+"/login") + ". If it keeps failing, check that client " + g.auth.ClientID + " is registered at " + g.auth.Issuer + " with redirect URI " + g.redirectURL(r) + ".",
	}.write(w, r)
}

// describeOAuthError keeps the provider's error code and description.
func describeOAuthError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return strings.TrimSpace(re.ErrorCode + ": " + re.ErrorDescription)
	}
	return err.Error()
}

// safeReturn accepts a same-origin path under prefix as the place to return
// to after sign-in, and falls back to the prefix itself: an open redirect
// through the gate would hand the browser to any site.
func safeReturn(rd, prefix string) string {
	fallback := join(prefix, "/")
	if prefix == "/" {
		fallback = "/"
	}
	if rd == "" || !strings.HasPrefix(rd, "/") || strings.HasPrefix(rd, "//") || strings.ContainsAny(rd, "\\\r\n") {
		return fallback
	}
	u, err := url.Parse(rd)
	if err != nil || u.Scheme != "" || u.Host != "" || !underPrefix(cleanPath(u.Path), prefix) {
		return fallback
	}
	return rd
}

func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
