package provider

import (
	"crypto/rand"
	"encoding/base64"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// session is the server side of the SSO session cookie.
type session struct {
	ID           string // the cookie value; never leaves the provider otherwise
	SID          string // the public session id in tokens and logout
	BrowserState string // the op_browser_state of Session Management
	Sub          string
	AuthTime     time.Time
	AMR          []string
	Expires      time.Time
	// Clients signed in through this session, for front/back-channel logout.
	Clients map[string]bool
	// Claims are extra claims the test API gave the session: every token
	// issued through it and userinfo carry them. Never changed once stored.
	Claims map[string]any
	// Via is how the session began: "password", "auto-login", "test API".
	Via string
}

// authRequest is a validated authorization request.
type authRequest struct {
	ClientID            string
	RedirectURI         string
	RedirectURISent     bool // sent, not defaulted: the token request must repeat it
	ResponseMode        string
	Scope               []string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	MaxAge              int // -1 when absent
	LoginHint           string
	IDTokenHint         string
	Audience            string
	Org                 string // the organization's id (Auth0 Organizations)
}

// interaction is an authorization request waiting for the login form.
type interaction struct {
	ID      string
	CSRF    string // the form's token, also in the interaction's cookie
	Req     authRequest
	Expires time.Time
	// FedCM marks the sign-in the browser's FedCM login pop-up opened
	// (handleFedCMLogin): no authorization request to continue, so a
	// successful sign-in ends on a page that closes the pop-up.
	FedCM bool
}

// code is an issued authorization code.
type code struct {
	Value    string
	Req      authRequest
	Sub      string
	SID      string
	AuthTime time.Time
	AMR      []string
	Expires  time.Time
	Used     bool
	// Grant names what the exchange issued (access tokens, refresh family),
	// recorded in the same step that marks the code used, so a replay,
	// however close, revokes all of it.
	Grant string
}

// refreshToken is one member of a rotation family.
type refreshToken struct {
	Value    string
	Family   string
	ClientID string
	Sub      string
	SID      string
	Scope    []string
	Audience string
	Org      string
	AuthTime time.Time
	AMR      []string
	Expires  time.Time
	Used     bool // rotated: presenting it again revokes the family
	// UsedAt and Successor record the rotation, so a repeat within the
	// reuse interval gets the same successor instead of a revocation.
	UsedAt    time.Time
	Successor string
}

// grantRec is everything issued from one authorization grant: the access
// tokens of the code exchange and of every refresh, and the refresh
// tokens of its rotation family. Revoked, it stays a while as a tombstone
// so a request still signing cannot add to it.
type grantRec struct {
	SID     string
	refresh []string             // refresh token values
	access  map[string]time.Time // access token jti → its exp
	revoked bool
	expires time.Time // dropped by the sweeper after this
}

// issueIDs are what a token response will carry, chosen before the grant
// is used so that using it and recording them is one atomic step.
type issueIDs struct {
	Grant  string    // new grant id for a code exchange
	JTI    string    // the access token's jti
	JTIExp time.Time // the access token's exp (with slack)
	// Refresh is the successor refresh token's value when a refresh token
	// is rotated, recorded on the old one in the same step that marks it used.
	Refresh string
}

// useResult is the outcome of using a code or refresh token.
type useResult int

const (
	useOK          useResult = iota
	useUnknown               // not found (or an expired refresh token)
	useWrongClient           // issued to another client: nothing changed
	useReplay                // used before: everything its grant issued is now revoked
	useRefused               // the caller's check failed: nothing changed
	useGrace                 // used before, within the reuse interval: answer with its successor
)

// Store limits: each store evicts its oldest entry beyond these, so memory
// stays bounded whatever arrives (a flood of /authorize requests included).
type storeLimits struct {
	Sessions, Interactions, Codes, Refresh, Grants, Revoked int
}

var defaultLimits = storeLimits{
	Sessions: 10_000, Interactions: 2_000, Codes: 5_000,
	Refresh: 50_000, Grants: 50_000, Revoked: 100_000,
}

// memStore keeps everything in memory behind one mutex; the sweeper drops
// what has expired and every map is capped (oldest evicted first).
type memStore struct {
	mu           sync.Mutex
	sessions     *ordered[*session]
	interactions *ordered[*interaction]
	codes        *ordered[*code]
	refresh      *ordered[*refreshToken]
	grants       *ordered[*grantRec]      // grant (family) id → what it issued
	revoked      *ordered[time.Time]      // access token jti → its exp
	claims       *ordered[map[string]any] // sid → the session's extra claims (test API)
	limits       storeLimits
}

func newMemStore() *memStore { return newMemStoreLimits(defaultLimits) }

func newMemStoreLimits(l storeLimits) *memStore {
	return &memStore{
		sessions:     newOrdered[*session](l.Sessions),
		interactions: newOrdered[*interaction](l.Interactions),
		codes:        newOrdered[*code](l.Codes),
		refresh:      newOrdered[*refreshToken](l.Refresh),
		grants:       newOrdered[*grantRec](l.Grants),
		revoked:      newOrdered[time.Time](l.Revoked),
		claims:       newOrdered[map[string]any](l.Sessions),
		limits:       l,
	}
}

// randomID returns n random bytes, base64url encoded.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *memStore) sweep(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions.each(func(k string, v *session) {
		if now.After(v.Expires) {
			s.sessions.del(k)
			s.claims.del(v.SID)
		}
	})
	s.interactions.each(func(k string, v *interaction) {
		if now.After(v.Expires) {
			s.interactions.del(k)
		}
	})
	s.codes.each(func(k string, v *code) {
		// keep used codes a little past expiry so a late replay is still detected
		if now.After(v.Expires.Add(CodeTTL)) {
			s.codes.del(k)
		}
	})
	s.refresh.each(func(k string, v *refreshToken) {
		if now.After(v.Expires) {
			s.refresh.del(k)
			if g, ok := s.grants.get(v.Family); ok {
				g.refresh = slices.DeleteFunc(g.refresh, func(x string) bool { return x == k })
			}
		}
	})
	s.grants.each(func(k string, g *grantRec) {
		for jti, exp := range g.access {
			if now.After(exp) {
				delete(g.access, jti)
			}
		}
		if now.After(g.expires) && len(g.refresh) == 0 {
			s.grants.del(k)
		}
	})
	s.revoked.each(func(k string, exp time.Time) {
		if now.After(exp) {
			s.revoked.del(k)
		}
	})
}

// counts reports the live objects, for the admin API and tests of the sweeper.
func (s *memStore) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]int{
		"sessions": s.sessions.len(), "interactions": s.interactions.len(), "codes": s.codes.len(),
		"refresh_tokens": s.refresh.len(), "grants": s.grants.len(), "revoked_access_tokens": s.revoked.len(),
	}
}

func (s *memStore) putSession(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, old, evicted := s.sessions.put(ss.ID, ss); evicted {
		s.claims.del(old.SID)
	}
	if len(ss.Claims) > 0 {
		s.claims.put(ss.SID, ss.Claims)
	}
}

// sessionClaims returns the extra claims of the session sid (nil when none).
func (s *memStore) sessionClaims(sid string) map[string]any {
	if sid == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, _ := s.claims.get(sid)
	return c
}

// liveSession returns a copy of the unexpired session with the cookie value id.
func (s *memStore) liveSession(id string, now time.Time) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions.get(id)
	if !ok || now.After(ss.Expires) {
		return session{}, false
	}
	cp := *ss
	cp.Clients = maps.Clone(ss.Clients)
	return cp, true
}

func (s *memStore) addSessionClient(id, clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.sessions.get(id); ok {
		ss.Clients[clientID] = true
	}
}

// endSession removes the session and revokes the refresh tokens bound to
// its sid, returning the removed session.
func (s *memStore) endSession(id string, now time.Time) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions.get(id)
	if !ok {
		return nil, false
	}
	s.sessions.del(id)
	s.claims.del(ss.SID)
	s.revokeSIDLocked(ss.SID, now)
	return ss, true
}

// endAllSessions removes every session, returning them.
func (s *memStore) endAllSessions(now time.Time) []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*session
	s.sessions.each(func(id string, ss *session) {
		s.sessions.del(id)
		s.claims.del(ss.SID)
		s.revokeSIDLocked(ss.SID, now)
		out = append(out, ss)
	})
	return out
}

func (s *memStore) revokeSIDLocked(sid string, now time.Time) {
	s.grants.each(func(id string, g *grantRec) {
		if g.SID == sid {
			s.revokeGrantLocked(id, now, false)
		}
	})
}

func (s *memStore) putInteraction(in *interaction) {
	s.mu.Lock()
	s.interactions.put(in.ID, in)
	s.mu.Unlock()
}

// takeInteraction removes and returns an unexpired interaction.
func (s *memStore) takeInteraction(id string, now time.Time) (*interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions.get(id)
	if !ok || now.After(in.Expires) {
		return nil, false
	}
	s.interactions.del(id)
	return in, true
}

func (s *memStore) peekInteraction(id string, now time.Time) (*interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions.get(id)
	if !ok || now.After(in.Expires) {
		return nil, false
	}
	return in, true
}

func (s *memStore) putCode(c *code) {
	s.mu.Lock()
	s.codes.put(c.Value, c)
	s.mu.Unlock()
}

// redeemCode uses a code in one step: a code of another client is left
// alone (useWrongClient); a used one revokes everything its grant issued
// (useReplay); check (redirect_uri, PKCE, expiry) failing leaves it
// unused (useRefused with check's error); else the code is marked used and
// its grant records ids before anything is signed.
func (s *memStore) redeemCode(value, clientID string, now time.Time, check func(*code) *oidc.Error, ids issueIDs) (code, useResult, *oidc.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp, ok := s.codes.get(value)
	switch {
	case !ok:
		return code{}, useUnknown, nil
	case cp.Req.ClientID != clientID:
		return *cp, useWrongClient, nil
	case cp.Used:
		s.revokeGrantLocked(cp.Grant, now, true)
		return *cp, useReplay, nil
	}
	if err := check(cp); err != nil {
		return *cp, useRefused, err
	}
	cp.Used = true
	cp.Grant = ids.Grant
	s.addGrantLocked(ids.Grant, cp.SID, now).addAccess(ids)
	return *cp, useOK, nil
}

// addGrantLocked returns the grant id, creating it.
func (s *memStore) addGrantLocked(id, sid string, now time.Time) *grantRec {
	g, ok := s.grants.get(id)
	if !ok {
		g = &grantRec{SID: sid, access: map[string]time.Time{}, expires: now.Add(CodeTTL)}
		if _, old, evicted := s.grants.put(id, g); evicted {
			s.dropGrantTokensLocked(old)
		}
	}
	return g
}

func (g *grantRec) addAccess(ids issueIDs) {
	g.access[ids.JTI] = ids.JTIExp
	if ids.JTIExp.After(g.expires) {
		g.expires = ids.JTIExp
	}
}

func (s *memStore) dropGrantTokensLocked(g *grantRec) {
	for _, v := range g.refresh {
		s.refresh.del(v)
	}
	g.refresh = nil
}

// putRefresh stores a refresh token in its grant's family; false when the
// grant was revoked meanwhile (a racing replay), and then nothing is stored.
func (s *memStore) putRefresh(rt *refreshToken, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.addGrantLocked(rt.Family, rt.SID, now)
	if g.revoked {
		return false
	}
	if _, old, evicted := s.refresh.put(rt.Value, rt); evicted {
		if og, ok := s.grants.get(old.Family); ok {
			og.refresh = slices.DeleteFunc(og.refresh, func(x string) bool { return x == old.Value })
		}
	}
	g.refresh = append(g.refresh, rt.Value)
	if rt.Expires.After(g.expires) {
		g.expires = rt.Expires
	}
	return true
}

// grantRevoked reports whether the grant was revoked (a racing replay).
func (s *memStore) grantRevoked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants.get(id)
	return ok && g.revoked
}

// rotateRefresh uses a refresh token in one step: a token of another
// client is left alone; a used one revokes its whole grant, access tokens
// included (useReplay), unless it was rotated less than reuse ago (useGrace:
// the caller answers with its successor); else it is marked used, its
// successor (ids.Refresh) recorded, and the new access token's jti is
// recorded in the grant before anything is signed.
func (s *memStore) rotateRefresh(value, clientID string, now time.Time, reuse time.Duration, ids issueIDs) (refreshToken, useResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.refresh.get(value)
	switch {
	case !ok || now.After(cur.Expires):
		return refreshToken{}, useUnknown
	case cur.ClientID != clientID:
		return *cur, useWrongClient
	case cur.Used:
		if g, ok := s.grants.get(cur.Family); ok && !g.revoked && reuse > 0 && s.successorLive(cur) && !now.After(cur.UsedAt.Add(reuse)) {
			g.addAccess(ids)
			return *cur, useGrace
		}
		s.revokeGrantLocked(cur.Family, now, true)
		return *cur, useReplay
	}
	g, ok := s.grants.get(cur.Family)
	if !ok || g.revoked {
		return refreshToken{}, useUnknown
	}
	cur.Used, cur.UsedAt, cur.Successor = true, now, ids.Refresh
	g.addAccess(ids)
	return *cur, useOK
}

// successorLive: rt was rotated and its successor is not used yet (or not
// stored yet: the request that rotated it is still signing). As at Auth0,
// only the token just before the live one may come back within the
// interval; an older one is a replay.
func (s *memStore) successorLive(rt *refreshToken) bool {
	if rt.Successor == "" {
		return false
	}
	next, ok := s.refresh.get(rt.Successor)
	return !ok || !next.Used
}

// revokeGrantLocked deletes the grant's refresh tokens and, with access,
// revokes its access tokens; the grant stays as a revoked tombstone.
func (s *memStore) revokeGrantLocked(id string, now time.Time, access bool) {
	g, ok := s.grants.get(id)
	if !ok {
		return
	}
	s.dropGrantTokensLocked(g)
	g.revoked = true
	if access {
		for jti, exp := range g.access {
			s.revoked.put(jti, exp)
		}
	}
	if min := now.Add(CodeTTL); g.expires.Before(min) {
		g.expires = min
	}
}

// revokeRefresh revokes the grant of a refresh token, its access tokens
// included (RFC 7009 §2.1); reports whether the token existed.
func (s *memStore) revokeRefresh(value string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh.get(value)
	if ok {
		s.revokeGrantLocked(rt.Family, now, true)
		s.refresh.del(value)
	}
	return ok
}

func (s *memStore) peekRefresh(value string, now time.Time) (refreshToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh.get(value)
	if !ok || rt.Used || now.After(rt.Expires) {
		return refreshToken{}, false
	}
	return *rt, true
}

func (s *memStore) revokeJTI(jti string, exp time.Time) {
	s.mu.Lock()
	s.revoked.put(jti, exp)
	s.mu.Unlock()
}

func (s *memStore) isRevoked(jti string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.revoked.get(jti)
	return ok
}
