package browser

import (
	"html"
	"regexp"
	"strings"
)

var (
	reInvisible = regexp.MustCompile(`(?is)<head\b.*?</head\s*>|<script\b.*?</script\s*>|<style\b.*?</style\s*>|<template\b.*?</template\s*>|<noscript\b.*?</noscript\s*>|<!--.*?-->`)
	reBlock     = regexp.MustCompile(`(?i)<(br|/?p|/?div|/?h[1-6]|/?li|/?tr|/?pre|/?section|/?main|/?article|/?header|/?footer|/?dt|/?dd)\b[^>]*>`)
	reInline    = regexp.MustCompile(`(?i)</?(a|abbr|b|code|em|i|kbd|samp|small|span|strong|u)\b[^>]*>`)
	reTag       = regexp.MustCompile(`(?s)<[^>]*>`)
)

// VisibleText is the text a person sees on an HTML page: no head, scripts,
// styles or markup, entities decoded, whitespace collapsed, blocks joined
// with " · ", at most max runes (0: no limit). An error page from a
// foreign provider reads as its message instead of raw markup.
func VisibleText(body []byte, max int) string {
	s := reInvisible.ReplaceAllString(string(body), " ")
	s = reBlock.ReplaceAllString(s, "\n")
	s = reInline.ReplaceAllString(s, "")
	s = reTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		if f := strings.Join(strings.Fields(line), " "); f != "" {
			parts = append(parts, f)
		}
	}
	out := strings.Join(parts, " · ")
	if r := []rune(out); max > 0 && len(r) > max {
		out = string(r[:max]) + "…"
	}
	return out
}
