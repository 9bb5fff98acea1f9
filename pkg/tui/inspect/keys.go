package inspect

import "charm.land/bubbles/v2/key"

// keyMap is the inspector's key bindings; it feeds the help view too.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Tab, Filter, Copy, Verify, VerifyAll    key.Binding
	Paste, Help, Quit, Clear                key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "space"), key.WithHelp("pgdn", "page down")),
		Top:       key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Tab:       key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "switch pane")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Copy:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy token")),
		Verify:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "re-verify")),
		VerifyAll: key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "re-verify all")),
		Paste:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "paste token")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Clear:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Tab, k.Filter, k.Copy, k.Verify, k.Paste, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Tab, k.Filter, k.Clear, k.Paste},
		{k.Copy, k.Verify, k.VerifyAll, k.Help, k.Quit},
	}
}
