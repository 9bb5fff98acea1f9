// Package events is the provider's live event stream: an in-process bus that
// keeps recent events and fans them out to subscribers, served as
// Server-Sent Events for `ssokit inspect --follow` and `ssokit up`.
package events

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Kinds of event.
const (
	KindLogin         = "login"        // interactive sign-in succeeded
	KindLoginFailed   = "login_failed" // wrong password, unknown user
	KindSilent        = "silent"       // prompt=none answered (detail says how or why not)
	KindCode          = "code"         // authorization code issued
	KindToken         = "token"        // a token issued (one event per token)
	KindRefresh       = "refresh"      // refresh token rotated
	KindReuse         = "reuse"        // a used code or rotated refresh token came back: family revoked
	KindLogout        = "logout"       // SSO session ended
	KindBackchannel   = "backchannel"  // back-channel logout delivery outcome
	KindError         = "error"        // an OAuth error answered
	KindFault         = "fault"        // an injected fault fired
	KindKeysRotated   = "keys_rotated" // signing key rotated
	KindSessionsEnded = "sessions_ended"
)

// Event is one thing the provider did.
type Event struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	ClientID  string    `json:"client_id,omitempty"`
	User      string    `json:"user,omitempty"`
	SID       string    `json:"sid,omitempty"`
	Endpoint  string    `json:"endpoint,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Token     string    `json:"token,omitempty"`
	TokenType string    `json:"token_type,omitempty"` // id_token, access_token, refresh_token
}

// Bus fans events out. The zero value is not usable; use NewBus.
type Bus struct {
	mu     sync.Mutex
	recent []Event // ring buffer of the last keep events
	next   int     // where the next event goes once the ring is full
	keep   int
	subs   map[chan Event]struct{}
}

// NewBus keeps the last keep events for new subscribers.
func NewBus(keep int) *Bus {
	return &Bus{keep: keep, subs: map[chan Event]struct{}{}}
}

// Publish records e and delivers it to every subscriber. A subscriber that
// is not keeping up loses the event rather than slowing the provider.
func (b *Bus) Publish(e Event) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.keep == 0:
	case len(b.recent) < b.keep:
		b.recent = append(b.recent, e)
	default:
		b.recent[b.next] = e
		b.next = (b.next + 1) % b.keep
	}
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// Recent returns the retained events, oldest first.
func (b *Bus) Recent() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.recentLocked()
}

func (b *Bus) recentLocked() []Event {
	out := make([]Event, 0, len(b.recent))
	out = append(out, b.recent[b.next:]...)
	return append(out, b.recent[:b.next]...)
}

// Subscribe returns a channel of events from now on and a cancel function.
// With replay, the retained events are delivered first.
func (b *Bus) Subscribe(replay bool) (<-chan Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan Event, 256+len(b.recent))
	if replay {
		for _, e := range b.recentLocked() {
			ch <- e
		}
	}
	b.subs[ch] = struct{}{}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, ch)
			b.mu.Unlock()
		})
	}
}

// ServeSSE streams events as Server-Sent Events: each event is one
// `data: <json>` line. `?replay=1` sends the retained events first.
func (b *Bus) ServeSSE(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, cancel := b.Subscribe(r.URL.Query().Get("replay") != "")
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": ssokit events\n\n")
	fl.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
			fl.Flush()
		case e := <-ch:
			data, _ := json.Marshal(e)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, data)
			fl.Flush()
		}
	}
}
