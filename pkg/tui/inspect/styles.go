package inspect

import "charm.land/lipgloss/v2"

// styles are the inspector's looks; all plain when colour is off (NO_COLOR,
// and the golden tests).
type styles struct {
	title, dim, bold, selected, header, key    lipgloss.Style
	ok, bad, warn, group, focusBar, blurredBar lipgloss.Style
}

func newStyles(color bool) styles {
	p := lipgloss.NewStyle()
	if !color {
		return styles{title: p, dim: p, bold: p, selected: p, header: p, key: p,
			ok: p, bad: p, warn: p, group: p, focusBar: p, blurredBar: p}
	}
	return styles{
		title:      p.Bold(true).Foreground(lipgloss.Color("#7D56F4")),
		dim:        p.Foreground(lipgloss.Color("245")),
		bold:       p.Bold(true),
		selected:   p.Reverse(true),
		header:     p.Bold(true).Underline(true),
		key:        p.Foreground(lipgloss.Color("6")),
		ok:         p.Foreground(lipgloss.Color("2")),
		bad:        p.Foreground(lipgloss.Color("1")),
		warn:       p.Foreground(lipgloss.Color("3")),
		group:      p.Foreground(lipgloss.Color("5")),
		focusBar:   p.Foreground(lipgloss.Color("#7D56F4")),
		blurredBar: p.Foreground(lipgloss.Color("240")),
	}
}
