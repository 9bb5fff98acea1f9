package provider

import (
	"crypto/rand"
	"encoding/base64"
	"maps"
	"slices"
	"sync"
	"time"
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
}

// authRequest is a validated authorization request.
type authRequest struct {
	ClientID            string
	RedirectURI         string
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
}

// interaction is an authorization request waiting for the login form.
type interaction struct {
	ID      string
	CSRF    string
	Req     authRequest
	Expires time.Time
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
	// Issued lists what the exchange produced, revoked if the code is replayed.
	IssuedJTIs []string
	Family     string
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
	AuthTime time.Time
	AMR      []string
	Expires  time.Time
	Used     bool // rotated: presenting it again revokes the family
}

// memStore keeps everything in memory behind one mutex; the sweeper drops
// what has expired so memory stays bounded under long runs.
type memStore struct {
	mu           sync.Mutex
	sessions     map[string]*session
	interactions map[string]*interaction
	codes        map[string]*code
	refresh      map[string]*refreshToken
	families     map[string][]string  // family → refresh token values
	revoked      map[string]time.Time // access token jti → its exp
}

func newMemStore() *memStore {
	return &memStore{
		sessions:     map[string]*session{},
		interactions: map[string]*interaction{},
		codes:        map[string]*code{},
		refresh:      map[string]*refreshToken{},
		families:     map[string][]string{},
		revoked:      map[string]time.Time{},
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
	for k, v := range s.sessions {
		if now.After(v.Expires) {
			delete(s.sessions, k)
		}
	}
	for k, v := range s.interactions {
		if now.After(v.Expires) {
			delete(s.interactions, k)
		}
	}
	for k, v := range s.codes {
		// keep used codes a little past expiry so a late replay is still detected
		if now.After(v.Expires.Add(CodeTTL)) {
			delete(s.codes, k)
		}
	}
	for k, v := range s.refresh {
		if now.After(v.Expires) {
			delete(s.refresh, k)
			fam := slices.DeleteFunc(s.families[v.Family], func(x string) bool { return x == k })
			if len(fam) == 0 {
				delete(s.families, v.Family)
			} else {
				s.families[v.Family] = fam
			}
		}
	}
	for k, exp := range s.revoked {
		if now.After(exp) {
			delete(s.revoked, k)
		}
	}
}

// counts reports the live objects, for the admin API and tests of the sweeper.
func (s *memStore) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]int{
		"sessions": len(s.sessions), "interactions": len(s.interactions), "codes": len(s.codes),
		"refresh_tokens": len(s.refresh), "revoked_access_tokens": len(s.revoked),
	}
}

func (s *memStore) putSession(ss *session) {
	s.mu.Lock()
	s.sessions[ss.ID] = ss
	s.mu.Unlock()
}

// liveSession returns a copy of the unexpired session with the cookie value id.
func (s *memStore) liveSession(id string, now time.Time) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
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
	if ss, ok := s.sessions[id]; ok {
		ss.Clients[clientID] = true
	}
}

// endSession removes the session and revokes the refresh tokens bound to
// its sid, returning the removed session.
func (s *memStore) endSession(id string) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return nil, false
	}
	delete(s.sessions, id)
	s.revokeSIDLocked(ss.SID)
	return ss, true
}

// endAllSessions removes every session, returning them.
func (s *memStore) endAllSessions() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*session
	for id, ss := range s.sessions {
		delete(s.sessions, id)
		s.revokeSIDLocked(ss.SID)
		out = append(out, ss)
	}
	return out
}

func (s *memStore) revokeSIDLocked(sid string) {
	for _, rt := range s.refresh {
		if rt.SID == sid {
			s.revokeFamilyLocked(rt.Family)
		}
	}
}

func (s *memStore) putInteraction(in *interaction) {
	s.mu.Lock()
	s.interactions[in.ID] = in
	s.mu.Unlock()
}

// takeInteraction removes and returns an unexpired interaction.
func (s *memStore) takeInteraction(id string, now time.Time) (*interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[id]
	if !ok || now.After(in.Expires) {
		return nil, false
	}
	delete(s.interactions, id)
	return in, true
}

func (s *memStore) peekInteraction(id string, now time.Time) (*interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[id]
	if !ok || now.After(in.Expires) {
		return nil, false
	}
	return in, true
}

func (s *memStore) putCode(c *code) {
	s.mu.Lock()
	s.codes[c.Value] = c
	s.mu.Unlock()
}

// redeemCode marks the code used and returns a copy. A code already used
// returns replay=true and revokes what the first exchange issued.
func (s *memStore) redeemCode(value string, now time.Time) (c code, found, replay bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp, ok := s.codes[value]
	if !ok {
		return code{}, false, false
	}
	if cp.Used {
		for _, jti := range cp.IssuedJTIs {
			s.revoked[jti] = now.Add(24 * time.Hour)
		}
		if cp.Family != "" {
			s.revokeFamilyLocked(cp.Family)
		}
		return *cp, true, true
	}
	cp.Used = true
	return *cp, true, false
}

// recordIssued remembers what a code's exchange issued.
func (s *memStore) recordIssued(codeValue string, jtis []string, family string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.codes[codeValue]; ok {
		c.IssuedJTIs = append(c.IssuedJTIs, jtis...)
		c.Family = family
	}
}

func (s *memStore) putRefresh(rt *refreshToken) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh[rt.Value] = rt
	s.families[rt.Family] = append(s.families[rt.Family], rt.Value)
}

// rotateRefresh marks the token used and returns a copy. A used token
// (reuse) revokes the whole family and returns reuse=true.
func (s *memStore) rotateRefresh(value string, now time.Time) (rt refreshToken, found, reuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.refresh[value]
	if !ok || now.After(cur.Expires) {
		return refreshToken{}, false, false
	}
	if cur.Used {
		s.revokeFamilyLocked(cur.Family)
		return *cur, true, true
	}
	cur.Used = true
	return *cur, true, false
}

func (s *memStore) revokeFamilyLocked(family string) {
	for _, v := range s.families[family] {
		delete(s.refresh, v)
	}
	delete(s.families, family)
}

// revokeRefresh revokes the family of a refresh token; reports whether it existed.
func (s *memStore) revokeRefresh(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[value]
	if ok {
		s.revokeFamilyLocked(rt.Family)
	}
	return ok
}

func (s *memStore) peekRefresh(value string, now time.Time) (refreshToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[value]
	if !ok || rt.Used || now.After(rt.Expires) {
		return refreshToken{}, false
	}
	return *rt, true
}

func (s *memStore) revokeJTI(jti string, exp time.Time) {
	s.mu.Lock()
	s.revoked[jti] = exp
	s.mu.Unlock()
}

func (s *memStore) isRevoked(jti string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.revoked[jti]
	return ok
}
