package provider

import (
	"maps"
	"slices"
	"time"
)

// The store operations only the test API needs.

// sessionsList returns copies of the live sessions, oldest first.
func (s *memStore) sessionsList(now time.Time) []session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []session
	s.sessions.each(func(_ string, ss *session) {
		if now.After(ss.Expires) {
			return
		}
		cp := *ss
		cp.Clients = maps.Clone(ss.Clients)
		out = append(out, cp)
	})
	return out
}

// endSessionsWhere ends the sessions match selects, revoking their refresh
// tokens, and returns them.
func (s *memStore) endSessionsWhere(match func(*session) bool, now time.Time) []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*session
	s.sessions.each(func(id string, ss *session) {
		if !match(ss) {
			return
		}
		s.sessions.del(id)
		s.claims.del(ss.SID)
		s.revokeSIDLocked(ss.SID, now)
		out = append(out, ss)
	})
	return out
}

// startGrant records a grant and its first access token before anything
// is signed, as a code exchange does, so a minted refresh token rotates,
// and a replay of it revokes that access token too.
func (s *memStore) startGrant(ids issueIDs, sid string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addGrantLocked(ids.Grant, sid, now).addAccess(ids)
}

// reset forgets every session, pending login, code and refresh token.
// Every grant is revoked, access tokens included, and kept as a tombstone:
// a token from before the reset is not valid after it.
func (s *memStore) reset(now time.Time) (sessions int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sessions = s.sessions.len()
	var ids []string
	s.grants.each(func(id string, _ *grantRec) { ids = append(ids, id) })
	for _, id := range slices.Backward(ids) {
		s.revokeGrantLocked(id, now, true)
	}
	s.sessions = newOrdered[*session](s.limits.Sessions)
	s.interactions = newOrdered[*interaction](s.limits.Interactions)
	s.codes = newOrdered[*code](s.limits.Codes)
	s.refresh = newOrdered[*refreshToken](s.limits.Refresh)
	s.claims = newOrdered[map[string]any](s.limits.Sessions)
	return sessions
}

// reset forgets every wrong-password lockout.
func (t *throttle) reset() {
	t.mu.Lock()
	t.m = newOrdered[*failures](maxThrottled)
	t.mu.Unlock()
}
