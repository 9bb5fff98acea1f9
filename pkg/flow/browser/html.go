package browser

import (
	"html"
	"strings"
)

// tag is one HTML start or end tag found by scanTags.
type tag struct {
	name  string
	end   bool
	attrs map[string]string
	order []string // attribute names in source order
	// text is the raw content of script, style, textarea and title
	// elements, and the visible text of a button.
	text string
}

func (t tag) attr(name string) (string, bool) {
	v, ok := t.attrs[name]
	return v, ok
}

// maxButtonText bounds the markup read for one button's label.
const maxButtonText = 4096

// rawTextElements hold text that is not markup.
var rawTextElements = map[string]bool{"script": true, "style": true, "textarea": true, "title": true, "xmp": true}

// scanTags is a small, forgiving HTML tag scanner: enough to find forms,
// inputs, buttons, iframes and scripts in a provider's pages. It never
// fails; malformed markup yields fewer tags.
func scanTags(s string) []tag {
	var out []tag
	lower := strings.ToLower(s)
	closeAt := strings.Index(lower, "</button") // next </button at or after the cursor
	i := 0
	for i < len(s) {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			break
		}
		i += j
		switch {
		case strings.HasPrefix(s[i:], "<!--"):
			k := strings.Index(s[i+4:], "-->")
			if k < 0 {
				return out
			}
			i += 4 + k + 3
			continue
		case strings.HasPrefix(s[i:], "<!") || strings.HasPrefix(s[i:], "<?"):
			k := strings.IndexByte(s[i:], '>')
			if k < 0 {
				return out
			}
			i += k + 1
			continue
		}
		t, next, ok := parseTag(s, i+1)
		if !ok {
			i++
			continue
		}
		i = next
		if !t.end && rawTextElements[t.name] {
			k := strings.Index(lower[i:], "</"+t.name)
			if k < 0 {
				k = len(s) - i
			}
			t.text = s[i : i+k]
			i += k
		}
		if !t.end && t.name == "button" {
			// The next closing tag, found by a cursor that only moves
			// forward: a page of unclosed buttons stays linear.
			for closeAt >= 0 && closeAt < i {
				if k := strings.Index(lower[closeAt+1:], "</button"); k >= 0 {
					closeAt += 1 + k
				} else {
					closeAt = -1
				}
			}
			if closeAt >= i && closeAt-i <= maxButtonText {
				t.text = visibleText(s[i:closeAt])
			}
		}
		out = append(out, t)
	}
	return out
}

// parseTag parses a tag whose '<' is just before s[i]. It returns the index
// after the closing '>'.
func parseTag(s string, i int) (t tag, next int, ok bool) {
	if i < len(s) && s[i] == '/' {
		t.end = true
		i++
	}
	start := i
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == start || !isAlpha(s[start]) {
		return t, 0, false
	}
	t.name = strings.ToLower(s[start:i])
	t.attrs = map[string]string{}
	for i < len(s) {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return t, i, true
		}
		if s[i] == '>' {
			return t, i + 1, true
		}
		if s[i] == '/' {
			i++
			continue
		}
		ns := i
		for i < len(s) && !isSpace(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/' {
			i++
		}
		name := strings.ToLower(s[ns:i])
		if name == "" { // a stray '=': skip it
			i++
			continue
		}
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		val := ""
		if i < len(s) && s[i] == '=' {
			i++
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			if i < len(s) && (s[i] == '"' || s[i] == '\'') {
				q := s[i]
				k := strings.IndexByte(s[i+1:], q)
				if k < 0 {
					val, i = s[i+1:], len(s)
				} else {
					val, i = s[i+1:i+1+k], i+1+k+1
				}
			} else {
				vs := i
				for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
					i++
				}
				val = s[vs:i]
			}
		}
		if _, dup := t.attrs[name]; !dup {
			t.attrs[name] = html.UnescapeString(val)
			t.order = append(t.order, name)
		}
	}
	return t, len(s), true
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }
func isAlpha(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isNameByte(b byte) bool {
	return isAlpha(b) || b >= '0' && b <= '9' || b == '-' || b == '_' || b == ':'
}

// visibleText drops the tags from a fragment and collapses whitespace.
func visibleText(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '<':
			in = true
		case s[i] == '>':
			in = false
		case !in:
			b.WriteByte(s[i])
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}
