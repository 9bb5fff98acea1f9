package inspect

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ssokit/ssokit/pkg/internal/plural"
	"github.com/ssokit/ssokit/pkg/token"
)

// narrow is the width below which one pane is shown at a time.
const narrow = 70

// View implements tea.Model.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "ssokit inspect"
	return v
}

// Render draws the whole screen as a string of exactly height lines.
func (m *Model) Render() string {
	w, h := max(m.width, 20), max(m.height, 5)
	lines := make([]string, 0, h)
	lines = append(lines, fit(m.titleLine(), w))
	body := h - 2
	if m.showHelp {
		m.help.ShowAll = true
		hl := strings.Split(m.help.View(m.keys), "\n")
		lines = append(lines, fit(m.st.bold.Render("Keys"), w), "")
		for _, l := range hl {
			lines = append(lines, fit("  "+l, w))
		}
		lines = append(lines, "", fit("  Sources: arguments, files, stdin, p or a bracketed paste, --follow URL.", w),
			fit("  Status: ✓ valid  ✗ invalid  ? unverified  … verifying  ! malformed  ○ opaque", w),
			fit("  Press any key to return.", w))
		for len(lines) < h-1 {
			lines = append(lines, "")
		}
		lines = lines[:h-1]
	} else {
		var left, right []string
		switch {
		case w < narrow && m.focus == listPane:
			left = m.listLines(w, body)
		case w < narrow:
			right = m.detailLines(w, body)
		default:
			lw := listWidth(w)
			left = m.listLines(lw, body)
			right = m.detailLines(w-lw-1, body)
		}
		sep := m.st.blurredBar.Render("│")
		for i := 0; i < body; i++ {
			switch {
			case left != nil && right != nil:
				lines = append(lines, left[i]+sep+right[i])
			case left != nil:
				lines = append(lines, left[i])
			default:
				lines = append(lines, right[i])
			}
		}
	}
	lines = append(lines, fit(m.footerLine(w), w))
	return strings.Join(lines, "\n")
}

func listWidth(w int) int {
	if w >= 110 {
		return 52
	}
	return max(34, w*45/100)
}

// fit truncates s to width w (ANSI-aware) and pads it with spaces.
func fit(s string, w int) string {
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if n := lipgloss.Width(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

func (m *Model) titleLine() string {
	n, shown := len(m.entries), 0
	for _, r := range m.rows {
		if r.entry != nil {
			shown++
		}
	}
	t := m.st.title.Render("ssokit inspect") + m.st.dim.Render(" · "+plural.Count(n, "token"))
	if m.filter != "" {
		t += m.st.dim.Render(fmt.Sprintf(" · %d shown", shown))
	}
	if m.follow != "" {
		state := m.follow
		switch {
		case strings.HasPrefix(state, "connected"):
			state = m.st.ok.Render(state)
		case strings.HasPrefix(state, "disconnected"):
			state = m.st.bad.Render(state)
		}
		t += m.st.dim.Render(" · following "+m.opts.FollowURL+" ") + state
	}
	return t
}

func (m *Model) footerLine(w int) string {
	switch {
	case m.filtering:
		return "/" + m.filter + "█" + m.st.dim.Render("  enter keep · esc clear")
	case m.pasting:
		return "paste token: " + ellipsizeMiddle(m.pasteBuf, max(10, w-40)) + "█" + m.st.dim.Render("  enter add · esc cancel")
	case m.status != "":
		return m.status
	}
	prefix := ""
	if m.filter != "" {
		prefix = "filter: " + m.filter + " · "
	}
	if m.lastEvt != "" && w >= 100 {
		prefix += "last event: " + m.lastEvt + " · "
	}
	m.help.ShowAll = false
	return prefix + m.help.ShortHelpView(m.keys.ShortHelp())
}

func ellipsizeMiddle(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n/2] + "…" + s[len(s)-n/2:]
}

// listLines renders the left pane: a header and the visible rows.
func (m *Model) listLines(w, h int) []string {
	out := make([]string, 0, h)
	cols := m.columns(w)
	hdr := cols.row("  ", "client", "user", "type", "issued", "expires", "")
	if m.focus == listPane {
		out = append(out, m.st.focusBar.Render(fit(hdr, w)))
	} else {
		out = append(out, m.st.dim.Render(fit(hdr, w)))
	}
	rows := h - 1
	if len(m.rows) == 0 {
		msg := "no tokens yet: paste one with p"
		if m.filter != "" {
			msg = "no token matches the filter"
		} else if m.follow != "" {
			msg = "waiting for tokens from the provider…"
		}
		out = append(out, fit(m.st.dim.Render("  "+msg), w))
	}
	m.offset = max(0, min(m.offset, len(m.rows)-rows))
	for i := m.offset; i < len(m.rows) && len(out) < h; i++ {
		r := m.rows[i]
		if r.entry == nil {
			out = append(out, fit(m.st.group.Render(m.groupTitle(r.group)), w))
			continue
		}
		e := r.entry
		mark := "  "
		if i == m.cursor {
			mark = "▸ "
		}
		line := cols.row(mark, orDash(e.ClientID), orDash(e.User), shortType(e.TokenType), m.clock(e.Iat), m.countdown(e), "")
		sym := m.statusSymbol(e)
		line = fit(line, w-2) + sym + " "
		if i == m.cursor && m.focus == listPane {
			line = m.st.selected.Render(ansi.Strip(line))
		}
		out = append(out, fit(line, w))
	}
	for len(out) < h {
		out = append(out, strings.Repeat(" ", w))
	}
	return out
}

func (m *Model) groupTitle(sid string) string {
	g := m.groups[sid]
	if sid == "" {
		return fmt.Sprintf("─ no session · %d", len(g))
	}
	user := ""
	for _, e := range g {
		if e.User != "" {
			user = " · " + e.User
			break
		}
	}
	ended := ""
	if m.ended[sid] {
		ended = " · signed out"
	}
	return fmt.Sprintf("─ session %s%s · %d%s", token.Printable(sid), user, len(g), ended)
}

type columns struct{ client, user, typ, iat, exp int }

func (m *Model) columns(w int) columns {
	c := columns{typ: 8, exp: 9}
	if w >= 48 {
		c.iat = 9
	}
	rest := w - 2 - 2 - c.typ - c.exp - c.iat
	c.client = max(4, rest/2)
	c.user = max(4, rest-c.client)
	return c
}

func (c columns) row(mark, client, user, typ, iat, exp, status string) string {
	cell := func(s string, n int) string {
		if n == 0 {
			return ""
		}
		return fit(token.Printable(s), n-1) + " "
	}
	return mark + cell(client, c.client) + cell(user, c.user) + cell(typ, c.typ) + cell(iat, c.iat) + cell(exp, c.exp) + status
}

func (m *Model) clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(time.Local).Format("15:04:05")
}

func (m *Model) countdown(e *Entry) string {
	if e.Exp.IsZero() {
		return "-"
	}
	d := e.Exp.Sub(m.now)
	if d <= 0 {
		return "expired"
	}
	return token.HumanDuration(d)
}

func (m *Model) statusSymbol(e *Entry) string {
	expired := !e.Exp.IsZero() && !m.now.Before(e.Exp)
	switch e.Status {
	case StatusValid:
		if expired {
			return m.st.bad.Render("✗")
		}
		return m.st.ok.Render("✓")
	case StatusInvalid:
		return m.st.bad.Render("✗")
	case StatusVerifying:
		return m.st.dim.Render("…")
	case StatusError:
		return m.st.warn.Render("?")
	case StatusMalformed:
		return m.st.bad.Render("!")
	case StatusOpaque:
		return m.st.dim.Render("○")
	}
	if expired {
		return m.st.bad.Render("✗")
	}
	return m.st.dim.Render("?")
}

// detailLines renders the right pane for the selected entry.
func (m *Model) detailLines(w, h int) []string {
	all := m.detailContent(w - 1)
	maxScroll := max(0, len(all)-h)
	m.scroll = min(m.scroll, maxScroll)
	out := make([]string, 0, h)
	for i := m.scroll; i < len(all) && len(out) < h; i++ {
		out = append(out, fit(" "+all[i], w))
	}
	for len(out) < h {
		out = append(out, strings.Repeat(" ", w))
	}
	return out
}

const maxRawShown = 64 << 10

func (m *Model) detailContent(w int) []string {
	e := m.Selected()
	st := m.st
	if e == nil {
		return []string{st.dim.Render("Select a token on the left.")}
	}
	var l []string
	add := func(s ...string) { l = append(l, s...) }
	title := fmt.Sprintf("%s · %s · %s", orDash(e.TokenType), orDash(e.ClientID), orDash(e.User))
	if m.focus == detailPane {
		title = st.focusBar.Render("▌") + st.bold.Render(token.Printable(title))
	} else {
		title = st.bold.Render(token.Printable(title))
	}
	add(title)
	src := "source " + e.Source + " · received " + m.clock(e.Received)
	if e.SID != "" {
		src += " · sid " + token.Printable(e.SID)
	}
	add(st.dim.Render(src), "")

	add(st.header.Render("Verification"))
	add(m.verdict(e)...)
	add("")

	if e.Token == nil {
		if e.DecodeErr != nil {
			add(st.bad.Render(e.DecodeErr.Error()))
		} else {
			add(st.dim.Render("opaque token: not a JWT, nothing to decode"))
		}
	} else {
		u := e.Token
		label := "Header"
		if u.Kind == token.KindJWE {
			label = "Protected header (encrypted token: `ssokit token decode --key` decrypts it)"
		}
		add(st.header.Render(label))
		add(m.members(u.HeaderKeys, u.Header, token.ExplainHeader, w)...)
		if u.Kind == token.KindJWS {
			add("", st.header.Render("Claims")+st.dim.Render(" (unverified until checked above)"))
			add(m.members(u.ClaimKeys, u.Claims, token.ExplainClaim, w)...)
		}
	}
	add("", st.header.Render("Raw")+st.dim.Render(fmt.Sprintf(" (%d bytes; c copies)", len(e.Raw))))
	raw := e.Raw
	if len(raw) > maxRawShown {
		raw = raw[:maxRawShown]
	}
	raw = token.Printable(raw)
	step := max(10, w-1)
	for i := 0; i < len(raw); i += step {
		add(st.dim.Render(raw[i:min(len(raw), i+step)]))
	}
	if len(e.Raw) > maxRawShown {
		add(st.dim.Render("… (truncated; c copies all of it)"))
	}
	return l
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (m *Model) verdict(e *Entry) []string {
	st := m.st
	switch e.Status {
	case StatusVerifying:
		return []string{st.dim.Render("… verifying")}
	case StatusError:
		return []string{st.warn.Render("? cannot verify: " + token.Printable(e.VerifyErr))}
	case StatusMalformed:
		return []string{st.bad.Render("! malformed")}
	case StatusOpaque:
		return []string{st.dim.Render("○ opaque: verify it with the provider's /introspect")}
	case StatusUnverified:
		return []string{st.warn.Render("? unverified: no keys (start with --issuer, --jwks, --key, --secret or --follow); v verifies")}
	}
	r := e.Result
	var out []string
	if r.Valid {
		line := "✓ valid"
		if !e.Exp.IsZero() && !m.now.Before(e.Exp) {
			out = append(out, st.bad.Render("✗ expired "+token.HumanDuration(m.now.Sub(e.Exp))+" ago (valid when checked; v re-checks)"))
		} else {
			out = append(out, st.ok.Render(line))
		}
	} else {
		out = append(out, st.bad.Render("✗ invalid: "+token.Printable(r.Reason)))
	}
	for _, c := range r.Checks {
		mark := st.ok.Render("✓")
		if !c.OK {
			mark = st.bad.Render("✗")
		}
		out = append(out, fmt.Sprintf("  %s %-9s %s", mark, c.Name, token.Printable(c.Detail)))
	}
	return out
}

func (m *Model) members(keys []string, vals map[string]any, explain func(string) string, w int) []string {
	kw := 0
	for _, k := range keys {
		kw = max(kw, len(token.Printable(k)))
	}
	kw = min(kw, 20)
	vs := make([]string, len(keys))
	vw := 0
	for i, k := range keys {
		vs[i] = m.value(k, vals[k])
		vw = max(vw, lipgloss.Width(vs[i]))
	}
	vw = min(vw, max(10, w-kw-4-24))
	out := make([]string, 0, len(keys))
	for i, k := range keys {
		v := vs[i]
		if lipgloss.Width(v) < vw {
			v += strings.Repeat(" ", vw-lipgloss.Width(v))
		}
		line := "  " + m.st.key.Render(fit(token.Printable(k), kw)) + "  " + v
		if ex := explain(k); ex != "" && w >= 60 {
			room := w - lipgloss.Width(line) - 2
			if room >= 8 {
				line += "  " + m.st.dim.Render(ansi.Truncate(ex, room, "…"))
			}
		}
		out = append(out, strings.TrimRight(line, " "))
	}
	return out
}

func (m *Model) value(name string, v any) string {
	if token.IsNumericDate(name) {
		if t, ok := token.NumericDate(v); ok {
			rel := token.Relative(name, t, m.now)
			if name == "exp" && !t.After(m.now) {
				rel = m.st.bad.Render(rel)
			}
			return t.In(time.Local).Format(time.RFC3339) + " (" + rel + ")"
		}
	}
	if s, ok := v.(string); ok {
		return token.Printable(s)
	}
	b, _ := json.Marshal(v)
	return token.Printable(string(b))
}
