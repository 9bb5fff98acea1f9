package inspect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ssokit/ssokit/pkg/token"
)

func TestDetailForEachKind(t *testing.T) {
	jwe := "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIiwia2lkIjoiZW5jLTEifQ..aXY.Y3Q.dGFn"
	evil := tok(t, "shell", "mallory\x1b]52;c;cHduZWQ=\x07", "", time.Hour, map[string]any{"x": "\x1b[2J"})
	tests := []struct {
		name, raw string
		meta      Meta
		want      []string
	}{
		{"jwe", jwe, Meta{Source: "arg"}, []string{"encrypted · - · -", "Protected header (encrypted token", "enc  A128GCM"}},
		{"malformed", "a.b", Meta{Source: "arg"}, []string{"! malformed", "malformed token: truncated token"}},
		{"opaque", "2YotnFZFEjr1zCsicMWpAA", Meta{Source: "follow", TokenType: "refresh_token"}, []string{"○ opaque: verify it with the provider's /introspect", "opaque token: not a JWT"}},
		{"escape sequences are quoted", evil, Meta{Source: "paste"}, []string{`"mallory\x1b]52;c;cHduZWQ=\a"`, `"\x1b[2J"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Options{Now: func() time.Time { return now }, TickInterval: -1}, []Input{{Raw: tt.raw, Meta: tt.meta}})
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
			out := m.Render()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("view lacks %q:\n%s", w, out)
				}
			}
			if strings.ContainsAny(out, "\x1b\x07") {
				t.Errorf("raw control characters reached the terminal: %q", out)
			}
		})
	}
}

func TestPastePromptEditing(t *testing.T) {
	m := newModel(t, nil)
	press(m, "p")
	typeText(m, "abc")
	press(m, "backspace")
	if m.pasteBuf != "ab" || !strings.Contains(m.Render(), "paste token: ab█") {
		t.Errorf("buf %q", m.pasteBuf)
	}
	press(m, "esc")
	if m.pasting || len(m.entries) != 5 {
		t.Error("esc cancels without adding")
	}
	press(m, "p")
	typeText(m, "x.y")
	press(m, "enter")
	if len(m.entries) != 6 || m.Selected().Raw != "x.y" || m.status != "pasted 1 token" {
		t.Errorf("entries %d status %q", len(m.entries), m.status)
	}
	// Pasting text with several tokens adds each; "Bearer" words are skipped.
	m.Update(tea.PasteMsg{Content: "Bearer t1.a.b\nBearer t2.a.b  t3.a.b"})
	if len(m.entries) != 9 || m.status != "pasted 3 tokens" {
		t.Errorf("entries %d status %q", len(m.entries), m.status)
	}
	// A paste while filtering goes to the filter.
	press(m, "/")
	m.Update(tea.PasteMsg{Content: "alice\n"})
	if m.filter != "alice " || len(m.entries) != 9 {
		t.Errorf("filter %q", m.filter)
	}
}

func manyInputs(t *testing.T, n int) []Input {
	ins := make([]Input, n)
	for i := range ins {
		ins[i] = Input{Raw: fmt.Sprintf("opaque-%03d", i), Meta: Meta{Source: "arg", ClientID: fmt.Sprintf("c%03d", i)}}
	}
	return ins
}

func TestPagingAndScrolling(t *testing.T) {
	m := New(Options{Now: func() time.Time { return now }, TickInterval: -1}, manyInputs(t, 100))
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	press(m, " ") // space pages down
	if m.Selected().ClientID != "c017" {
		t.Errorf("pgdown → %s", m.Selected().ClientID)
	}
	if !strings.Contains(m.Render(), "▸ c017") {
		t.Error("selection must stay visible after paging")
	}
	press(m, "G")
	if m.Selected().ClientID != "c099" || !strings.Contains(m.Render(), "▸ c099") {
		t.Errorf("G → %s", m.Selected().ClientID)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	if m.Selected().ClientID != "c082" {
		t.Errorf("pgup → %s", m.Selected().ClientID)
	}
	// In the detail pane G/g scroll to the end and back.
	m = newModel(t, newVerifier(t))
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	press(m, "tab", "G")
	m.Render()
	if m.scroll == 0 {
		t.Error("G in the detail pane should scroll")
	}
	press(m, "g")
	if m.scroll != 0 {
		t.Error("g in the detail pane scrolls to the top")
	}
}

// failingVerifier reports a network problem, which is not "invalid".
type failingVerifier struct{ calls int }

func (f *failingVerifier) Verify(context.Context, string, bool) (*token.Result, error) {
	f.calls++
	return nil, errors.New("fetching http://op/.well-known/openid-configuration: connection refused")
}

func TestVerifyAllAndNetworkErrors(t *testing.T) {
	f := &failingVerifier{}
	m := newModel(t, f)
	if f.calls != 3 {
		t.Fatalf("initial verifications %d", f.calls)
	}
	if m.entries[0].Status != StatusError || !strings.Contains(m.Render(), "? cannot verify: fetching http://op/") {
		t.Errorf("status %d\n%s", m.entries[0].Status, m.Render())
	}
	run(m, press(m, "V"))
	if f.calls != 6 {
		t.Errorf("V verified %d tokens, want 3 more", f.calls-3)
	}
}

func TestNoTokensHints(t *testing.T) {
	m := New(Options{TickInterval: -1}, nil)
	if !strings.Contains(m.Render(), "no tokens yet: paste one with p") || !strings.Contains(m.Render(), "Select a token on the left.") {
		t.Errorf("%s", m.Render())
	}
	press(m, "j", "k", "c", "v", "G", "g") // nothing to act on: no panic
	if m.Selected() != nil {
		t.Error("selection without tokens")
	}
}
