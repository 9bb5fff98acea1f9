package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/plural"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// The test API: what a test runner needs from the provider, as methods for
// Go tests in the same process (pkg/ssokittest) and under the admin API
// (/_ssokit/…, loopback callers only, Host-checked, forgery-proof) for
// everything else:
//
//	POST   /_ssokit/signin          sign a browser in: an SSO session, its cookies and a Playwright storageState
//	POST   /_ssokit/tokens          mint tokens exactly as the token endpoint issues them
//	GET    /_ssokit/sessions        live SSO sessions
//	DELETE /_ssokit/sessions        end every session (logout notifications sent)
//	DELETE /_ssokit/sessions/{sid}  end one session (logout notifications sent)
//	GET    /_ssokit/users           users with their claims
//	POST   /_ssokit/users           add a user, or replace the one of that username
//	DELETE /_ssokit/users/{name}    remove a user and end their sessions
//	GET    /_ssokit/clients         clients (secrets never shown)
//	POST   /_ssokit/clients         add a client, or replace the one of that client_id
//	DELETE /_ssokit/clients/{id}    remove a client
//	POST   /_ssokit/reset           sessions, tokens, faults, users and clients back to the config

// Bounds of the test API's input.
const (
	MaxTestAPIBody  = 64 << 10
	MaxClaims       = 100
	MaxNameLen      = 256
	MaxListLen      = 50
	MaxMintLifetime = 366 * 24 * time.Hour
)

// DefaultTestClient is the client_id tokens are minted for when none is
// given and no client is registered (zero-config mode accepts any).
const DefaultTestClient = "ssokit-test"

// Duration is a time.Duration written in JSON as a string such as "10m"
// (a number of nanoseconds is accepted too).
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1h0m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "10m" or nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: use e.g. 30s, 10m, 2h", s)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("a duration must be a string like \"10m\" or a number of nanoseconds")
	}
	*d = Duration(n)
	return nil
}

// SignInRequest signs a user in without the form.
type SignInRequest struct {
	User string `json:"user"`
	// Claims are added to every token issued through the session and to
	// userinfo, over the user's own (reserved names such as sub refused).
	Claims map[string]any `json:"claims,omitempty"`
	// Issuer, when set, must be this provider's issuer: a storageState
	// for another origin would sign nobody in.
	Issuer string `json:"issuer,omitempty"`
}

// Cookie is a cookie in Playwright's storageState format, with the
// attributes the provider gives it.
type Cookie struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Domain   string  `json:"domain"`
	Path     string  `json:"path"`
	Expires  float64 `json:"expires"` // Unix seconds
	HTTPOnly bool    `json:"httpOnly"`
	Secure   bool    `json:"secure"`
	SameSite string  `json:"sameSite"` // Strict, Lax or None
}

// StorageState is Playwright's storageState document (browserContext.storageState()).
type StorageState struct {
	Cookies []Cookie        `json:"cookies"`
	Origins []StorageOrigin `json:"origins"`
}

// StorageOrigin is one origin's localStorage in a StorageState.
type StorageOrigin struct {
	Origin       string          `json:"origin"`
	LocalStorage []StorageRecord `json:"localStorage"`
}

// StorageRecord is one localStorage item.
type StorageRecord struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SignInResponse is a new SSO session and how to hand it to a browser.
type SignInResponse struct {
	SID       string    `json:"sid"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
	Cookies   []Cookie  `json:"cookies"`
	// SetCookie are the Set-Cookie header values the login form would send.
	SetCookie    []string     `json:"set_cookie"`
	StorageState StorageState `json:"storage_state"`
}

// MintRequest asks for tokens as the token endpoint would issue them.
type MintRequest struct {
	// User is the subject; empty mints a client token (as
	// client_credentials does), which needs a confidential client.
	User string `json:"user,omitempty"`
	// ClientID defaults to DefaultTestClient in zero-config mode.
	ClientID string `json:"client_id,omitempty"`
	Audience string `json:"audience,omitempty"`
	// Scope is space-separated; for a user the default is
	// "openid profile email offline_access" (ID, access and refresh token).
	Scope  string         `json:"scope,omitempty"`
	Claims map[string]any `json:"claims,omitempty"`
	// Lifetime of the access and ID tokens; default the client's or provider's.
	Lifetime Duration `json:"lifetime,omitempty"`
	// Expired mints tokens that expired a minute ago (issued Lifetime+1m
	// ago); the refresh token stays valid, as after a long idle tab.
	Expired bool   `json:"expired,omitempty"`
	Nonce   string `json:"nonce,omitempty"`
	// SID mints through an existing session (from SignIn) instead of a new one.
	SID string `json:"sid,omitempty"`
}

// MintResponse is a token response plus the session and expiry.
type MintResponse struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	ExpiresIn    int64     `json:"expires_in"` // negative when expired
	Scope        string    `json:"scope,omitempty"`
	IDToken      string    `json:"id_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	SID          string    `json:"sid,omitempty"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// SessionInfo describes a live SSO session (never its cookie value).
type SessionInfo struct {
	SID       string         `json:"sid"`
	User      string         `json:"user"`
	Via       string         `json:"via"`
	AuthTime  time.Time      `json:"auth_time"`
	ExpiresAt time.Time      `json:"expires_at"`
	Clients   []string       `json:"clients"`
	Claims    map[string]any `json:"claims,omitempty"`
}

// UserInfo describes a user (never the password).
type UserInfo struct {
	Username    string         `json:"username"`
	Claims      map[string]any `json:"claims,omitempty"`
	PasswordSet bool           `json:"password_set"`
	Source      string         `json:"source"`
}

// UserRequest adds or replaces a user.
type UserRequest struct {
	Username string         `json:"username"`
	Password string         `json:"password,omitempty"`
	Claims   map[string]any `json:"claims,omitempty"`
}

// ClientLifetimes are a client's token lifetimes; zero means the provider's.
type ClientLifetimes struct {
	AccessToken  Duration `json:"access_token,omitempty"`
	IDToken      Duration `json:"id_token,omitempty"`
	RefreshToken Duration `json:"refresh_token,omitempty"`
	// RefreshReuseInterval lets a just-rotated refresh token come back (tabs racing).
	RefreshReuseInterval Duration `json:"refresh_reuse_interval,omitempty"`
}

// ClientRequest adds or replaces a client, with ssokit.yaml's fields.
type ClientRequest struct {
	ClientID               string          `json:"client_id"`
	Secret                 string          `json:"secret,omitempty"`
	RedirectURIs           []string        `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs []string        `json:"post_logout_redirect_uris,omitempty"`
	WebOrigins             []string        `json:"web_origins,omitempty"`
	FrontchannelLogoutURI  string          `json:"frontchannel_logout_uri,omitempty"`
	BackchannelLogoutURI   string          `json:"backchannel_logout_uri,omitempty"`
	Tokens                 ClientLifetimes `json:"tokens,omitzero"`
}

// ClientInfo describes a client (never its secret).
type ClientInfo struct {
	ClientID               string          `json:"client_id"`
	Confidential           bool            `json:"confidential"`
	RedirectURIs           []string        `json:"redirect_uris"`
	PostLogoutRedirectURIs []string        `json:"post_logout_redirect_uris,omitempty"`
	WebOrigins             []string        `json:"web_origins,omitempty"`
	FrontchannelLogoutURI  string          `json:"frontchannel_logout_uri,omitempty"`
	BackchannelLogoutURI   string          `json:"backchannel_logout_uri,omitempty"`
	Tokens                 ClientLifetimes `json:"tokens,omitzero"`
	Source                 string          `json:"source"`
}

// ResetResult says what a reset dropped.
type ResetResult struct {
	SessionsEnded int `json:"sessions_ended"`
	Users         int `json:"users"`
	Clients       int `json:"clients"`
	Faults        int `json:"faults"`
}

// badRequest is a test API input error (HTTP 400).
func badRequest(format string, args ...any) error { return errInvalidRequest(format, args...) }

func notFound(format string, args ...any) error {
	return oauthErr(http.StatusNotFound, "not_found", format, args...)
}

// checkName refuses empty, over-long or control-character names.
func checkName(what, s string) error {
	switch {
	case s == "":
		return badRequest("%s is missing", what)
	case len(s) > MaxNameLen:
		return badRequest("%s is %d bytes; the limit is %d", what, len(s), MaxNameLen)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return badRequest("%s %q contains a control character", what, s)
	}
	return nil
}

// checkClaims refuses claims the provider sets itself, and too many.
func checkClaims(claims map[string]any) error {
	if len(claims) > MaxClaims {
		return badRequest("%d claims given; the limit is %d", len(claims), MaxClaims)
	}
	var bad []string
	for k := range claims {
		if slices.Contains(reservedClaims, k) || k == "client_id" || k == "scope" || k == "" {
			bad = append(bad, fmt.Sprintf("%q", k))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return badRequest("claims %s are set by the provider and cannot be given; remove them (reserved: %s, client_id, scope)", strings.Join(bad, ", "), strings.Join(reservedClaims, ", "))
	}
	return nil
}

// SignIn creates an SSO session for a user, as the login form would, and
// returns its cookies: a browser given them is signed in, and every app
// then authenticates silently.
func (p *Provider) SignIn(req SignInRequest) (SignInResponse, error) {
	if req.Issuer != "" && req.Issuer != p.issuer {
		return SignInResponse{}, badRequest("issuer %q is not this provider's (%s): its cookies would sign nobody in there", req.Issuer, p.issuer)
	}
	if err := checkName("user", req.User); err != nil {
		return SignInResponse{}, err
	}
	if err := checkClaims(req.Claims); err != nil {
		return SignInResponse{}, err
	}
	reg := p.reg.Load()
	if _, ok := reg.user(req.User); !ok {
		return SignInResponse{}, badRequest("user %q does not exist; users: %s (add one with POST /_ssokit/users or `ssokit admin users add`)", req.User, listOr(reg.usernames(), "(none)"))
	}
	now := p.now()
	ss := p.newSession(reg, req.User, "test API", cloneClaims(req.Claims), now)
	p.publish(events.Event{Kind: events.KindLogin, User: ss.Sub, SID: ss.SID, Detail: "test API sign-in"})
	out := SignInResponse{SID: ss.SID, User: ss.Sub, ExpiresAt: ss.Expires.UTC(), Cookies: []Cookie{}, SetCookie: []string{},
		StorageState: StorageState{Cookies: []Cookie{}, Origins: []StorageOrigin{}}}
	for _, ck := range p.sessionCookies(reg, ss) {
		c := Cookie{Name: ck.Name, Value: ck.Value, Domain: p.base.Hostname(), Path: ck.Path,
			Expires:  float64(now.Add(time.Duration(ck.MaxAge) * time.Second).Unix()),
			HTTPOnly: ck.HttpOnly, Secure: ck.Secure, SameSite: sameSiteName(ck.SameSite)}
		out.Cookies = append(out.Cookies, c)
		out.SetCookie = append(out.SetCookie, ck.String())
	}
	out.StorageState.Cookies = out.Cookies
	return out, nil
}

// Mint issues tokens exactly as the token endpoint would, for a user
// (through a new session, or req.SID's) or for a client.
func (p *Provider) Mint(req MintRequest) (MintResponse, error) {
	reg := p.reg.Load()
	if err := checkClaims(req.Claims); err != nil {
		return MintResponse{}, err
	}
	if req.Lifetime < 0 || time.Duration(req.Lifetime) > MaxMintLifetime {
		return MintResponse{}, badRequest("lifetime %s is out of range: give 1s to %s (use expired: true for expired tokens)", time.Duration(req.Lifetime), MaxMintLifetime)
	}
	if req.Lifetime > 0 && time.Duration(req.Lifetime) < time.Second {
		return MintResponse{}, badRequest("lifetime %s is under a second; tokens carry whole seconds", time.Duration(req.Lifetime))
	}
	for what, v := range map[string]string{"audience": req.Audience, "scope": req.Scope, "nonce": req.Nonce} {
		if len(v) > MaxParamLen {
			return MintResponse{}, badRequest("%s is %d bytes; the limit is %d", what, len(v), MaxParamLen)
		}
	}
	now := p.now()
	var ss *session
	if req.SID != "" {
		if len(req.Claims) > 0 {
			return MintResponse{}, badRequest("claims cannot be given with sid: the session's own claims apply (give them to signin)")
		}
		for _, s := range p.store.sessionsList(now) {
			if s.SID == req.SID {
				ss = &s
				break
			}
		}
		if ss == nil {
			return MintResponse{}, badRequest("session %q does not exist or has ended; list them with GET /_ssokit/sessions", req.SID)
		}
		if req.User != "" && req.User != ss.Sub {
			return MintResponse{}, badRequest("session %s belongs to %s, not %s", req.SID, ss.Sub, req.User)
		}
		req.User = ss.Sub
	}
	clientID := req.ClientID
	if clientID == "" {
		if !reg.zeroConfig {
			return MintResponse{}, badRequest("client_id is missing; registered clients: %s", listOr(reg.clientIDs(), "(none)"))
		}
		clientID = DefaultTestClient
	}
	if err := checkName("client_id", clientID); err != nil {
		return MintResponse{}, err
	}
	c, ok := reg.lookup(clientID)
	if !ok {
		return MintResponse{}, badRequest("client %q is not registered; registered: %s", clientID, listOr(reg.clientIDs(), "(none)"))
	}
	if req.User == "" && c.public() {
		return MintResponse{}, badRequest("a token without a user is a client_credentials token and needs a confidential client; %s is public (give user, or a client with a secret)", clientID)
	}
	scope := oidc.ParseScope(req.Scope)
	if req.Scope == "" && req.User != "" {
		scope = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess}
	}
	// the lifetimes: the client's (or provider's), or the one asked for
	cl := *c
	life := lifetimes(reg, c)
	if req.Lifetime > 0 {
		cl.Tokens.AccessToken, cl.Tokens.IDToken = time.Duration(req.Lifetime), time.Duration(req.Lifetime)
		life.AccessToken, life.IDToken = time.Duration(req.Lifetime), time.Duration(req.Lifetime)
	}
	var skew time.Duration
	if req.Expired {
		skew = -(max(life.AccessToken, life.IDToken) + time.Minute)
	}
	g := grant{Reg: reg, Client: &cl, Scope: scope, Audience: req.Audience, Nonce: req.Nonce}
	if req.User == "" {
		g.Sub = clientID
		g.Extra = cloneClaims(req.Claims)
		if g.Extra == nil {
			g.Extra = map[string]any{}
		}
	} else {
		if err := checkName("user", req.User); err != nil {
			return MintResponse{}, err
		}
		if _, ok := reg.user(req.User); !ok {
			return MintResponse{}, badRequest("user %q does not exist; users: %s", req.User, listOr(reg.usernames(), "(none)"))
		}
		if ss == nil {
			ss = p.newSession(reg, req.User, "test API mint", cloneClaims(req.Claims), now)
		}
		p.store.addSessionClient(ss.ID, clientID)
		g.Sub, g.SID, g.AuthTime, g.AMR = ss.Sub, ss.SID, ss.AuthTime, ss.AMR
		g.IDs = p.newIDs(reg, &cl, "", skew, 0)
		p.store.startGrant(g.IDs, ss.SID, now)
	}
	out, err := p.issue(g, skew, 0)
	if err != nil {
		return MintResponse{}, errServer("%v", err)
	}
	p.publishTokens(clientID, g.Sub, g.SID, "test API mint", out.resp)
	exp := now.Truncate(time.Second).Add(skew).Add(life.AccessToken)
	return MintResponse{
		AccessToken: out.resp.AccessToken, TokenType: out.resp.TokenType, Scope: out.resp.Scope,
		IDToken: out.resp.IDToken, RefreshToken: out.resp.RefreshToken, SID: g.SID,
		ExpiresIn: int64((life.AccessToken + skew) / time.Second), ExpiresAt: exp.UTC(),
	}, nil
}

func cloneClaims(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	// a deep copy through JSON: the caller's maps and slices stay theirs
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// Sessions lists the live SSO sessions, oldest first.
func (p *Provider) Sessions() []SessionInfo {
	out := []SessionInfo{}
	for _, s := range p.store.sessionsList(p.now()) {
		cl := make([]string, 0, len(s.Clients))
		for id := range s.Clients {
			cl = append(cl, id)
		}
		sort.Strings(cl)
		out = append(out, SessionInfo{SID: s.SID, User: s.Sub, Via: s.Via, AuthTime: s.AuthTime.UTC(),
			ExpiresAt: s.Expires.UTC(), Clients: cl, Claims: s.Claims})
	}
	return out
}

// EndSession ends the session sid as a logout would: its refresh tokens
// are revoked and its clients get their logout notifications.
func (p *Provider) EndSession(sid string) error {
	ended := p.endWhere(func(s *session) bool { return s.SID == sid }, "ended through the test API")
	if ended == 0 {
		return notFound("session %q does not exist or has ended already", sid)
	}
	return nil
}

func (p *Provider) endWhere(match func(*session) bool, detail string) int {
	ended := p.store.endSessionsWhere(match, p.now())
	reg := p.reg.Load()
	for _, ss := range ended {
		p.publish(events.Event{Kind: events.KindLogout, User: ss.Sub, SID: ss.SID, Detail: detail})
		p.notifyLogout(reg, ss)
	}
	return len(ended)
}

// Users lists the users in their order.
func (p *Provider) Users() []UserInfo {
	reg := p.reg.Load()
	out := make([]UserInfo, 0, len(reg.users))
	for _, u := range reg.users {
		out = append(out, UserInfo{Username: u.Username, Claims: u.Claims, PasswordSet: u.Password != "", Source: p.over.userSource(u.Username)})
	}
	return out
}

// PutUser adds a user, or replaces the user of that username, until Reset.
func (p *Provider) PutUser(req UserRequest) error {
	if err := checkName("username", req.Username); err != nil {
		return err
	}
	if err := checkClaims(req.Claims); err != nil {
		return err
	}
	if len(req.Password) > MaxNameLen {
		return badRequest("password is %d bytes; the limit is %d", len(req.Password), MaxNameLen)
	}
	u := config.User{Username: req.Username, Password: req.Password, Claims: cloneClaims(req.Claims)}
	if err := p.changeOverlay(func(o *overlay) error { return o.putUser(u) }); err != nil {
		return badRequest("%v", err)
	}
	return nil
}

// RemoveUser removes a user until Reset and ends their sessions.
func (p *Provider) RemoveUser(name string) (sessionsEnded int, err error) {
	err = p.changeOverlay(func(o *overlay) error { return o.removeUser(name, p.reg.Load().usernames()) })
	if err != nil {
		return 0, notFound("%v", err)
	}
	return p.endWhere(func(s *session) bool { return s.Sub == name }, "user removed through the test API"), nil
}

// Clients lists the registered clients in their order.
func (p *Provider) Clients() []ClientInfo {
	reg := p.reg.Load()
	ids := slices.Sorted(maps.Keys(reg.clients))
	out := make([]ClientInfo, 0, len(ids))
	for _, id := range ids {
		c := reg.clients[id]
		out = append(out, ClientInfo{
			ClientID: c.ClientID, Confidential: !c.public(), RedirectURIs: nonNil(c.RedirectURIs),
			PostLogoutRedirectURIs: c.PostLogoutRedirectURIs, WebOrigins: c.WebOrigins,
			FrontchannelLogoutURI: c.FrontchannelLogoutURI, BackchannelLogoutURI: c.BackchannelLogoutURI,
			Tokens: ClientLifetimes{Duration(c.Tokens.AccessToken), Duration(c.Tokens.IDToken), Duration(c.Tokens.RefreshToken), Duration(c.Tokens.RefreshReuseInterval)},
			Source: p.over.clientSource(c.ClientID),
		})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PutClient registers a client, or replaces the one of that client_id,
// until Reset. It is checked as ssokit.yaml's clients are. In zero-config
// mode other client_ids stay accepted.
func (p *Provider) PutClient(req ClientRequest) error {
	if err := checkName("client_id", req.ClientID); err != nil {
		return err
	}
	for what, l := range map[string][]string{"redirect_uris": req.RedirectURIs, "post_logout_redirect_uris": req.PostLogoutRedirectURIs, "web_origins": req.WebOrigins} {
		if len(l) > MaxListLen {
			return badRequest("%s has %d entries; the limit is %d", what, len(l), MaxListLen)
		}
		for _, v := range l {
			if len(v) > MaxParamLen {
				return badRequest("%s has an entry of %d bytes; the limit is %d", what, len(v), MaxParamLen)
			}
		}
	}
	for what, d := range map[string]Duration{"tokens.access_token": req.Tokens.AccessToken, "tokens.id_token": req.Tokens.IDToken, "tokens.refresh_token": req.Tokens.RefreshToken} {
		if time.Duration(d) > MaxMintLifetime {
			return badRequest("%s %s is out of range: give 1s to %s, or leave it out for the provider's", what, time.Duration(d), MaxMintLifetime)
		}
	}
	c := config.Client{
		ClientID: req.ClientID, Secret: req.Secret, RedirectURIs: req.RedirectURIs,
		PostLogoutRedirectURIs: req.PostLogoutRedirectURIs, WebOrigins: req.WebOrigins,
		FrontchannelLogoutURI: req.FrontchannelLogoutURI, BackchannelLogoutURI: req.BackchannelLogoutURI,
		Tokens: config.Lifetimes{AccessToken: time.Duration(req.Tokens.AccessToken), IDToken: time.Duration(req.Tokens.IDToken),
			RefreshToken: time.Duration(req.Tokens.RefreshToken), RefreshReuseInterval: time.Duration(req.Tokens.RefreshReuseInterval)},
	}
	if err := validateEntry(config.Config{Clients: []config.Client{c}}, "clients[0]"); err != nil {
		return badRequest("client %s: %v", req.ClientID, err)
	}
	if err := p.changeOverlay(func(o *overlay) error { return o.putClient(c) }); err != nil {
		return badRequest("%v", err)
	}
	return nil
}

// RemoveClient unregisters a client until Reset.
func (p *Provider) RemoveClient(id string) error {
	err := p.changeOverlay(func(o *overlay) error { return o.removeClient(id, slices.Sorted(maps.Keys(p.reg.Load().clients))) })
	if err != nil {
		if strings.Contains(err.Error(), "auth gate") {
			return oauthErr(http.StatusConflict, "conflict", "%v", err)
		}
		return notFound("%v", err)
	}
	return nil
}

// Reset brings the provider back to its config: every session, pending
// login, code and refresh token is dropped (no logout notifications are
// sent) and every token issued before is revoked; faults, users and
// clients are the configured ones again; wrong-password lockouts are
// forgotten. Keys are kept.
func (p *Provider) Reset() ResetResult {
	o := &p.over
	o.mu.Lock()
	o.users, o.clients, o.removedUsers, o.removedClients = nil, nil, nil, nil
	r, err := o.buildLocked()
	if err == nil {
		p.reg.Store(r)
	}
	base := o.base
	o.mu.Unlock()
	p.faults.clear()
	p.faults.setConfigured(base.Faults)
	n := p.store.reset(p.now())
	p.throttle.reset()
	reg := p.reg.Load()
	res := ResetResult{SessionsEnded: n, Users: len(reg.users), Clients: len(reg.clients), Faults: len(p.faults.snapshot())}
	p.publish(events.Event{Kind: events.KindSessionsEnded, Detail: "reset through the test API: " + plural.Count(n, "session") + " dropped"})
	return res
}

// handleTestAPI serves the test API's routes under the admin API; false
// when rest names none of them.
func (p *Provider) handleTestAPI(w http.ResponseWriter, r *http.Request, rest string) bool {
	noun, arg, hasArg := strings.Cut(rest, "/")
	allow := map[string][]string{
		"signin": {http.MethodPost}, "tokens": {http.MethodPost}, "reset": {http.MethodPost},
		"sessions": {http.MethodGet, http.MethodDelete}, "users": {http.MethodGet, http.MethodPost}, "clients": {http.MethodGet, http.MethodPost},
	}
	methods, ok := allow[noun]
	if !ok || (hasArg && (arg == "" || !slices.Contains([]string{"sessions", "users", "clients"}, noun))) {
		return false
	}
	if hasArg {
		methods = []string{http.MethodDelete}
	}
	if !slices.Contains(methods, r.Method) {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		writeOAuthError(w, oauthErr(http.StatusMethodNotAllowed, oidc.ErrInvalidRequest, "%s %s is not allowed; use %s", r.Method, r.URL.Path, strings.Join(methods, " or ")))
		return true
	}
	var (
		out    any
		status = http.StatusOK
		err    error
	)
	switch {
	case noun == "signin":
		var req SignInRequest
		if err = decodeBody(w, r, &req, `{"user":"alice","claims":{"roles":["admin"]}}`); err == nil {
			out, err = p.SignIn(req)
			status = http.StatusCreated
		}
	case noun == "tokens":
		var req MintRequest
		if err = decodeBody(w, r, &req, `{"user":"alice","client_id":"shell","audience":"api","lifetime":"10m"}`); err == nil {
			out, err = p.Mint(req)
			status = http.StatusCreated
		}
	case noun == "reset":
		out = p.Reset()
	case noun == "sessions" && hasArg:
		if err = p.EndSession(arg); err == nil {
			out = map[string]int{"ended": 1}
		}
	case noun == "sessions" && r.Method == http.MethodDelete:
		out = map[string]int{"ended": p.endAll()}
	case noun == "sessions":
		out = p.Sessions()
	case noun == "users" && hasArg:
		var n int
		if n, err = p.RemoveUser(arg); err == nil {
			out = map[string]any{"removed": arg, "sessions_ended": n}
		}
	case noun == "users" && r.Method == http.MethodPost:
		var req UserRequest
		if err = decodeBody(w, r, &req, `{"username":"carol","claims":{"email":"carol@example.com"}}`); err == nil {
			if err = p.PutUser(req); err == nil {
				out, status = p.userInfo(req.Username), http.StatusCreated
			}
		}
	case noun == "users":
		out = p.Users()
	case noun == "clients" && hasArg:
		if err = p.RemoveClient(arg); err == nil {
			out = map[string]string{"removed": arg}
		}
	case noun == "clients" && r.Method == http.MethodPost:
		var req ClientRequest
		if err = decodeBody(w, r, &req, `{"client_id":"web","redirect_uris":["http://localhost:5173/callback"]}`); err == nil {
			if err = p.PutClient(req); err == nil {
				out, status = p.clientInfo(req.ClientID), http.StatusCreated
			}
		}
	case noun == "clients":
		out = p.Clients()
	}
	if err != nil {
		var oe *oidc.Error
		if !errors.As(err, &oe) {
			oe = errInvalidRequest("%v", err)
		}
		writeOAuthError(w, oe)
		return true
	}
	writeJSON(w, status, out)
	return true
}

func (p *Provider) userInfo(name string) UserInfo {
	for _, u := range p.Users() {
		if u.Username == name {
			return u
		}
	}
	return UserInfo{}
}

func (p *Provider) clientInfo(id string) ClientInfo {
	for _, c := range p.Clients() {
		if c.ClientID == id {
			return c
		}
	}
	return ClientInfo{}
}

// decodeBody reads one JSON object, strictly: unknown fields and trailing
// data are errors that show an example body.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, example string) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxTestAPIBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return badRequest("the body is over %d bytes", MaxTestAPIBody)
		}
		return badRequest("the body is not the expected JSON: %v; e.g. %s", strings.TrimPrefix(err.Error(), "json: "), example)
	}
	return nil
}
