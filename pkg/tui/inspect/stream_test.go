package inspect

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ssokit/ssokit/pkg/events"
)

// The commands that read the stream: an event becomes an entry and the
// model waits for the next one; a closed event channel marks following as
// stopped; a closed status channel yields no message (nothing to show).
func TestStreamCommandsEndCleanly(t *testing.T) {
	evs := make(chan events.Event, 1)
	st := make(chan events.FollowStatus, 1)
	m := New(Options{Now: func() time.Time { return now }, Events: evs, Status: st, FollowURL: "http://op/", TickInterval: -1}, nil)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})

	evs <- events.Event{Kind: "token", ClientID: "shell", User: "alice", SID: "s-1", Token: tok(t, "shell", "alice", "s-1", time.Hour, nil), TokenType: "id_token", Time: now}
	msg := m.waitEvent()()
	if _, ok := msg.(eventMsg); !ok {
		t.Fatalf("waitEvent gave %T", msg)
	}
	_, next := m.Update(msg)
	if len(m.Entries()) != 1 || m.Entries()[0].ClientID != "shell" || next == nil {
		t.Fatalf("entries %d, next %v: an event adds a token and keeps reading", len(m.Entries()), next)
	}

	st <- events.FollowStatus{Connected: true}
	if msg := m.waitStatus()(); msg != (followStatusMsg{Connected: true}) {
		t.Errorf("waitStatus gave %#v", msg)
	}
	close(st)
	if msg := m.waitStatus()(); msg != nil {
		t.Errorf("closed status channel gave %#v, want nil", msg)
	}

	close(evs)
	msg = m.waitEvent()()
	if _, ok := msg.(followClosedMsg); !ok {
		t.Fatalf("closed event channel gave %T", msg)
	}
	if _, next := m.Update(msg); next != nil {
		t.Error("a closed stream must not be read again")
	}
	if v := m.Render(); !strings.Contains(v, "following http://op/ stopped") {
		t.Errorf("title does not say following stopped:\n%s", v)
	}

	// Without a status channel there is nothing to wait for.
	m2 := New(Options{Now: func() time.Time { return now }, Events: make(chan events.Event), TickInterval: -1}, nil)
	if m2.waitStatus() != nil {
		t.Error("waitStatus without a channel returned a command")
	}
}

// A paste while the filter line is open goes into the filter (newlines
// folded to spaces), not into the token list.
func TestPasteIntoFilter(t *testing.T) {
	m := newModel(t, nil)
	press(m, "/")
	m.Update(tea.PasteMsg{Content: "alice\nacc"})
	if m.filter != "alice acc" || len(m.Entries()) != 5 {
		t.Fatalf("filter %q, %d entries", m.filter, len(m.Entries()))
	}
	if vis := m.Visible(); len(vis) != 1 || vis[0].ClientID != "account" {
		t.Errorf("visible %d after pasting into the filter", len(vis))
	}
}

// With a live clock the model reschedules its tick; with TickInterval < 0
// (tests, golden files) it never does.
func TestTickReschedules(t *testing.T) {
	m := New(Options{Now: func() time.Time { return now }, TickInterval: time.Hour}, nil)
	if _, cmd := m.Update(TickMsg(now.Add(time.Minute))); cmd == nil {
		t.Error("no next tick scheduled")
	}
	if !m.now.Equal(now.Add(time.Minute)) {
		t.Errorf("clock %v", m.now)
	}
	m = New(Options{Now: func() time.Time { return now }, TickInterval: -1}, nil)
	if _, cmd := m.Update(TickMsg(now)); cmd != nil {
		t.Error("tick scheduled with TickInterval < 0")
	}
}
