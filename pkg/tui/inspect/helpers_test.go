package inspect

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	time.Local = time.UTC // views show local time; pin it for golden files
	os.Exit(m.Run())
}

// tok signs an RS256 token for user in session sid from client.
func tok(t testing.TB, client, user, sid string, exp time.Duration, extra map[string]any) string {
	c := map[string]any{
		"iss": "http://localhost:9400/", "sub": user, "aud": client, "azp": client,
		"iat": now.Add(-5 * time.Minute).Unix(), "exp": now.Add(exp).Unix(), "nonce": "n",
	}
	if sid != "" {
		c["sid"] = sid
	}
	for k, v := range extra {
		c[k] = v
	}
	return tokentest.Sign(t, jose.RS256, "rsa-1", c, nil)
}

// staticVerifier verifies with the tokentest RSA key, synchronously.
type staticVerifier struct {
	mu    sync.Mutex
	calls int
	keys  []jose.JSONWebKey
}

func newVerifier(t testing.TB) *staticVerifier {
	return &staticVerifier{keys: []jose.JSONWebKey{tokentest.PublicJWK(t, jose.RS256, "rsa-1")}}
}

func (v *staticVerifier) Verify(ctx context.Context, raw string, refresh bool) (*token.Result, error) {
	v.mu.Lock()
	v.calls++
	v.mu.Unlock()
	return token.Verify(raw, token.VerifyOptions{Keys: v.keys, Now: func() time.Time { return now }, Leeway: time.Minute})
}

// run executes cmd and feeds every resulting message back into m,
// flattening batches; it skips commands that would block (ticks).
func run(m *Model, cmd tea.Cmd) []tea.Msg {
	var seen []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case nil:
			continue
		}
		seen = append(seen, msg)
		switch msg.(type) {
		case verifiedMsg, AddMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
	return seen
}

func press(m *Model, keys ...string) tea.Cmd {
	var cmds []tea.Cmd
	for _, k := range keys {
		_, c := m.Update(keyMsg(k))
		cmds = append(cmds, c)
	}
	return tea.Batch(cmds...)
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// checkFrame asserts the view is exactly w×h cells.
func checkFrame(t *testing.T, m *Model, w, h int) string {
	t.Helper()
	out := m.Render()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := visibleWidth(l); n != w {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, n, w, l)
		}
	}
	return out
}

func fmtType(v any) string { return fmt.Sprintf("%T", v) }

func tea_size(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
