package new

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/scaffold"
)

// errCancelled: the user left the prompt (esc, ctrl+c).
var errCancelled = errors.New("cancelled; nothing was written")

// promptTUI asks on the terminal (stderr) for what is missing.
func promptTUI(o *Options, templates []scaffold.Template, flagsSet map[string]bool) error {
	m := newForm(o, templates, flagsSet)
	if m.done {
		return nil
	}
	p := tea.NewProgram(m, tea.WithInput(o.IO.In), tea.WithOutput(o.IO.ErrOut))
	final, err := p.Run()
	if err != nil {
		return err
	}
	f := final.(*form)
	if f.cancelled {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: errCancelled}
	}
	f.apply(o)
	return nil
}

// question is one text answer of the form.
type question struct {
	key      string // name, path, port
	label    string
	def      func(f *form) string
	validate func(string) error
}

// form is the Bubble Tea model: a template picker, then one text input per
// question, each showing its default as a placeholder: typing replaces it,
// enter on an empty field takes it (as Charm's and gh's prompts do).
type form struct {
	templates []scaffold.Template
	cursor    int
	picking   bool

	questions []question
	step      int
	input     lineInput
	answers   map[string]string
	dir       string

	err       string
	done      bool
	cancelled bool
}

func newForm(o *Options, templates []scaffold.Template, flagsSet map[string]bool) *form {
	f := &form{templates: templates, picking: o.Template == "", answers: map[string]string{}, dir: o.Dir}
	if o.Template != "" {
		f.answers["template"] = o.Template
	}
	if !flagsSet["name"] && o.Name == "" {
		f.questions = append(f.questions, question{"name", "App name", func(f *form) string {
			if f.dir != "" {
				return filepath.Base(filepath.Clean(f.dir))
			}
			if t, ok := f.chosen(); ok && !t.IsApp() {
				return filepath.Base(t.DefaultDir)
			}
			return f.answers["template"]
		}, scaffold.ValidateName})
	}
	if !flagsSet["path"] && o.Path == "" {
		f.questions = append(f.questions, question{"path", "Route under the proxy", func(f *form) string {
			name := f.answers["name"]
			if name == "" {
				name = o.Name
			}
			return "/" + name
		}, scaffold.ValidatePath})
	}
	if !flagsSet["port"] && o.Port == 0 {
		f.questions = append(f.questions, question{"port", "Dev-server port", func(*form) string {
			c, _ := scaffold.ReadConfig(o.ConfigFile)
			return strconv.Itoa(scaffold.NextFreePort(c, o.portInUse()))
		}, func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1024 || n > 65535 {
				return fmt.Errorf("a port is a number from 1024 to 65535")
			}
			return nil
		}})
	}
	if !f.picking {
		f.next()
	}
	return f
}

// chosen is the template picked (or given), when it is known.
func (f *form) chosen() (scaffold.Template, bool) {
	for _, t := range f.templates {
		if t.Name == f.answers["template"] {
			return t, true
		}
	}
	return scaffold.Template{}, false
}

// next moves to the next question, or finishes. A tool (kind tool) has no
// route or port, so those questions are skipped for it.
func (f *form) next() tea.Cmd {
	if t, ok := f.chosen(); ok && !t.IsApp() {
		for f.step < len(f.questions) && (f.questions[f.step].key == "path" || f.questions[f.step].key == "port") {
			f.step++
		}
	}
	if f.step >= len(f.questions) {
		f.done = true
		return tea.Quit
	}
	q := f.questions[f.step]
	f.input = lineInput{prompt: q.label + ": ", placeholder: q.def(f)}
	return nil
}

func (f *form) Init() tea.Cmd { return nil }

func (f *form) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	key, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if paste, ok := msg.(tea.PasteMsg); ok && !f.picking {
			f.input.insert(paste.Content)
		}
		return f, nil
	}
	switch key.String() {
	case "ctrl+c", "esc":
		f.cancelled = true
		return f, tea.Quit
	}
	if f.picking {
		switch key.String() {
		case "up", "k", "shift+tab":
			f.cursor = (f.cursor + len(f.templates) - 1) % len(f.templates)
		case "down", "j", "tab":
			f.cursor = (f.cursor + 1) % len(f.templates)
		case "enter", "space":
			f.answers["template"] = f.templates[f.cursor].Name
			f.picking = false
			return f, f.next()
		}
		return f, nil
	}
	if key.String() == "enter" {
		q := f.questions[f.step]
		v := strings.TrimSpace(string(f.input.value))
		if v == "" {
			v = f.input.placeholder
		}
		if err := q.validate(v); err != nil {
			f.err = err.Error()
			return f, nil
		}
		f.err = ""
		f.answers[q.key] = v
		f.step++
		return f, f.next()
	}
	f.input.key(key)
	return f, nil
}

func (f *form) View() tea.View {
	var b strings.Builder
	b.WriteString("Create a micro-frontend with silent-auth wiring (esc to cancel)\n\n")
	if f.picking {
		b.WriteString("Template:\n")
		for i, t := range f.templates {
			cursor := "  "
			if i == f.cursor {
				cursor = "> "
			}
			fmt.Fprintf(&b, "%s%-8s %s\n", cursor, t.Name, t.Description)
		}
		b.WriteString("\n↑/↓ choose · enter select\n")
		return tea.NewView(b.String())
	}
	fmt.Fprintf(&b, "Template: %s\n", f.answers["template"])
	for _, q := range f.questions[:min(f.step, len(f.questions))] {
		if _, answered := f.answers[q.key]; !answered {
			continue // skipped: a tool has no route or port
		}
		fmt.Fprintf(&b, "%s: %s\n", q.label, f.answers[q.key])
	}
	if !f.done {
		b.WriteString(f.input.view() + "\n")
	}
	if f.err != "" {
		b.WriteString("  ✗ " + f.err + "\n")
	}
	return tea.NewView(b.String())
}

// apply copies the answers into the options.
func (f *form) apply(o *Options) {
	if v := f.answers["template"]; v != "" {
		o.Template = v
	}
	if v := f.answers["name"]; v != "" {
		o.Name = v
	}
	if v := f.answers["path"]; v != "" {
		o.Path = v
	}
	if v := f.answers["port"]; v != "" {
		o.Port, _ = strconv.Atoi(v)
	}
}

// lineInput is a one-line text field: typing, backspace, ctrl+u. The
// placeholder shows (dimmed) while the field is empty; it is never part of
// the value, so typing "orders" gives "orders".
type lineInput struct {
	prompt      string
	placeholder string
	value       []rune
}

func (l *lineInput) insert(s string) {
	for _, r := range s {
		if r >= ' ' && r != 0x7f {
			l.value = append(l.value, r)
		}
	}
}

func (l *lineInput) key(k tea.KeyPressMsg) {
	switch k.String() {
	case "backspace", "ctrl+h":
		if len(l.value) > 0 {
			l.value = l.value[:len(l.value)-1]
		}
	case "ctrl+u":
		l.value = nil
	default:
		l.insert(k.Text)
	}
}

func (l lineInput) view() string {
	if len(l.value) == 0 && l.placeholder != "" {
		return l.prompt + "█" + placeholderStyle + l.placeholder + "\x1b[0m"
	}
	return l.prompt + string(l.value) + "█"
}

// placeholderStyle is faint text (SGR 2).
const placeholderStyle = "\x1b[2m"
