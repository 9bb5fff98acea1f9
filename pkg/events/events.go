// Package events is the provider's live event stream: an in-process bus that
// keeps recent events and fans them out to subscribers, served as
// Server-Sent Events for `ssokit inspect --follow` and `ssokit up`.
package events

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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
	KindFrontchannel  = "frontchannel" // front-channel logout iframe the logout page loads
	KindError         = "error"        // an OAuth error answered
	KindFault         = "fault"        // an injected fault fired
	KindKeysRotated   = "keys_rotated" // signing key rotated
	KindSessionsEnded = "sessions_ended"
	KindDisconnect    = "disconnect" // an app's FedCM approval withdrawn (the session goes on)
)

// Kinds lists every kind of event, for consumers that must handle each
// (the dashboard subscribes to Server-Sent Events by name).
var Kinds = []string{KindLogin, KindLoginFailed, KindSilent, KindCode, KindToken, KindRefresh, KindReuse, KindLogout,
	KindBackchannel, KindFrontchannel, KindError, KindFault, KindKeysRotated, KindSessionsEnded, KindDisconnect}

// Event is one thing the provider did.
type Event struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`
	// Tenant names the issuer of a multi-tenant provider the event happened
	// at; empty (and absent from the JSON) for the root issuer, so streams
	// read before tenants existed read the same.
	Tenant    string `json:"tenant,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	User      string `json:"user,omitempty"`
	SID       string `json:"sid,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Token     string `json:"token,omitempty"`
	TokenType string `json:"token_type,omitempty"` // id_token, access_token, refresh_token
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
// `data: <json>` line. `?replay=1` sends the retained events first. Tokens
// are redacted (see Redact) unless `?tokens=full` asks for them whole; the
// caller decides who may ask (the provider: loopback peers with a trusted
// Host header).
func (b *Bus) ServeSSE(w http.ResponseWriter, r *http.Request) {
	b.ServeSSEFiltered(w, r, nil)
}

// ServeSSEFiltered is ServeSSE sending only the events keep accepts (all
// when keep is nil): a tenant's stream shows that tenant's events only.
func (b *Bus) ServeSSEFiltered(w http.ResponseWriter, r *http.Request, keep func(Event) bool) {
	q := r.URL.Query()
	full := false
	switch q.Get("tokens") {
	case "", "redacted":
	case "full":
		full = true
	default:
		http.Error(w, "tokens="+q.Get("tokens")+" is not known: use tokens=full for whole tokens, or leave it out for redacted ones", http.StatusBadRequest)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, cancel := b.Subscribe(q.Get("replay") != "")
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
			if keep != nil && !keep(e) {
				continue
			}
			if !full {
				e.Token = Redact(e.Token)
			}
			data, _ := json.Marshal(e)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, data)
			fl.Flush()
		}
	}
}

// Redact keeps enough of a token to correlate it and nothing that works as
// a credential: a JWT keeps its header and claims (who, which client, jti,
// expiry) and the first 8 characters of its signature; any other token
// (an opaque refresh token) its first 8 characters. Both end in "…".
func Redact(tok string) string {
	if tok == "" {
		return ""
	}
	const keep = 8
	if i := strings.LastIndexByte(tok, '.'); i > 0 && strings.Count(tok, ".") == 2 {
		sig := tok[i+1:]
		return tok[:i+1] + sig[:min(keep, len(sig)/2)] + "…"
	}
	return tok[:min(keep, len(tok)/2)] + "…"
}
