package browser

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func top(t testing.TB, s string) Request {
	return Request{URL: mustURL(t, s), Method: "GET", Context: TopLevel, Navigation: true}
}

func names(cs []Cookie) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+"="+c.Value)
	}
	return strings.Join(out, "; ")
}

func chrome(t testing.TB) Profile {
	p, err := LookupProfile("chrome")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The examples of RFC 6265bis section 3.1, in order, on one jar.
func TestJarRFC6265bisExamples(t *testing.T) {
	now := t0
	j := NewJar(chrome(t), func() time.Time { return now })
	steps := []struct {
		reqURL string
		set    []string
		getURL string
		want   string
	}{
		{"https://example.com/", []string{"SID=31d4d96e407aad42"}, "https://example.com/", "SID=31d4d96e407aad42"},
		// A host-only cookie is not sent to subdomains.
		{"https://example.com/", nil, "https://www.example.com/", ""},
		// Domain=example.com reaches every subdomain.
		{"https://example.com/", []string{"SID=31d4d96e407aad42; Path=/; Domain=example.com"}, "https://www.example.com/", "SID=31d4d96e407aad42"},
		{"https://example.com/", []string{"SID=31d4d96e407aad42; Path=/; Secure; HttpOnly", "lang=en-US; Path=/; Domain=example.com"},
			"https://example.com/", "SID=31d4d96e407aad42; SID=31d4d96e407aad42; lang=en-US"},
		{"https://example.com/", []string{"lang=en-US; Expires=Wed, 09 Jun 2027 10:18:14 GMT"}, "https://www.example.com/", "SID=31d4d96e407aad42; lang=en-US"},
		// An Expires in the past deletes the cookie.
		{"https://example.com/", []string{"lang=; Path=/; Domain=example.com; Expires=Sun, 06 Nov 1994 08:49:37 GMT"}, "https://www.example.com/", "SID=31d4d96e407aad42"},
	}
	for i, s := range steps {
		j.SetCookies(Request{URL: mustURL(t, s.reqURL), Method: "GET", Navigation: true}, s.set)
		got, _ := j.Cookies(top(t, s.getURL))
		if names(got) != s.want {
			t.Errorf("step %d: Cookie: %q, want %q", i, names(got), s.want)
		}
	}
}

func TestJarStorageRules(t *testing.T) {
	tests := []struct {
		name   string
		from   string
		header string
		to     string
		sent   bool
		reason BlockReason
	}{
		{"public suffix domain rejected", "https://www.example.com/", "a=1; Domain=com", "https://www.example.com/", false, BlockInvalidDomain},
		{"foreign domain rejected", "https://www.example.com/", "a=1; Domain=example.org", "https://www.example.com/", false, BlockInvalidDomain},
		{"leading dot ignored", "https://www.example.com/", "a=1; Domain=.example.com", "https://api.example.com/", true, ""},
		{"localhost takes no Domain of its own parent", "http://app.localhost/", "a=1; Domain=localhost", "http://app.localhost/", false, BlockInvalidDomain},
		{"Domain equal to an IP host is host-only", "http://127.0.0.1:5101/", "a=1; Domain=127.0.0.1", "http://127.0.0.1:9400/", true, ""},
		{"ports do not separate cookies", "http://localhost:9400/", "a=1", "http://localhost:5101/", true, ""},
		{"Secure from plain http rejected", "http://example.com/", "a=1; Secure", "https://example.com/", false, BlockSecureOnly},
		{"Secure from http://localhost accepted", "http://localhost:9400/", "a=1; Secure; SameSite=None", "http://localhost:9400/", true, ""},
		{"Secure not sent over plain http", "https://example.com/", "a=1; Secure", "http://example.com/", false, ""},
		{"SameSite=None needs Secure", "https://example.com/", "a=1; SameSite=None", "https://example.com/", false, BlockNoneInsecure},
		{"__Host- needs Path=/", "https://example.com/", "__Host-a=1; Secure; Path=/x", "https://example.com/x", false, BlockInvalidPrefix},
		{"__Host- ok", "https://example.com/", "__Host-a=1; Secure; Path=/", "https://example.com/", true, ""},
		{"__Secure- needs Secure", "https://example.com/", "__Secure-a=1", "https://example.com/", false, BlockInvalidPrefix},
		{"default path is the directory", "https://example.com/docs/page", "a=1", "https://example.com/docs/other", true, ""},
		{"default path excludes siblings", "https://example.com/docs/page", "a=1", "https://example.com/docsets", false, ""},
		{"path /docs matches /docs/x", "https://example.com/", "a=1; Path=/docs", "https://example.com/docs/x", true, ""},
		{"path /docs does not match /docsets", "https://example.com/", "a=1; Path=/docs", "https://example.com/docsets", false, ""},
		{"Max-Age=0 stores nothing", "https://example.com/", "a=1; Max-Age=0", "https://example.com/", false, ""},
		{"Max-Age wins over Expires", "https://example.com/", "a=1; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=60", "https://example.com/", true, ""},
		{"nameless cookie", "https://example.com/", "justvalue", "https://example.com/", true, ""},
		{"empty header ignored", "https://example.com/", "=", "https://example.com/", false, BlockSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewJar(chrome(t), func() time.Time { return t0 })
			res := j.SetCookies(top(t, tt.from), []string{tt.header})
			if res[0].Reason != tt.reason {
				t.Errorf("set reason %q, want %q", res[0].Reason, tt.reason)
			}
			got, _ := j.Cookies(top(t, tt.to))
			if (len(got) > 0) != tt.sent {
				t.Errorf("sent %q, want sent=%t", names(got), tt.sent)
			}
		})
	}
}

func TestJarExpiry(t *testing.T) {
	now := t0
	j := NewJar(chrome(t), func() time.Time { return now })
	j.SetCookies(top(t, "https://example.com/"), []string{"a=1; Max-Age=60", "b=2"})
	now = now.Add(61 * time.Second)
	got, _ := j.Cookies(top(t, "https://example.com/"))
	if names(got) != "b=2" {
		t.Fatalf("after 61s: %q, want only the session cookie b=2", names(got))
	}
	// 400-day cap.
	j.SetCookies(top(t, "https://example.com/"), []string{"c=3; Max-Age=999999999"})
	for _, c := range j.All() {
		if c.Name == "c" && c.Expires.Sub(now) != maxCookieAge {
			t.Errorf("Max-Age not capped at 400 days: %v", c.Expires.Sub(now))
		}
	}
}

func TestJarOverwriteKeepsCreation(t *testing.T) {
	now := t0
	j := NewJar(chrome(t), func() time.Time { return now })
	j.SetCookies(top(t, "https://example.com/"), []string{"a=1"})
	now = now.Add(time.Minute)
	j.SetCookies(top(t, "https://example.com/"), []string{"a=2"})
	all := j.All()
	if len(all) != 1 || all[0].Value != "2" || !all[0].Created.Equal(t0) {
		t.Fatalf("overwrite: %v", all)
	}
	// An insecure origin may not shadow a Secure cookie.
	j.SetCookies(top(t, "https://example.com/"), []string{"s=secure; Secure"})
	res := j.SetCookies(top(t, "http://example.com/"), []string{"s=evil"})
	if res[0].Reason != BlockOverwriteSecure {
		t.Errorf("insecure overwrite: %q", res[0].Reason)
	}
}

func TestJarOrder(t *testing.T) {
	now := t0
	j := NewJar(chrome(t), func() time.Time { return now })
	j.SetCookies(top(t, "https://example.com/"), []string{"a=1; Path=/"})
	now = now.Add(time.Second)
	j.SetCookies(top(t, "https://example.com/"), []string{"b=2; Path=/x/y", "c=3; Path=/x"})
	got, _ := j.Cookies(top(t, "https://example.com/x/y/z"))
	if names(got) != "b=2; c=3; a=1" {
		t.Errorf("order %q, want longest path first", names(got))
	}
}

func TestCookieDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Wed, 09 Jun 2021 10:18:14 GMT", "2021-06-09T10:18:14Z"},
		{"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"},
		{"Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z"},
		{"6 Nov 2094 8:49:37", "2094-11-06T08:49:37Z"},
		{"31 Feb 2021 10:00:00", ""},
		{"Wed, 09 Jun 2021", ""},
		{"Wed, 09 Jun 1600 10:18:14 GMT", ""},
		{"", ""},
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

func FuzzParseSetCookie(f *testing.F) {
	for _, s := range []string{"SID=31d4d96e407aad42; Path=/; Domain=example.com", "a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=-1; SameSite=Lax; Secure; HttpOnly; Partitioned", "=;;;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		j := NewJar(chrome(t), func() time.Time { return t0 })
		j.SetCookies(top(t, "http://localhost:9400/a/b"), []string{h})
		j.Cookies(top(t, "http://localhost:9400/a/b"))
	})
}

// BenchmarkJarCookies measures the cookie decision for one request with a
// provider-sized jar (session, browser state, CSRF on two hosts).
func BenchmarkJarCookies(b *testing.B) {
	p, _ := LookupProfile("chrome-3pc-blocked")
	j := NewJar(p, func() time.Time { return t0 })
	for _, h := range []string{"http://localhost:9400/", "http://127.0.0.1:5102/"} {
		j.SetCookies(top(b, h), []string{"ssokit_session=abc; Path=/; HttpOnly; SameSite=None; Secure", "ssokit_bs=x; Path=/; SameSite=None; Secure", "ssokit_csrf=y; Path=/; HttpOnly; SameSite=Lax"})
	}
	r := Request{URL: mustURL(b, "http://localhost:9400/authorize?prompt=none"), Method: "GET", Context: IFrame, Navigation: true,
		Top: mustURL(b, "http://127.0.0.1:5102/"), Initiator: mustURL(b, "http://127.0.0.1:5102/")}
	for b.Loop() {
		j.Cookies(r)
	}
}
