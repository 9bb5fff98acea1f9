package browser

import (
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Field is a form control: an input, select, textarea or button.
type Field struct {
	Name, Type, Value string
	Checked           bool
	// Text is a button's visible text.
	Text string
}

// Form is an HTML form found in a page.
type Form struct {
	ID     string
	Action *url.URL
	Method string // GET or POST
	Fields []Field
	// Buttons are the form's submit buttons, in document order.
	Buttons []Field
}

// Document is what the virtual browser understands of an HTML page.
type Document struct {
	Title   string
	Forms   []Form
	IFrames []*url.URL
	// AutoSubmit is true when a script or onload handler submits the first
	// form, as response_mode=form_post pages do.
	AutoSubmit bool
	// Scripts holds inline script text, for web_message responses.
	Scripts []string
}

// ParseDocument reads an HTML page located at base.
func ParseDocument(body []byte, base *url.URL) Document {
	var d Document
	tags := scanTags(string(body))
	byID := map[string]int{}
	cur := -1
	resolve := func(ref string) *url.URL {
		if base == nil {
			u, err := url.Parse(ref)
			if err != nil {
				return nil
			}
			return u
		}
		u, err := base.Parse(strings.TrimSpace(ref))
		if err != nil {
			return nil
		}
		return u
	}
	// owner returns the form a control belongs to: its form="id" attribute
	// (controls may sit outside their form), else the enclosing form.
	owner := func(t tag) int {
		if id, ok := t.attr("form"); ok {
			if i, ok := byID[id]; ok {
				return i
			}
			return -1
		}
		return cur
	}
	var pendingOwner []struct {
		t tag
	}
	addControl := func(i int, t tag) {
		typ := strings.ToLower(t.attrs["type"])
		name, value := t.attrs["name"], t.attrs["value"]
		_, checked := t.attrs["checked"]
		_, disabled := t.attrs["disabled"]
		if disabled {
			return
		}
		f := &d.Forms[i]
		switch t.name {
		case "button":
			if typ == "" || typ == "submit" {
				f.Buttons = append(f.Buttons, Field{Name: name, Type: "submit", Value: value, Text: t.text})
			}
		case "input":
			if typ == "" {
				typ = "text"
			}
			switch typ {
			case "submit", "image":
				f.Buttons = append(f.Buttons, Field{Name: name, Type: typ, Value: value, Text: value})
			case "button", "reset", "file":
			default:
				f.Fields = append(f.Fields, Field{Name: name, Type: typ, Value: value, Checked: checked})
			}
		case "textarea":
			f.Fields = append(f.Fields, Field{Name: name, Type: "textarea", Value: t.text})
		case "select":
			f.Fields = append(f.Fields, Field{Name: name, Type: "select"})
		}
	}
	lastSelect := -1
	for _, t := range tags {
		switch {
		case t.name == "title" && !t.end && d.Title == "":
			d.Title = strings.TrimSpace(t.text)
		case t.name == "form" && !t.end:
			method := strings.ToUpper(t.attrs["method"])
			if method != "POST" {
				method = "GET"
			}
			action := resolve(t.attrs["action"])
			if action == nil {
				action = base
			}
			d.Forms = append(d.Forms, Form{ID: t.attrs["id"], Action: action, Method: method})
			cur = len(d.Forms) - 1
			if id := t.attrs["id"]; id != "" {
				byID[id] = cur
			}
			if on, ok := t.attr("onload"); ok && strings.Contains(on, "submit") {
				d.AutoSubmit = true
			}
		case t.name == "form" && t.end:
			cur = -1
		case (t.name == "input" || t.name == "button" || t.name == "textarea" || t.name == "select") && !t.end:
			if _, hasForm := t.attr("form"); hasForm {
				if _, known := byID[t.attrs["form"]]; !known {
					pendingOwner = append(pendingOwner, struct{ t tag }{t})
					continue
				}
			}
			if i := owner(t); i >= 0 {
				addControl(i, t)
				if t.name == "select" {
					lastSelect = i
				}
			}
		case t.name == "select" && t.end:
			lastSelect = -1
		case t.name == "option" && !t.end && lastSelect >= 0:
			fs := d.Forms[lastSelect].Fields
			if len(fs) > 0 && fs[len(fs)-1].Type == "select" {
				sel := &fs[len(fs)-1]
				v, hasV := t.attrs["value"]
				if !hasV {
					v = ""
				}
				if _, selected := t.attrs["selected"]; selected || !sel.Checked {
					sel.Value, sel.Checked = v, true
				}
			}
		case t.name == "iframe" && !t.end:
			if src, ok := t.attr("src"); ok && src != "" {
				if u := resolve(src); u != nil {
					d.IFrames = append(d.IFrames, u)
				}
			}
		case t.name == "body" && !t.end:
			if on, ok := t.attr("onload"); ok && strings.Contains(on, "submit") {
				d.AutoSubmit = true
			}
		case t.name == "script" && !t.end:
			d.Scripts = append(d.Scripts, t.text)
			if strings.Contains(t.text, ".submit()") || strings.Contains(t.text, "requestSubmit(") {
				d.AutoSubmit = true
			}
		}
	}
	// Controls that named a form declared after them.
	for _, p := range pendingOwner {
		if i, ok := byID[p.t.attrs["form"]]; ok {
			addControl(i, p.t)
		}
	}
	if len(d.Forms) == 0 {
		d.AutoSubmit = false
	}
	return d
}

// HasPassword reports whether the form has a password field.
func (f Form) HasPassword() bool {
	for _, fl := range f.Fields {
		if fl.Type == "password" {
			return true
		}
	}
	return false
}

// Values returns what submitting the form with button would send: every
// named field with its current value (checkboxes and radios only when
// checked) and the button's name=value when it has a name.
func (f Form) Values(button *Field) url.Values {
	v := url.Values{}
	for _, fl := range f.Fields {
		if fl.Name == "" {
			continue
		}
		if (fl.Type == "checkbox" || fl.Type == "radio") && !fl.Checked {
			continue
		}
		if (fl.Type == "checkbox" || fl.Type == "radio") && fl.Value == "" {
			v.Add(fl.Name, "on")
			continue
		}
		v.Add(fl.Name, fl.Value)
	}
	if button != nil && button.Name != "" {
		v.Add(button.Name, button.Value)
	}
	return v
}

// LoginForm returns the page's login form: the first form with a password
// field.
func (d Document) LoginForm() (Form, bool) {
	for _, f := range d.Forms {
		if f.HasPassword() {
			return f, true
		}
	}
	return Form{}, false
}

var usernameHint = regexp.MustCompile(`(?i)user|login|email|mail|identifier|account|name`)

// ErrNoUsernameField is returned when a login form has no field to type a
// username into.
var ErrNoUsernameField = errors.New("login form has no username field")

// FillLogin fills a login form the way a person would: the username into
// the text-like field (preferring names like username, login, email), the
// password into the password field(s); hidden inputs keep their values. It
// returns the submission for the form's first submit button.
func FillLogin(f Form, username, password string) (url.Values, error) {
	userIdx := -1
	for i, fl := range f.Fields {
		switch fl.Type {
		case "text", "email", "tel", "search":
			if userIdx < 0 || usernameHint.MatchString(fl.Name) && !usernameHint.MatchString(f.Fields[userIdx].Name) {
				userIdx = i
			}
		}
	}
	if userIdx < 0 {
		return nil, ErrNoUsernameField
	}
	filled := f
	filled.Fields = append([]Field(nil), f.Fields...)
	filled.Fields[userIdx].Value = username
	for i := range filled.Fields {
		if filled.Fields[i].Type == "password" {
			filled.Fields[i].Value = password
		}
	}
	var btn *Field
	if len(f.Buttons) > 0 {
		btn = &f.Buttons[0]
	}
	return filled.Values(btn), nil
}

var (
	approveWords = regexp.MustCompile(`(?i)\b(approve|allow|accept|authori[sz]e|continue|confirm|consent|grant|yes|agree|sign me out|log ?out|sign ?out|ok)\b`)
	denyWords    = regexp.MustCompile(`(?i)\b(deny|cancel|abort|reject|decline|no|stay)\b`)
)

// ConsentForm returns a POST form without a password field and the button
// that agrees: consent screens, "continue" interstitials and logout
// confirmations. A button whose name, value or text reads like approval
// wins; buttons that read like refusal are never chosen.
func (d Document) ConsentForm() (Form, *Field, bool) {
	for _, f := range d.Forms {
		if f.Method != "POST" || f.HasPassword() {
			continue
		}
		var fallback *Field
		for i := range f.Buttons {
			b := &f.Buttons[i]
			label := b.Text + " " + b.Value + " " + b.Name
			if denyWords.MatchString(label) && !approveWords.MatchString(label) {
				continue
			}
			if approveWords.MatchString(label) {
				return f, b, true
			}
			if fallback == nil {
				fallback = b
			}
		}
		if fallback != nil || len(f.Buttons) == 0 {
			return f, fallback, true
		}
	}
	return Form{}, nil, false
}

var (
	webMessageMarker = regexp.MustCompile(`authorization_response`)
	jsStringField    = regexp.MustCompile(`["']?\b(code|state|error|error_description|iss|id_token|access_token)\b["']?\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`)
)

// WebMessageResponse extracts the authorization response a
// response_mode=web_message page posts to its parent
// ({type: "authorization_response", response: {code, state}}).
func (d Document) WebMessageResponse() (url.Values, bool) {
	for _, s := range d.Scripts {
		if !webMessageMarker.MatchString(s) {
			continue
		}
		v := url.Values{}
		for _, m := range jsStringField.FindAllStringSubmatch(s, -1) {
			raw := m[2][1 : len(m[2])-1]
			if m[2][0] == '"' {
				if u, err := strconv.Unquote(strings.ReplaceAll(m[2], `\/`, `/`)); err == nil {
					raw = u
				}
			} else {
				raw = strings.NewReplacer(`\/`, `/`, `\'`, `'`, `\\`, `\`).Replace(raw)
			}
			if v.Get(m[1]) == "" {
				v.Set(m[1], raw)
			}
		}
		if v.Get("code") != "" || v.Get("error") != "" {
			return v, true
		}
	}
	return nil, false
}
