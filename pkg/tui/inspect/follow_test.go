package inspect

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
)

// sseServer serves each connection one batch of events, then closes, so
// Follow must reconnect to get the next batch.
func sseServer(t *testing.T, batches ...[]events.Event) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != events.Path || r.URL.Query().Get("replay") != "1" {
			http.NotFound(w, r)
			return
		}
		n := int(conns.Add(1)) - 1
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		if n < len(batches) {
			for _, e := range batches[n] {
				b, _ := json.Marshal(e)
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, b)
			}
			w.(http.Flusher).Flush()
			return
		}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv, &conns
}

// Follow mode in the model: events become entries grouped by sid; a
// logout marks the session signed out; connection state shows in the title.
func TestModelFollowEvents(t *testing.T) {
	evs := make(chan events.Event, 10)
	st := make(chan events.FollowStatus, 1)
	m := New(Options{Now: func() time.Time { return now }, Events: evs, Status: st, FollowURL: "http://op/", TickInterval: -1}, nil)
	m.Update(tea_size(100, 24))
	if !strings.Contains(m.Render(), "waiting for tokens from the provider") || !strings.Contains(m.Render(), "connecting") {
		t.Fatalf("initial:\n%s", m.Render())
	}
	m.Update(followStatusMsg{Connected: true})
	id := tok(t, "shell", "alice", "s-9", time.Hour, nil)
	at := tok(t, "account", "alice", "s-9", time.Hour, map[string]any{"scope": "x"})
	for _, e := range []events.Event{
		{Kind: "token", ClientID: "shell", User: "alice", SID: "s-9", Token: id, TokenType: "id_token", Time: now},
		{Kind: "token", ClientID: "account", User: "alice", SID: "s-9", Token: at, TokenType: "access_token", Time: now},
		{Kind: "token", ClientID: "account", User: "alice", SID: "s-9", Token: "opaque-rt", TokenType: "refresh_token", Time: now},
		{Kind: "logout", SID: "s-9", User: "alice"},
	} {
		m.Update(eventMsg(e))
	}
	view := m.Render()
	for _, want := range []string{"connected", "─ session s-9 · alice · 3 · signed out", "shell", "account", "refresh"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	m.Update(followStatusMsg{Err: errors.New("stream closed by the provider")})
	if v := m.Render(); !strings.Contains(v, "disconnected, retrying") || !strings.Contains(v, "event stream: stream closed by the provider") {
		t.Error("disconnect not shown")
	}
}
