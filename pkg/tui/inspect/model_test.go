package inspect

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ssokit/ssokit/pkg/internal/golden"
)

func visibleWidth(s string) int { return lipgloss.Width(s) }

func sample(t *testing.T) []Input {
	return []Input{
		{Raw: tok(t, "shell", "alice", "s-1", 4*time.Minute+12*time.Second, nil), Meta: Meta{Source: "arg"}},
		{Raw: tok(t, "account", "alice", "s-1", time.Hour, map[string]any{"scope": "openid api"}), Meta: Meta{Source: "arg", TokenType: "access_token"}},
		{Raw: tok(t, "shell", "bob", "s-2", -3*time.Hour, nil), Meta: Meta{Source: "arg"}},
		{Raw: "opaque-refresh-token-value", Meta: Meta{Source: "arg", TokenType: "refresh_token", SID: "s-2"}},
		{Raw: "abc.def", Meta: Meta{Source: "arg"}},
	}
}

func newModel(t *testing.T, v Verifier) *Model {
	m := New(Options{Now: func() time.Time { return now }, Verifier: v, TickInterval: -1}, sample(t))
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	run(m, m.Init())
	return m
}

func TestGroupingAndStatus(t *testing.T) {
	v := newVerifier(t)
	m := newModel(t, v)
	var got []string
	for _, r := range m.rows {
		if r.entry == nil {
			got = append(got, "["+r.group+"]")
		} else {
			got = append(got, r.entry.ClientID+"/"+r.entry.User)
		}
	}
	want := "[s-1] shell/alice account/alice [s-2] shell/bob / [] /"
	if strings.Join(got, " ") != want {
		t.Errorf("rows = %v\nwant %s", got, want)
	}
	st := map[string]Status{}
	for _, e := range m.entries {
		st[e.ClientID+"/"+e.User+"/"+e.TokenType] = e.Status
	}
	wantSt := map[string]Status{
		"shell/alice/id_token": StatusValid, "account/alice/access_token": StatusValid,
		"shell/bob/id_token": StatusInvalid, "//refresh_token": StatusOpaque, "//": StatusMalformed,
	}
	for k, s := range wantSt {
		if st[k] != s {
			t.Errorf("%s status %d, want %d (all %v)", k, st[k], s, st)
		}
	}
	if v.calls != 3 {
		t.Errorf("%d verifications, want 3 (JWS only)", v.calls)
	}
	if !strings.Contains(m.entries[2].Result.Reason, "expired 3h00m ago") {
		t.Errorf("reason %q", m.entries[2].Result.Reason)
	}
}

func TestNavigationSkipsHeaders(t *testing.T) {
	m := newModel(t, nil)
	if m.Selected().User != "alice" || m.Selected().ClientID != "shell" {
		t.Fatalf("first selection %+v", m.Selected().Meta)
	}
	press(m, "j", "j")
	if e := m.Selected(); e.User != "bob" {
		t.Errorf("after j j: %s", e.User)
	}
	press(m, "down", "down", "down", "down")
	if e := m.Selected(); e.Raw != "abc.def" {
		t.Errorf("bottom clamp: %q", e.Raw)
	}
	press(m, "g")
	if m.cursor != 1 {
		t.Errorf("g → cursor %d, want 1 (row 0 is a session header)", m.cursor)
	}
	press(m, "G")
	if m.Selected().Raw != "abc.def" {
		t.Error("G")
	}
	press(m, "k", "up")
	if m.Selected().User != "bob" {
		t.Errorf("k up → %q", m.Selected().User)
	}
	// tab: j/k now scroll the detail pane instead of moving.
	press(m, "tab", "j", "j")
	if m.focus != detailPane || m.scroll != 2 || m.Selected().User != "bob" {
		t.Errorf("focus %v scroll %d sel %s", m.focus, m.scroll, m.Selected().User)
	}
	press(m, "tab")
	if m.focus != listPane {
		t.Error("tab back")
	}
}

func TestFilter(t *testing.T) {
	m := newModel(t, nil)
	press(m, "/")
	typeText(m, "ALICE acc")
	if vis := m.Visible(); len(vis) != 1 || vis[0].ClientID != "account" {
		t.Fatalf("visible %d", len(vis))
	}
	press(m, "enter")
	if m.filtering || m.filter != "ALICE acc" {
		t.Error("enter should keep the filter")
	}
	press(m, "j") // navigation works again
	press(m, "esc")
	if m.filter != "" || len(m.Visible()) != 5 {
		t.Errorf("esc: filter %q visible %d", m.filter, len(m.Visible()))
	}
	press(m, "/")
	typeText(m, "zzz")
	if len(m.Visible()) != 0 || !strings.Contains(m.Render(), "no token matches the filter") {
		t.Error("empty result")
	}
	press(m, "backspace", "backspace", "backspace")
	if len(m.Visible()) != 5 {
		t.Error("backspace")
	}
	// Claims are searchable too.
	typeText(m, "api")
	if len(m.Visible()) != 1 {
		t.Errorf("claim search: %d", len(m.Visible()))
	}
}

func TestPasteCopyVerifyHelpQuit(t *testing.T) {
	v := newVerifier(t)
	m := newModel(t, v)
	raw := tok(t, "checkout", "carol", "", time.Hour, nil)

	run(m, func() tea.Msg {
		_, c := m.Update(tea.PasteMsg{Content: "Bearer " + raw + "\n"})
		return tea.BatchMsg{c}
	})
	e := m.Selected()
	if e == nil || e.User != "carol" || e.Source != "paste" || e.Status != StatusValid {
		t.Fatalf("bracketed paste: %+v", e)
	}
	// Pasting the same token again does not duplicate it.
	m.Update(tea.PasteMsg{Content: raw})
	if len(m.entries) != 6 {
		t.Errorf("%d entries", len(m.entries))
	}

	press(m, "p")
	if !m.pasting {
		t.Fatal("p should open the paste line")
	}
	other := tok(t, "checkout", "dave", "", time.Hour, nil)
	m.Update(tea.PasteMsg{Content: other})
	if m.Selected().User != "dave" {
		t.Errorf("paste line: %s", m.Selected().User)
	}

	_, cmd := m.Update(keyMsg("c"))
	if cmd == nil || !strings.Contains(m.status, "copied") {
		t.Fatalf("c: status %q", m.status)
	}
	if msg := cmd(); !strings.Contains(strings.ToLower(typeName(msg)), "clipboard") {
		t.Errorf("c should set the clipboard, got %T", msg)
	}

	before := v.calls
	run(m, press(m, "v"))
	if v.calls != before+1 {
		t.Errorf("v: %d calls", v.calls-before)
	}
	press(m, "?")
	if !m.showHelp || !strings.Contains(m.Render(), "re-verify all") {
		t.Error("? shows full help")
	}
	press(m, "x")
	if m.showHelp {
		t.Error("any key closes help")
	}
	_, cmd = m.Update(keyMsg("q"))
	if cmd == nil || cmd() != tea.Quit() {
		t.Error("q quits")
	}
}

func typeName(v any) string { return strings.TrimPrefix(strings.TrimPrefix(fmtType(v), "tea."), "*") }

func TestNoVerifierSaysSo(t *testing.T) {
	m := newModel(t, nil)
	press(m, "v")
	if !strings.Contains(m.status, "no keys to verify with") {
		t.Errorf("status %q", m.status)
	}
	if m.entries[0].Status != StatusUnverified {
		t.Error("status")
	}
}

func TestTickCountsDown(t *testing.T) {
	m := newModel(t, newVerifier(t))
	if !strings.Contains(m.Render(), "4m12s") {
		t.Fatal("countdown missing")
	}
	m.Update(TickMsg(now.Add(5 * time.Minute)))
	if got := m.countdown(m.entries[0]); got != "expired" {
		t.Errorf("countdown %q", got)
	}
	if !strings.Contains(m.Render(), "✗ expired 48s ago (valid when checked; v re-checks)") {
		t.Errorf("detail after expiry:\n%s", m.Render())
	}
}

func TestResizeKeepsFrame(t *testing.T) {
	m := newModel(t, newVerifier(t))
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {100, 30}, {60, 20}, {40, 10}, {200, 8}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkFrame(t, m, sz[0], sz[1])
		press(m, "j", "tab")
		checkFrame(t, m, sz[0], sz[1])
		press(m, "tab")
	}
}

// Golden final views at 80×24 (the minimum usable size) and 120×32.
func TestGoldenViews(t *testing.T) {
	t.Run("80x24", func(t *testing.T) {
		m := newModel(t, newVerifier(t))
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		golden.EqualString(t, filepath.Join("testdata", t.Name()+".golden"), checkFrame(t, m, 80, 24))
	})
	t.Run("120x32_expired_selected", func(t *testing.T) {
		m := newModel(t, newVerifier(t))
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 32})
		press(m, "j", "j")
		golden.EqualString(t, filepath.Join("testdata", t.Name()+".golden"), checkFrame(t, m, 120, 32))
	})
	t.Run("60x20_narrow_detail", func(t *testing.T) {
		m := newModel(t, newVerifier(t))
		m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
		press(m, "tab")
		golden.EqualString(t, filepath.Join("testdata", t.Name()+".golden"), checkFrame(t, m, 60, 20))
	})
}
