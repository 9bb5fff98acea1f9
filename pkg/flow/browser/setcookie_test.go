package browser

import (
	"strings"
	"testing"
	"time"
)

func TestParseSetCookie(t *testing.T) {
	i64 := func(n int64) *int64 { return &n }
	tests := []struct {
		name   string
		header string
		ok     bool
		want   setCookie
	}{
		{"name and value are trimmed", " a = 1 ", true, setCookie{name: "a", value: "1"}},
		{"value keeps inner '='", "a=b=c", true, setCookie{name: "a", value: "b=c"}},
		{"empty name with a value", "=v", true, setCookie{value: "v"}},
		{"NUL ignores the header", "a=1\x00", false, setCookie{}},
		{"CR LF ignores the header", "a=1\r\nSet-Cookie: b=2", false, setCookie{}},
		{"empty name and value", " = ; Path=/", false, setCookie{}},
		{"name+value over 4096 bytes", "a=" + strings.Repeat("x", 4096), false, setCookie{}},
		{"name+value of exactly 4096 bytes", "a=" + strings.Repeat("x", 4095), true, setCookie{name: "a", value: strings.Repeat("x", 4095)}},
		{"attributes are case-insensitive", "a=1; SECURE; httpOnly; PARTITIONED; samesite=STRICT", true,
			setCookie{name: "a", value: "1", secure: true, httpOnly: true, partitioned: true, sameSite: SameSiteStrict, sameSiteValue: "STRICT"}},
		{"SameSite=None", "a=1; SameSite=None", true, setCookie{name: "a", value: "1", sameSite: SameSiteNone, sameSiteValue: "None"}},
		{"SameSite=Lax", "a=1; SameSite=lax", true, setCookie{name: "a", value: "1", sameSite: SameSiteLax, sameSiteValue: "lax"}},
		{"unknown SameSite is unset but remembered", "a=1; SameSite=Bogus", true, setCookie{name: "a", value: "1", sameSiteValue: "Bogus"}},
		{"last SameSite wins", "a=1; SameSite=Strict; SameSite=Lax", true, setCookie{name: "a", value: "1", sameSite: SameSiteLax, sameSiteValue: "Lax"}},
		{"Domain is lowered and loses its dot", "a=1; Domain=.Example.COM", true, setCookie{name: "a", value: "1", domain: "example.com", hasDomain: true}},
		{"empty Domain is ignored", "a=1; Domain=", true, setCookie{name: "a", value: "1"}},
		{"over-long Domain is ignored", "a=1; Domain=" + strings.Repeat("d", maxAttrValue+1), true, setCookie{name: "a", value: "1"}},
		{"Path must start with a slash", "a=1; Path=docs", true, setCookie{name: "a", value: "1"}},
		{"relative Path resets an earlier one", "a=1; Path=/x; Path=y", true, setCookie{name: "a", value: "1"}},
		{"absolute Path", "a=1; Path=/x/y", true, setCookie{name: "a", value: "1", path: "/x/y"}},
		{"Max-Age parsed", "a=1; Max-Age=60", true, setCookie{name: "a", value: "1", maxAge: i64(60)}},
		{"bad Max-Age ignored", "a=1; Max-Age=1.5", true, setCookie{name: "a", value: "1"}},
		{"bad Max-Age keeps an earlier good one", "a=1; Max-Age=5; Max-Age=x", true, setCookie{name: "a", value: "1", maxAge: i64(5)}},
		{"Expires parsed", "a=1; Expires=Wed, 09 Jun 2027 10:18:14 GMT", true,
			setCookie{name: "a", value: "1", expires: time.Date(2027, 6, 9, 10, 18, 14, 0, time.UTC)}},
		{"bad Expires ignored", "a=1; Expires=tomorrow", true, setCookie{name: "a", value: "1"}},
		{"unknown attributes and empty segments ignored", "a=1;;; Foo=bar; ;Priority=High", true, setCookie{name: "a", value: "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseSetCookie(tt.header)
			if ok != tt.ok {
				t.Fatalf("ok = %t, want %t", ok, tt.ok)
			}
			if !ok {
				return
			}
			if (got.maxAge == nil) != (tt.want.maxAge == nil) || got.maxAge != nil && *got.maxAge != *tt.want.maxAge {
				t.Errorf("maxAge = %v, want %v", got.maxAge, tt.want.maxAge)
			}
			got.maxAge, tt.want.maxAge = nil, nil
			if !got.expires.Equal(tt.want.expires) {
				t.Errorf("expires = %v, want %v", got.expires, tt.want.expires)
			}
			got.expires, tt.want.expires = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("parsed %+v\nwant   %+v", got, tt.want)
			}
		})
	}
}

func TestParseMaxAge(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"60", 60, true},
		{"-1", -1, true},
		{"-0", 0, true},
		{"", 0, false},
		{"-", 0, false},
		{"+5", 0, false},
		{"5s", 0, false},
		{" 5", 0, false},
		{"1e3", 0, false},
		{"99999999999999999999", 1 << 40, true},  // overflow: far future
		{"-99999999999999999999", -1, true},      // overflow: already expired
		{"9223372036854775807", 1<<63 - 1, true}, // the largest int64 still parses
	}
	for _, tt := range tests {
		got, ok := parseMaxAge(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseMaxAge(%q) = %d, %t; want %d, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTimeToken(t *testing.T) {
	tests := []struct {
		in      string
		h, m, s int
		ok      bool
	}{
		{"10:18:14", 10, 18, 14, true},
		{"1:2:3", 1, 2, 3, true},
		{"10:18:14GMT", 10, 18, 14, true}, // trailing non-digits after the seconds
		{"10:18", 0, 0, 0, false},
		{"100:18:14", 0, 0, 0, false},
		{"10:1x:14", 0, 0, 0, false},
		{"10:18:", 0, 0, 0, false},
		{"10:18:145", 0, 0, 0, false},
		{"::", 0, 0, 0, false},
	}
	for _, tt := range tests {
		h, m, s, ok := parseTimeToken(tt.in)
		if h != tt.h || m != tt.m || s != tt.s || ok != tt.ok {
			t.Errorf("parseTimeToken(%q) = %d:%d:%d %t, want %d:%d:%d %t", tt.in, h, m, s, ok, tt.h, tt.m, tt.s, tt.ok)
		}
	}
}

func TestCookieDateEdges(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Thu, 01 Jan 1970 00:00:00 GMT", "1970-01-01T00:00:00Z"},
		{"01 Jan 69 00:00:00", "2069-01-01T00:00:00Z"}, // two-digit years below 70 are 20xx
		{"01 Jan 70 00:00:00", "1970-01-01T00:00:00Z"},
		{"29 Feb 2024 12:00:00", "2024-02-29T12:00:00Z"},
		{"29 Feb 2023 12:00:00", ""}, // not a leap year
		{"32 Jan 2024 12:00:00", ""},
		{"01 Jan 2024 24:00:00", ""},
		{"01 Jan 2024 23:60:00", ""},
		{"01 Jan 2024 23:59:60", ""},
		{"01 Foo 2024 12:00:00", ""},
		{"01 January 2024 12:00:00", "2024-01-01T12:00:00Z"}, // only the first three letters count
		{"12:00:00 2024 Dec 25", "2024-12-25T12:00:00Z"},     // order is free
		{"01 Jan 12345 12:00:00", ""},                        // a five-digit year is no year
	}
	for _, tt := range tests {
		got, ok := parseCookieDate(tt.in)
		s := ""
		if ok {
			s = got.Format(time.RFC3339)
		}
		if s != tt.want {
			t.Errorf("parseCookieDate(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestStringers(t *testing.T) {
	for m, want := range map[SameSiteMode]string{SameSiteUnset: "unset", SameSiteNone: "None", SameSiteLax: "Lax", SameSiteStrict: "Strict"} {
		if got := m.String(); got != want {
			t.Errorf("SameSiteMode(%d) = %q, want %q", m, got, want)
		}
	}
	for k, want := range map[ContextKind]string{TopLevel: "top-level", IFrame: "iframe", Popup: "popup", ContextKind(9): "top-level"} {
		if got := k.String(); got != want {
			t.Errorf("ContextKind(%d) = %q, want %q", k, got, want)
		}
	}
	if got := (Cookie{Name: "s", SameSite: SameSiteNone}).Describe(); got != "s, SameSite=None" {
		t.Errorf("Describe = %q", got)
	}
	if got := (Cookie{Name: "s"}).Describe(); got != "s, no SameSite" {
		t.Errorf("Describe unset = %q", got)
	}
	c := Cookie{Name: "a", Value: "1", Domain: "example.com", Path: "/", SameSite: SameSiteLax, Secure: true, Partition: "https://top.example"}
	if got, want := c.String(), `a=1; Domain=example.com; Path=/; SameSite=Lax; Secure=true; HttpOnly=false; Partition="https://top.example"`; got != want {
		t.Errorf("String = %q\nwant     %q", got, want)
	}
}

func TestBlockReasonIsPolicy(t *testing.T) {
	policy := []BlockReason{BlockSameSiteStrict, BlockSameSiteLax, BlockSameSiteLaxDefault, BlockThirdParty, BlockPartitioned}
	other := []BlockReason{BlockSecureOnly, BlockNoneInsecure, BlockInvalidDomain, BlockInvalidPrefix, BlockOverwriteSecure, BlockSyntax, ""}
	for _, r := range policy {
		if !r.IsPolicy() {
			t.Errorf("%q.IsPolicy() = false", r)
		}
	}
	for _, r := range other {
		if r.IsPolicy() {
			t.Errorf("%q.IsPolicy() = true", r)
		}
	}
}

func TestCookieHeader(t *testing.T) {
	tests := []struct {
		in   []Cookie
		want string
	}{
		{nil, ""},
		{[]Cookie{{Name: "a", Value: "1"}}, "a=1"},
		{[]Cookie{{Name: "a", Value: "1"}, {Value: "nameless"}, {Name: "b", Value: ""}}, "a=1; nameless; b="},
	}
	for _, tt := range tests {
		if got := CookieHeader(tt.in); got != tt.want {
			t.Errorf("CookieHeader(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
