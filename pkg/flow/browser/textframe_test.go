package browser

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestVisibleTextRules(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"inline tags join without a space", `<p>Hel<b>lo</b>, <a href="#">wor</a>ld</p>`, 0, "Hello, world"},
		{"other tags separate words", `<td>a</td><td>b</td>`, 0, "a b"},
		{"br and blocks split parts", `one<br>two<div>three</div><li>four</li>`, 0, "one · two · three · four"},
		{"invisible elements dropped", `<template><p>t</p></template><noscript>n</noscript><style>s{}</style><SCRIPT type=x>js</SCRIPT>shown`, 0, "shown"},
		{"entities decoded after tags are gone", `&lt;b&gt;literal&lt;/b&gt; &amp; &#39;q&#39;`, 0, "<b>literal</b> & 'q'"},
		{"whitespace-only blocks vanish", "<p>  \n\t </p><p>x</p>", 0, "x"},
		{"truncation counts runes", "<p>äöüß</p>", 2, "äö…"},
		{"no truncation at the limit", "<p>abc</p>", 3, "abc"},
		{"empty", "", 5, ""},
	}
	for _, tt := range tests {
		if got := VisibleText([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestVisibleTextHelper(t *testing.T) {
	tests := map[string]string{
		"  Sign   <b>in</b>\n now ": "Sign in now",
		"a<br/>b":                   "ab",
		"&amp;&lt;":                 "&<",
		"<unterminated":             "",
	}
	for in, want := range tests {
		if got := visibleText(in); got != want {
			t.Errorf("visibleText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFramingSources(t *testing.T) {
	self := mustURL(t, "https://idp.example.com/authorize")
	tests := []struct {
		csp, ancestor string
		allowed       bool
	}{
		{"frame-ancestors 'self'", "https://idp.example.com/x", true},
		{"frame-ancestors 'self'", "https://idp.example.com:8443/", false}, // another port is another origin
		{"frame-ancestors 'self' https://app.example.com", "https://app.example.com/", true},
		{"frame-ancestors 'none' https://app.example.com", "https://app.example.com/", false},
		{"frame-ancestors *", "file:///x", false}, // * covers only network schemes
		{"frame-ancestors app.example.com", "https://app.example.com/", true},
		{"frame-ancestors app.example.com", "ftp://app.example.com/", false},
		{"frame-ancestors https://app.example.com:443", "https://app.example.com/", true},
		{"frame-ancestors https://app.example.com:8443", "https://app.example.com/", false},
		{"frame-ancestors https://app.example.com", "https://app.example.com:8443/", false},
		{"frame-ancestors https://app.example.com/some/path", "https://app.example.com/", true}, // paths ignored
		{"frame-ancestors https://*.example.com", "https://deep.app.example.com/", true},
		{"frame-ancestors https://*.example.com", "https://example.com/", false},
		{"frame-ancestors http://[::1]:5102", "http://[::1]:5102/", true},
		{"frame-ancestors http:", "https://app.example.com/", true}, // http: matches https too
		{"frame-ancestors https:", "http://app.example.com/", false},
		{"FRAME-ANCESTORS HTTPS://APP.EXAMPLE.COM", "https://app.example.com/", true},
		{"frame-ancestors", "https://app.example.com/", false}, // an empty source list is 'none'
		{"script-src 'self'", "https://evil.example/", true},   // no frame-ancestors: no restriction
	}
	for _, tt := range tests {
		h := http.Header{"Content-Security-Policy": {tt.csp}}
		why := FramingBlocked(h, self, []*url.URL{mustURL(t, tt.ancestor)})
		if (why == "") != tt.allowed {
			t.Errorf("%q in %s: %q, want allowed=%t", tt.csp, tt.ancestor, why, tt.allowed)
		}
	}
}

func TestFramingAncestorChain(t *testing.T) {
	self := mustURL(t, "https://idp.example.com/authorize")
	chain := []*url.URL{mustURL(t, "https://evil.example/"), mustURL(t, "https://idp.example.com/")}
	// Every ancestor must match, not just the parent.
	h := http.Header{"Content-Security-Policy": {"frame-ancestors 'self'"}}
	if why := FramingBlocked(h, self, chain); !strings.Contains(why, "https://evil.example") {
		t.Errorf("CSP: outer ancestor not checked: %q", why)
	}
	h = http.Header{"X-Frame-Options": {" SameOrigin "}}
	if why := FramingBlocked(h, self, chain); !strings.Contains(why, "https://evil.example is another origin") {
		t.Errorf("XFO: outer ancestor not checked: %q", why)
	}
	// Every policy is enforced (CSP3 §8.2): a second header's 'none' blocks
	// what the first allows. Within one policy the first directive counts.
	h = http.Header{"Content-Security-Policy": {"default-src 'self'", "frame-ancestors https://evil.example 'self'", "frame-ancestors 'none'"}}
	if why := FramingBlocked(h, self, chain); !strings.Contains(why, "frame-ancestors 'none'") {
		t.Errorf("second policy not enforced: %q", why)
	}
	h = http.Header{"Content-Security-Policy": {"frame-ancestors https://evil.example 'self'; frame-ancestors 'none'"}}
	if why := FramingBlocked(h, self, chain); why != "" {
		t.Errorf("a repeated directive in one policy counted: %q", why)
	}
	h = http.Header{"Content-Security-Policy": {"frame-ancestors https://evil.example 'self'", "frame-ancestors *"}, "X-Frame-Options": {"DENY"}}
	if why := FramingBlocked(h, self, chain); why != "" {
		t.Errorf("policies that all allow, with XFO: %q", why)
	}
	// ALLOW-FROM is obsolete: browsers ignore it and allow framing.
	h = http.Header{"X-Frame-Options": {"ALLOW-FROM https://idp.example.com/"}}
	if why := FramingBlocked(h, self, chain); why != "" {
		t.Errorf("ALLOW-FROM: %q", why)
	}
}
