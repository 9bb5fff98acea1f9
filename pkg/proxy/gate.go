package proxy

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// gatePath is where a gated route's own endpoints live, under its prefix:
// <prefix>/_ssokit/callback, /_ssokit/login and /_ssokit/logout.
const gatePath = "/_ssokit"

// CallbackPath is the path of the auth gate's callback for a route prefix
// ("/checkout" → "/checkout/_ssokit/callback"): register origin + it as
// the gate client's redirect_uri.
func CallbackPath(prefix string) string {
	if len(prefix) > 1 && prefix[len(prefix)-1] == '/' {
		prefix = prefix[:len(prefix)-1]
	}
	return join(prefix, gatePath+"/callback")
}

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
	secret []byte // keys the logout confirmation tokens

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
	expiry   time.Time      // of the access token; zero: unknown, never refreshed
	idToken  string         // raw, for id_token_hint at logout
	claims   map[string]any // the verified ID token's, for an SPA's session endpoint
	lastUsed time.Time
}

type pendingLogin struct {
	verifier    string
	nonce       string
	id          string // names this sign-in's binding cookie, so tabs do not clash
	binding     string // that cookie's random value, against login CSRF
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

// withIdentity marks a request to forward with the user's bearer token.
func withIdentity(ctx context.Context, id *identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// gateKey identifies a gate's settings; SetRoutes keeps a gate, and so its
// sessions, when the key is unchanged.
func gateKey(r Route) string {
	a := r.Auth
	return strings.Join([]string{r.Name, r.Prefix, a.Issuer, a.ClientID, a.ClientSecret,
		strings.Join(a.Scopes, " "), a.RedirectURL, a.PostLogoutRedirectURL, fmt.Sprint(a.SPA)}, "\x00")
}

func newGate(r Route, transport http.RoundTripper, now func() time.Time, logger *slog.Logger) *gate {
	return &gate{
		auth:     *r.Auth,
		name:     r.Name,
		prefix:   r.Prefix,
		client:   &http.Client{Transport: transport, Timeout: 10 * time.Second},
		now:      now,
		logger:   logger,
		secret:   []byte(randomString()),
		sessions: map[string]*session{},
		pending:  map[string]*pendingLogin{},
	}
}

func (g *gate) sessionCookie() string { return "ssokit_proxy_" + g.name }

// loginCookie names the cookie that binds sign-in id to the browser that
// started it (login CSRF: a victim must not finish the attacker's
// sign-in). Each sign-in has its own cookie, so two tabs signing in at
// once do not overwrite each other's.
//
// Over TLS it is a __Host- cookie (Secure, Path=/, no Domain), which
// browsers let no plain-http page and no sibling subdomain set. On plain
// http that prefix cannot be used (browsers outside Chrome and Firefox
// refuse Secure cookies from http://localhost), and nothing can stop a
// page on another localhost port from writing the cookie, since cookies
// ignore ports: the binding then holds only against pages on other hosts.
// A page on another port would have to have started its own sign-in
// through this gate to know a binding value worth planting.
func (g *gate) loginCookie(r *http.Request, id string) string {
	name := "ssokit_proxy_" + g.name + "_login_" + id
	if r.TLS != nil {
		return "__Host-" + name
	}
	return name
}

// loginCookieFor builds the binding cookie (value "" and maxAge -1 clear it).
func (g *gate) loginCookieFor(r *http.Request, id, value string, maxAge int) *http.Cookie {
	c := g.cookie(r, g.loginCookie(r, id), value, maxAge)
	if r.TLS != nil {
		c.Path = "/" // required by the __Host- prefix
	}
	return c
}

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
	if g.auth.SPA {
		g.serveSPA(w, r, rt)
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
	rt.forward(w, r.WithContext(withIdentity(r.Context(), &id)))
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
	// A fresh binding for every sign-in, never one the browser brings.
	id, binding := randomString()[:12], randomString()
	http.SetCookie(w, g.loginCookieFor(r, id, binding, int(loginTTL/time.Second)))
	p := &pendingLogin{
		verifier:    oauth2.GenerateVerifier(),
		nonce:       randomString(),
		id:          id,
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
	// The binding is checked before the state is spent: a callback from
	// another browser must not cancel the sign-in of the one that started it.
	state := q.Get("state")
	g.mu.Lock()
	p := g.pending[state]
	g.mu.Unlock()
	expired := "unknown or expired state; sign-ins must finish within " + loginTTL.String()
	if p == nil || g.now().Sub(p.created) > loginTTL {
		g.fail(w, r, http.StatusBadRequest, "This sign-in expired or was already used", expired)
		return
	}
	if !g.bound(r, p) {
		g.fail(w, r, http.StatusBadRequest, "This sign-in was started in another browser",
			"the callback's state belongs to a sign-in this browser did not start")
		return
	}
	g.mu.Lock()
	spent := g.pending[state] != p
	delete(g.pending, state)
	g.mu.Unlock()
	if spent { // a second tab or a replay got there first
		g.fail(w, r, http.StatusBadRequest, "This sign-in expired or was already used", expired)
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
	http.SetCookie(w, g.loginCookieFor(r, p.id, "", -1))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.returnTo, http.StatusFound)
}

// bound reports whether r carries the binding cookie of sign-in p. Every
// cookie of that name counts, so a planted one with a longer path cannot
// hide the real one.
func (g *gate) bound(r *http.Request, p *pendingLogin) bool {
	ok := false
	for _, c := range r.CookiesNamed(g.loginCookie(r, p.id)) {
		if subtle.ConstantTimeCompare([]byte(c.Value), []byte(p.binding)) == 1 {
			ok = true
		}
	}
	return ok
}

func (g *gate) redirectURL(r *http.Request) string {
	if g.auth.RedirectURL != "" {
		return g.auth.RedirectURL
	}
	return origin(r) + join(g.prefix, gatePath+"/callback")
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
