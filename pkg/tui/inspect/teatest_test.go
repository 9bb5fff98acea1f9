package inspect

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/golden"
)

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func finalModel(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	return tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(*Model)
}

// Navigation and filtering through a real Bubble Tea program.
func TestProgramNavigateAndFilter(t *testing.T) {
	m := New(Options{Now: func() time.Time { return now }, Verifier: newVerifier(t), TickInterval: -1}, sample(t))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "account")
	tm.Send(keyMsg("j"))
	tm.Send(keyMsg("/"))
	tm.Type("bob")
	// No wait on screen text here: the renderer sends only changed cells,
	// so "1 shown" may never appear contiguously. Messages are processed
	// in order, so the final model reflects every key.
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("q"))
	fm := finalModel(t, tm)
	if e := fm.Selected(); e == nil || e.User != "bob" || fm.filter != "bob" {
		t.Fatalf("final selection %+v filter %q", e, fm.filter)
	}
	golden.EqualString(t, filepath.Join("testdata", t.Name()+".golden"), fm.Render())
}

// Follow mode fed by a test SSE server: tokens appear as events arrive.
func TestProgramFollow(t *testing.T) {
	srv, _ := sseServer(t, []events.Event{
		{Kind: "login", User: "alice", SID: "s-1"},
		{Kind: "token", ClientID: "shell", User: "alice", SID: "s-1", TokenType: "id_token", Token: tok(t, "shell", "alice", "s-1", time.Hour, nil), Time: now},
		{Kind: "token", ClientID: "account", User: "alice", SID: "s-1", TokenType: "id_token", Token: tok(t, "account", "alice", "s-1", time.Hour, nil), Time: now},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs, st := events.Follow(ctx, srv.Client(), events.StreamURL(srv.URL, true))
	m := New(Options{Now: func() time.Time { return now }, Verifier: newVerifier(t), Events: evs, Status: st, FollowURL: srv.URL, TickInterval: -1}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 24))
	waitFor(t, tm, "account")
	tm.Send(keyMsg("q"))
	fm := finalModel(t, tm)
	if n := len(fm.Entries()); n != 2 {
		t.Fatalf("%d entries", n)
	}
	for _, e := range fm.Entries() {
		if e.SID != "s-1" || e.Source != "follow" {
			t.Errorf("entry %+v", e.Meta)
		}
	}
}

// Resizing while running keeps a full, exact frame.
func TestProgramResize(t *testing.T) {
	m := New(Options{Now: func() time.Time { return now }, TickInterval: -1}, sample(t))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "shell")
	tm.Send(tea.WindowSizeMsg{Width: 132, Height: 40})
	tm.Send(tea.WindowSizeMsg{Width: 64, Height: 18})
	tm.Send(keyMsg("q"))
	fm := finalModel(t, tm)
	if fm.width != 64 || fm.height != 18 {
		t.Fatalf("size %dx%d", fm.width, fm.height)
	}
	out := checkFrame(t, fm, 64, 18)
	if !strings.Contains(out, "▸ shell") {
		t.Errorf("narrow list view:\n%s", out)
	}
}
