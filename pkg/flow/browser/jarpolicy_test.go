package browser

import (
	"net/url"
	"testing"
	"time"
)

func TestSiteHelpers(t *testing.T) {
	if got := Site(nil); got != "" {
		t.Errorf("Site(nil) = %q", got)
	}
	if got := Origin(nil); got != "null" {
		t.Errorf("Origin(nil) = %q", got)
	}
	sites := map[string]string{
		"HTTPS://WWW.Example.COM./x":            "https://example.com",
		"http://localhost:5101/":                "http://localhost",
		"http://app.localhost:5101/":            "http://app.localhost",
		"https://a.b.example.co.uk/":            "https://example.co.uk",
		"https://x.eu-1.compute.amazonaws.com/": "https://x.eu-1.compute.amazonaws.com",
		"http://[::1]:9400/":                    "http://::1",
	}
	for in, want := range sites {
		if got := Site(mustURL(t, in)); got != want {
			t.Errorf("Site(%s) = %q, want %q", in, got, want)
		}
	}
	if got := Origin(mustURL(t, "HTTP://LocalHost:9400/path?q")); got != "http://localhost:9400" {
		t.Errorf("Origin = %q", got)
	}
	if !SameOrigin(mustURL(t, "http://localhost:9400/a"), mustURL(t, "http://LOCALHOST:9400/b")) ||
		SameOrigin(mustURL(t, "http://localhost:9400/"), mustURL(t, "http://localhost:9401/")) {
		t.Error("SameOrigin compares scheme, host and port")
	}
}

func TestIsPublicSuffix(t *testing.T) {
	tests := []struct {
		domain string
		want   bool
	}{
		{"com", true},
		{"CO.UK.", true},
		{"github.io", true},
		{"foo.ck", true},  // *.ck
		{"www.ck", false}, // !www.ck
		{"ck", true},      // the TLD under a wildcard rule
		{"bd", true},
		{"example.com", false},
		{"example.co.uk", false},
		{"localhost", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsPublicSuffix(tt.domain); got != tt.want {
			t.Errorf("IsPublicSuffix(%q) = %t, want %t", tt.domain, got, tt.want)
		}
	}
}

func TestRegistrableDomainWildcards(t *testing.T) {
	tests := map[string]string{
		"a.b.foo.ck":                "b.foo.ck",
		"a.www.ck":                  "www.ck",
		"x.y.compute.amazonaws.com": "x.y.compute.amazonaws.com",
		"compute.amazonaws.com":     "amazonaws.com",
		"EXAMPLE.com.":              "example.com",
		"[::1]":                     "",
		"::1":                       "",
		"site.unknown-tld":          "",
		"a.example.github.io":       "example.github.io",
	}
	for host, want := range tests {
		if got := RegistrableDomain(host); got != want {
			t.Errorf("RegistrableDomain(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestPotentiallyTrustworthy(t *testing.T) {
	tests := map[string]bool{
		"https://example.com/":   true,
		"wss://example.com/":     true,
		"http://example.com/":    false,
		"ws://example.com/":      false,
		"http://localhost:9400/": true,
		"http://app.localhost/":  true,
		"http://127.0.0.2/":      true,
		"http://[::1]:1/":        true,
		"ws://localhost/":        true,
		"ftp://localhost/":       false,
		"file:///etc/passwd":     false,
	}
	for in, want := range tests {
		if got := PotentiallyTrustworthy(mustURL(t, in)); got != want {
			t.Errorf("PotentiallyTrustworthy(%s) = %t, want %t", in, got, want)
		}
	}
}

func TestRequestClassification(t *testing.T) {
	u := func(s string) *url.URL { return mustURL(t, s) }
	prov, app, sib := u("http://localhost:9400/authorize"), u("http://127.0.0.1:5102/"), u("http://localhost:5101/")
	tests := []struct {
		name                  string
		r                     Request
		topSite, secFetchSite string
		sameSite, thirdParty  bool
	}{
		{"typed URL", Request{URL: prov, Navigation: true}, "http://localhost", "none", true, false},
		{"same-origin link", Request{URL: prov, Navigation: true, Initiator: prov}, "http://localhost", "same-origin", true, false},
		{"same-site other port", Request{URL: prov, Navigation: true, Initiator: sib}, "http://localhost", "same-site", true, false},
		{"cross-site top-level", Request{URL: prov, Navigation: true, Initiator: app}, "http://localhost", "cross-site", false, false},
		{"same-origin after a cross-site redirect", Request{URL: prov, Navigation: true, Initiator: prov, CrossSiteRedirect: true}, "http://localhost", "cross-site", false, false},
		{"cross-site iframe", Request{URL: prov, Context: IFrame, Navigation: true, Top: app, Initiator: app}, "http://127.0.0.1", "cross-site", false, true},
		{"same-site iframe", Request{URL: prov, Context: IFrame, Navigation: true, Top: sib, Initiator: sib}, "http://localhost", "same-site", true, false},
		{"popup uses its own URL as top", Request{URL: prov, Context: Popup, Navigation: true, Top: app, Initiator: app}, "http://localhost", "cross-site", false, false},
		{"subresource fetch under a cross-site top", Request{URL: prov, Top: app, Initiator: app}, "http://127.0.0.1", "cross-site", false, true},
		{"top-level fetch without a top falls back to the URL", Request{URL: prov}, "http://localhost", "none", true, false},
	}
	for _, tt := range tests {
		r := tt.r
		if got := r.TopSite(); got != tt.topSite {
			t.Errorf("%s: TopSite = %q, want %q", tt.name, got, tt.topSite)
		}
		if got := r.SecFetchSite(); got != tt.secFetchSite {
			t.Errorf("%s: SecFetchSite = %q, want %q", tt.name, got, tt.secFetchSite)
		}
		if got := r.SameSiteRequest(); got != tt.sameSite {
			t.Errorf("%s: SameSiteRequest = %t, want %t", tt.name, got, tt.sameSite)
		}
		if got := r.ThirdParty(); got != tt.thirdParty {
			t.Errorf("%s: ThirdParty = %t, want %t", tt.name, got, tt.thirdParty)
		}
	}
	for m, want := range map[string]bool{"": true, "get": true, "HEAD": true, "OPTIONS": true, "TRACE": true, "POST": false, "PUT": false, "DELETE": false} {
		if got := (Request{Method: m}).safeMethod(); got != want {
			t.Errorf("safeMethod(%q) = %t, want %t", m, got, want)
		}
	}
}

func TestPathAndDomainMatch(t *testing.T) {
	paths := []struct {
		req, cookie string
		want        bool
	}{
		{"/", "/", true},
		{"/docs", "/docs", true},
		{"/docs/", "/docs", true},
		{"/docs/x", "/docs/", true},
		{"/docsets", "/docs", false},
		{"/doc", "/docs", false},
		{"/", "/docs", false},
		{"/anything", "/", true},
	}
	for _, tt := range paths {
		if got := pathMatch(tt.req, tt.cookie); got != tt.want {
			t.Errorf("pathMatch(%q, %q) = %t, want %t", tt.req, tt.cookie, got, tt.want)
		}
	}
	defaults := map[string]string{
		"https://example.com":          "/",
		"https://example.com/":         "/",
		"https://example.com/page":     "/",
		"https://example.com/a/b/page": "/a/b",
		"https://example.com/a/b/":     "/a/b",
		"mailto:someone@example.com":   "/",
	}
	for in, want := range defaults {
		if got := defaultPath(mustURL(t, in)); got != want {
			t.Errorf("defaultPath(%s) = %q, want %q", in, got, want)
		}
	}
	domains := []struct {
		host, domain string
		want         bool
	}{
		{"example.com", "example.com", true},
		{"www.example.com", "example.com", true},
		{"wwwexample.com", "example.com", false},
		{"example.com", "www.example.com", false},
		{"1.2.3.4", "2.3.4", false}, // never a suffix match on an IP address
		{"1.2.3.4", "1.2.3.4", true},
		{"::1", "1", false},
	}
	for _, tt := range domains {
		if got := domainMatch(tt.host, tt.domain); got != tt.want {
			t.Errorf("domainMatch(%q, %q) = %t, want %t", tt.host, tt.domain, got, tt.want)
		}
	}
}

// A Domain attribute naming a top-level domain that only a wildcard rule
// covers (*.ck) would scope a cookie to every site under that TLD.
func TestJarRejectsWildcardTLDDomain(t *testing.T) {
	j := NewJar(chrome(t), func() time.Time { return t0 })
	res := j.SetCookies(top(t, "https://a.b.ck/"), []string{"a=1; Domain=ck"})
	if res[0].Stored || res[0].Reason != BlockInvalidDomain {
		t.Fatalf("Domain=ck from a.b.ck: %+v, want refused as %s", res[0], BlockInvalidDomain)
	}
	if got, _ := j.Cookies(top(t, "https://evil.other.ck/")); len(got) != 0 {
		t.Errorf("TLD-wide cookie sent to another site: %q", names(got))
	}
}
