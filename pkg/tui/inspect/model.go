package inspect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/plural"
	"github.com/ssokit/ssokit/pkg/token"
)

// Options configure the inspector.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Verifier checks tokens; nil means tokens are shown unverified.
	Verifier Verifier
	// Events and Status feed follow mode (see Follow); nil without it.
	Events    <-chan events.Event
	Status    <-chan events.FollowStatus
	FollowURL string
	// Color enables styling; false for NO_COLOR and tests.
	Color bool
	// Context bounds verification work; context.Background when nil.
	Context context.Context
	// TickInterval drives the countdowns; one second when zero, negative
	// to disable (tests drive time with TickMsg).
	TickInterval time.Duration
}

// Input is a token handed to the inspector at start.
type Input struct {
	Raw  string
	Meta Meta
}

type pane int

const (
	listPane pane = iota
	detailPane
)

// row is one line of the list: a session header or an entry.
type row struct {
	group string // session header when entry is nil
	entry *Entry
}

// Model is the inspector's Bubble Tea model.
type Model struct {
	opts Options
	ctx  context.Context

	entries []*Entry
	byRaw   map[string]*Entry
	byID    map[int]*Entry
	groups  map[string][]*Entry
	order   []string // session keys in order of first appearance
	ended   map[string]bool

	rows     []row
	cursor   int // index into rows; always an entry row when any exist
	offset   int // first list row shown
	selected int // ID of the selected entry, kept across refilters

	filtering bool
	filter    string
	terms     []string
	pasting   bool
	pasteBuf  string

	focus    pane
	scroll   int // detail pane scroll offset
	showHelp bool
	status   string
	follow   string // follow connection state, "" without follow
	lastEvt  string

	width, height int
	now           time.Time
	nextID        int

	st   styles
	keys keyMap
	help help.Model
}

// New returns the inspector model holding inputs.
func New(opts Options, inputs []Input) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.TickInterval == 0 {
		opts.TickInterval = time.Second
	}
	m := &Model{
		opts: opts, ctx: opts.Context,
		byRaw: map[string]*Entry{}, byID: map[int]*Entry{}, groups: map[string][]*Entry{}, ended: map[string]bool{},
		width: 80, height: 24, now: opts.Now(), selected: -1,
		st: newStyles(opts.Color), keys: defaultKeys(), help: help.New(),
	}
	if !opts.Color {
		p := lipgloss.NewStyle()
		m.help.Styles = help.Styles{ShortKey: p, ShortDesc: p, ShortSeparator: p, FullKey: p, FullDesc: p, FullSeparator: p, Ellipsis: p}
	}
	if opts.Events != nil {
		m.follow = "connecting"
	}
	for _, in := range inputs {
		m.add(in.Raw, in.Meta)
	}
	m.refilter()
	return m
}

// TickMsg advances the inspector's clock: countdowns and expiry.
type TickMsg time.Time

// AddMsg adds a token, as a paste or a new source would.
type AddMsg Input

type verifiedMsg struct {
	id  int
	res *token.Result
	err error
}

type eventMsg events.Event
type followStatusMsg events.FollowStatus
type followClosedMsg struct{}

// Init starts verification of the initial tokens, the clock and the stream.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick()}
	for _, e := range m.entries {
		cmds = append(cmds, m.verify(e, false))
	}
	if m.opts.Events != nil {
		cmds = append(cmds, m.waitEvent(), m.waitStatus())
	}
	return tea.Batch(cmds...)
}

func (m *Model) tick() tea.Cmd {
	if m.opts.TickInterval < 0 {
		return nil
	}
	return tea.Tick(m.opts.TickInterval, func(t time.Time) tea.Msg { return TickMsg(m.opts.Now()) })
}

func (m *Model) waitEvent() tea.Cmd {
	ch := m.opts.Events
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return followClosedMsg{}
		}
		return eventMsg(e)
	}
}

func (m *Model) waitStatus() tea.Cmd {
	ch := m.opts.Status
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return followStatusMsg(s)
	}
}

// add records a token; duplicates (a replayed event) are ignored.
func (m *Model) add(raw string, meta Meta) *Entry {
	raw = token.Normalize(raw)
	if raw == "" {
		return nil
	}
	if e, ok := m.byRaw[raw]; ok {
		return e
	}
	if meta.Received.IsZero() {
		meta.Received = m.now
	}
	e := newEntry(m.nextID, raw, meta)
	m.nextID++
	m.entries = append(m.entries, e)
	m.byRaw[raw] = e
	m.byID[e.ID] = e
	if _, ok := m.groups[e.SID]; !ok {
		m.order = append(m.order, e.SID)
	}
	m.groups[e.SID] = append(m.groups[e.SID], e)
	return e
}

func (m *Model) verify(e *Entry, refresh bool) tea.Cmd {
	if e == nil || m.opts.Verifier == nil || e.Token == nil || e.Token.Kind != token.KindJWS {
		return nil
	}
	e.Status = StatusVerifying
	v, ctx, id, raw := m.opts.Verifier, m.ctx, e.ID, e.Raw
	return func() tea.Msg {
		res, err := v.Verify(ctx, raw, refresh)
		return verifiedMsg{id: id, res: res, err: err}
	}
}

// refilter rebuilds the visible rows from the filter, keeping the selection.
func (m *Model) refilter() {
	m.rows = m.rows[:0]
	grouped := len(m.order) > 1 || (len(m.order) == 1 && m.order[0] != "")
	for _, g := range m.order {
		first := true
		for _, e := range m.groups[g] {
			if !e.matches(m.terms) {
				continue
			}
			if first && grouped {
				m.rows = append(m.rows, row{group: g})
			}
			first = false
			m.rows = append(m.rows, row{entry: e})
		}
	}
	m.cursor = -1
	for i, r := range m.rows {
		if r.entry != nil && r.entry.ID == m.selected {
			m.cursor = i
			break
		}
	}
	if m.cursor < 0 {
		m.moveTo(0, 1)
	}
	m.clampOffset()
}

// moveTo puts the cursor on the first entry row at or after i in direction dir.
func (m *Model) moveTo(i, dir int) {
	if len(m.rows) == 0 {
		m.cursor, m.selected = 0, -1
		return
	}
	i = max(0, min(i, len(m.rows)-1))
	for j := i; j >= 0 && j < len(m.rows); j += dir {
		if m.rows[j].entry != nil {
			m.setCursor(j)
			return
		}
	}
	for j := i; j >= 0 && j < len(m.rows); j -= dir {
		if m.rows[j].entry != nil {
			m.setCursor(j)
			return
		}
	}
}

func (m *Model) setCursor(i int) {
	if m.cursor != i {
		m.scroll = 0
	}
	m.cursor = i
	m.selected = m.rows[i].entry.ID
	m.clampOffset()
}

func (m *Model) listHeight() int { return max(1, m.height-3) }

func (m *Model) clampOffset() {
	h := m.listHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
		// show the session header above the first entry of a group
		if m.offset > 0 && m.rows[m.offset-1].entry == nil {
			m.offset--
		}
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.rows)-h))
}

// Selected returns the selected entry, or nil.
func (m *Model) Selected() *Entry {
	if m.cursor >= 0 && m.cursor < len(m.rows) {
		return m.rows[m.cursor].entry
	}
	return nil
}

// Entries returns every token held, in arrival order.
func (m *Model) Entries() []*Entry { return m.entries }

// Visible returns the entries the filter lets through, in list order.
func (m *Model) Visible() []*Entry {
	var out []*Entry
	for _, r := range m.rows {
		if r.entry != nil {
			out = append(out, r.entry)
		}
	}
	return out
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.clampOffset()
		return m, nil
	case TickMsg:
		m.now = time.Time(msg)
		return m, m.tick()
	case AddMsg:
		e := m.add(msg.Raw, msg.Meta)
		m.refilter()
		return m, m.verify(e, false)
	case verifiedMsg:
		if e, ok := m.byID[msg.id]; ok {
			e.Result, e.VerifyErr = msg.res, ""
			switch {
			case msg.err != nil:
				e.Status, e.VerifyErr = StatusError, msg.err.Error()
			case msg.res.Valid:
				e.Status = StatusValid
			default:
				e.Status = StatusInvalid
			}
		}
		return m, nil
	case eventMsg:
		return m, tea.Batch(m.onEvent(events.Event(msg)), m.waitEvent())
	case followStatusMsg:
		if msg.Connected {
			m.follow = "connected"
		} else if msg.Err != nil {
			m.follow = "disconnected, retrying"
			m.status = "event stream: " + msg.Err.Error()
		}
		return m, m.waitStatus()
	case followClosedMsg:
		m.follow = "stopped"
		return m, nil
	case tea.PasteMsg:
		if m.filtering {
			m.filter += strings.ReplaceAll(msg.Content, "\n", " ")
			m.setFilter(m.filter)
			return m, nil
		}
		m.pasting, m.pasteBuf = false, ""
		return m, m.addPasted(msg.Content)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return m, nil
}

func (m *Model) onEvent(e events.Event) tea.Cmd {
	m.lastEvt = strings.TrimSpace(fmt.Sprintf("%s %s %s", e.Kind, e.ClientID, e.User))
	if e.Tenant != "" {
		m.lastEvt = e.Tenant + ": " + m.lastEvt // the root's stream carries every tenant's
	}
	if e.Kind == "logout" && e.SID != "" {
		m.ended[e.SID] = true
	}
	if e.Token == "" {
		return nil
	}
	recv := e.Time
	if recv.IsZero() {
		recv = m.now
	}
	en := m.add(e.Token, Meta{Source: "follow", ClientID: e.ClientID, User: e.User, SID: e.SID, TokenType: e.TokenType, Received: recv})
	m.refilter()
	return m.verify(en, false)
}

// addPasted adds every whitespace-separated token in text.
func (m *Model) addPasted(text string) tea.Cmd {
	var cmds []tea.Cmd
	n := 0
	var last *Entry
	for _, f := range strings.Fields(token.Normalize(text)) {
		if strings.EqualFold(f, "bearer") {
			continue
		}
		if e := m.add(f, Meta{Source: "paste"}); e != nil {
			cmds = append(cmds, m.verify(e, false))
			last = e
			n++
		}
	}
	if last != nil {
		m.selected = last.ID
	}
	m.refilter()
	m.status = "pasted " + plural.Count(n, "token")
	return tea.Batch(cmds...)
}

func (m *Model) setFilter(s string) {
	m.filter = s
	m.terms = strings.Fields(strings.ToLower(s))
	m.refilter()
}

func (m *Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := msg.String()
	if k == "ctrl+c" {
		return m, tea.Quit
	}
	if m.filtering || m.pasting {
		return m.onInputKey(msg)
	}
	m.status = ""
	if m.showHelp && k != "?" && k != "q" {
		m.showHelp = false
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, m.keys.Tab):
		if m.focus == listPane {
			m.focus = detailPane
		} else {
			m.focus = listPane
		}
	case key.Matches(msg, m.keys.Filter):
		m.filtering = true
	case key.Matches(msg, m.keys.Clear):
		m.setFilter("")
	case key.Matches(msg, m.keys.Paste):
		m.pasting, m.pasteBuf = true, ""
	case key.Matches(msg, m.keys.Copy):
		if e := m.Selected(); e != nil {
			m.status = fmt.Sprintf("copied %d bytes to the clipboard (OSC 52)", len(e.Raw))
			return m, tea.SetClipboard(e.Raw)
		}
	case key.Matches(msg, m.keys.Verify):
		if e := m.Selected(); e != nil {
			if m.opts.Verifier == nil {
				m.status = "no keys to verify with: start with --issuer, --jwks, --key, --secret or --follow"
				return m, nil
			}
			return m, m.verify(e, true)
		}
	case key.Matches(msg, m.keys.VerifyAll):
		var cmds []tea.Cmd
		for i, e := range m.entries {
			cmds = append(cmds, m.verify(e, i == 0))
		}
		return m, tea.Batch(cmds...)
	case key.Matches(msg, m.keys.Up):
		m.move(-1)
	case key.Matches(msg, m.keys.Down):
		m.move(1)
	case key.Matches(msg, m.keys.PageUp):
		m.move(-m.listHeight())
	case key.Matches(msg, m.keys.PageDown):
		m.move(m.listHeight())
	case key.Matches(msg, m.keys.Top):
		if m.focus == detailPane {
			m.scroll = 0
		} else {
			m.moveTo(0, 1)
		}
	case key.Matches(msg, m.keys.Bottom):
		if m.focus == detailPane {
			m.scroll = 1 << 30
		} else {
			m.moveTo(len(m.rows)-1, -1)
		}
	}
	return m, nil
}

func (m *Model) move(n int) {
	if m.focus == detailPane {
		m.scroll = max(0, m.scroll+n)
		return
	}
	if len(m.rows) == 0 {
		return
	}
	dir := 1
	if n < 0 {
		dir = -1
	}
	target := m.cursor
	for steps := 0; steps < abs(n); steps++ {
		next := target + dir
		for next >= 0 && next < len(m.rows) && m.rows[next].entry == nil {
			next += dir
		}
		if next < 0 || next >= len(m.rows) {
			break
		}
		target = next
	}
	m.setCursor(target)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// onInputKey edits the filter or paste line.
func (m *Model) onInputKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	buf := &m.filter
	if m.pasting {
		buf = &m.pasteBuf
	}
	switch msg.String() {
	case "esc":
		if m.filtering {
			m.filtering = false
			m.setFilter("")
		} else {
			m.pasting, m.pasteBuf = false, ""
		}
		return m, nil
	case "enter":
		if m.filtering {
			m.filtering = false
			return m, nil
		}
		text := m.pasteBuf
		m.pasting, m.pasteBuf = false, ""
		return m, m.addPasted(text)
	case "backspace":
		if r := []rune(*buf); len(r) > 0 {
			*buf = string(r[:len(r)-1])
		}
	case "ctrl+u":
		*buf = ""
	case "up", "down":
		if m.filtering {
			m.move(map[string]int{"up": -1, "down": 1}[msg.String()])
		}
		return m, nil
	default:
		if msg.Text == "" {
			return m, nil
		}
		*buf += msg.Text
	}
	if m.filtering {
		m.setFilter(m.filter)
	}
	return m, nil
}
