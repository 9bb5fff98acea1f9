package browser

import (
	"testing"
	"time"
)

func TestSite(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"http://localhost:5101/", "http://localhost:9400/", true},
		{"http://127.0.0.1:5101/", "http://localhost:9400/", false},
		{"http://app.localhost:5101/", "http://auth.localhost:9400/", false},
		{"https://app.example.com/", "https://auth.example.com/", true},
		{"http://app.example.com/", "https://auth.example.com/", false}, // schemeful
		{"https://a.github.io/", "https://b.github.io/", false},         // private suffix
		{"https://a.example.co.uk/", "https://b.example.co.uk/", true},
		{"https://example.co.uk/", "https://other.co.uk/", false},
		{"https://x.foo.ck/", "https://y.foo.ck/", false}, // *.ck: foo.ck is a suffix
		{"https://a.www.ck/", "https://b.www.ck/", true},  // !www.ck exception
		{"http://[::1]:1/", "http://[::1]:2/", true},
	}
	for _, tt := range tests {
		if got := SameSite(mustURL(t, tt.a), mustURL(t, tt.b)); got != tt.same {
			t.Errorf("SameSite(%s, %s) = %t (sites %s, %s)", tt.a, tt.b, got, Site(mustURL(t, tt.a)), Site(mustURL(t, tt.b)))
		}
	}
	if got := RegistrableDomain("a.b.example.com"); got != "example.com" {
		t.Errorf("RegistrableDomain = %q", got)
	}
	for _, h := range []string{"localhost", "app.localhost", "127.0.0.1", "com", "github.io"} {
		if got := RegistrableDomain(h); got != "" {
			t.Errorf("RegistrableDomain(%q) = %q, want none", h, got)
		}
	}
}

// silentAuth models the scenario flows care about: the provider sets its
// session cookie on a top-level login, then an app embeds the provider in a
// hidden iframe (prompt=none). It returns whether the cookie is sent and
// the first block reason otherwise.
func silentAuth(t *testing.T, profile, app, provider, cookie string) (bool, BlockReason) {
	t.Helper()
	p, err := LookupProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	j := NewJar(p, func() time.Time { return t0 })
	// Login: the app navigates the tab to the provider, which sets the cookie.
	login := Request{URL: mustURL(t, provider+"/login"), Method: "POST", Context: TopLevel, Navigation: true, Initiator: mustURL(t, provider)}
	if res := j.SetCookies(login, []string{cookie}); !res[0].Stored {
		t.Fatalf("%s: login cookie not stored: %s", profile, res[0].Reason)
	}
	iframe := Request{URL: mustURL(t, provider+"/authorize?prompt=none"), Method: "GET", Context: IFrame, Navigation: true,
		Top: mustURL(t, app+"/"), Initiator: mustURL(t, app)}
	sent, blocked := j.Cookies(iframe)
	if len(sent) > 0 {
		return true, ""
	}
	if len(blocked) == 0 {
		t.Fatalf("%s: cookie neither sent nor blocked", profile)
	}
	return false, blocked[0].Reasons[0]
}

func TestSilentAuthMatrix(t *testing.T) {
	const (
		sameSiteApp  = "http://localhost:5102"
		crossSiteApp = "http://127.0.0.1:5102"
		provider     = "http://localhost:9400"
		lax          = "ssokit_session=s1; Path=/; HttpOnly; SameSite=Lax"
		unset        = "ssokit_session=s1; Path=/; HttpOnly"
		none         = "ssokit_session=s1; Path=/; HttpOnly; SameSite=None; Secure"
		strict       = "ssokit_session=s1; Path=/; HttpOnly; SameSite=Strict"
	)
	tests := []struct {
		profile, app, cookie string
		sent                 bool
		reason               BlockReason
	}{
		// Same-site apps (other ports on localhost) get silent SSO everywhere.
		{"chrome", sameSiteApp, lax, true, ""},
		{"chrome-3pc-blocked", sameSiteApp, lax, true, ""},
		{"safari", sameSiteApp, lax, true, ""},
		{"firefox", sameSiteApp, lax, true, ""},
		{"chrome", sameSiteApp, strict, true, ""},
		// Cross-site: Lax never travels in an iframe.
		{"chrome", crossSiteApp, lax, false, BlockSameSiteLax},
		{"chrome", crossSiteApp, unset, false, BlockSameSiteLaxDefault},
		{"chrome", crossSiteApp, strict, false, BlockSameSiteStrict},
		// Unset means None outside Chrome, and then the 3P policy decides.
		{"safari", crossSiteApp, unset, false, BlockThirdParty},
		{"firefox", crossSiteApp, unset, false, BlockPartitioned},
		// SameSite=None; Secure: only Chrome with third-party cookies sends it.
		{"chrome", crossSiteApp, none, true, ""},
		{"chrome-3pc-blocked", crossSiteApp, none, false, BlockThirdParty},
		{"safari", crossSiteApp, none, false, BlockThirdParty},
		{"firefox", crossSiteApp, none, false, BlockPartitioned},
		// *.localhost hosts are separate sites.
		{"chrome", "http://app.localhost:5102", lax, false, BlockSameSiteLax},
	}
	for _, tt := range tests {
		sent, reason := silentAuth(t, tt.profile, tt.app, provider, tt.cookie)
		if sent != tt.sent || reason != tt.reason {
			t.Errorf("%s, app %s, %q: sent=%t reason=%q, want sent=%t reason=%q", tt.profile, tt.app, tt.cookie, sent, reason, tt.sent, tt.reason)
		}
	}
}

func TestLaxTopLevel(t *testing.T) {
	j := NewJar(chrome(t), func() time.Time { return t0 })
	prov := mustURL(t, "http://localhost:9400/")
	j.SetCookies(top(t, "http://localhost:9400/"), []string{"lax=1; SameSite=Lax", "strict=1; SameSite=Strict", "unset=1"})
	app := mustURL(t, "http://127.0.0.1:5101/")
	tests := []struct {
		name string
		r    Request
		want string
	}{
		{"cross-site top-level GET sends Lax", Request{URL: prov, Method: "GET", Navigation: true, Initiator: app}, "lax=1; unset=1"},
		{"cross-site top-level POST: Lax+POST for young unset cookies", Request{URL: prov, Method: "POST", Navigation: true, Initiator: app}, "unset=1"},
		{"same-site navigation sends all", Request{URL: prov, Method: "POST", Navigation: true, Initiator: prov}, "lax=1; strict=1; unset=1"},
		{"typed URL sends all", Request{URL: prov, Method: "GET", Navigation: true}, "lax=1; strict=1; unset=1"},
		{"cross-site redirect back drops Strict", Request{URL: prov, Method: "GET", Navigation: true, Initiator: prov, CrossSiteRedirect: true}, "lax=1; unset=1"},
		{"popup opened cross-site behaves as top-level", Request{URL: prov, Method: "GET", Context: Popup, Navigation: true, Initiator: app}, "lax=1; unset=1"},
	}
	for _, tt := range tests {
		got, _ := j.Cookies(tt.r)
		if names(got) != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, names(got), tt.want)
		}
	}
	// After two minutes the Lax+POST allowance ends.
	j2 := NewJar(chrome(t), func() time.Time { return t0.Add(3 * time.Minute) })
	j2.cookies = j.cookies
	got, _ := j2.Cookies(Request{URL: prov, Method: "POST", Navigation: true, Initiator: app})
	if len(got) != 0 {
		t.Errorf("Lax+POST after 3 minutes: %q", names(got))
	}
}

func TestThirdPartySetCookie(t *testing.T) {
	prov := mustURL(t, "http://localhost:9400/authorize")
	app := mustURL(t, "http://127.0.0.1:5102/")
	iframe := Request{URL: prov, Method: "GET", Context: IFrame, Navigation: true, Top: app, Initiator: app}
	tests := []struct {
		profile, header string
		reason          BlockReason
		partition       string
	}{
		{"chrome", "s=1; SameSite=None; Secure", "", ""},
		{"chrome", "s=1; SameSite=Lax", BlockSameSiteLax, ""},
		{"chrome", "s=1", BlockSameSiteLaxDefault, ""},
		{"chrome-3pc-blocked", "s=1; SameSite=None; Secure", BlockThirdParty, ""},
		{"chrome-3pc-blocked", "s=1; SameSite=None; Secure; Partitioned", "", "http://127.0.0.1"},
		{"safari", "s=1", BlockThirdParty, ""},
		{"firefox", "s=1; SameSite=None; Secure", "", "http://127.0.0.1"},
	}
	for _, tt := range tests {
		p, _ := LookupProfile(tt.profile)
		j := NewJar(p, func() time.Time { return t0 })
		res := j.SetCookies(iframe, []string{tt.header})
		if res[0].Reason != tt.reason {
			t.Errorf("%s %q: reason %q, want %q", tt.profile, tt.header, res[0].Reason, tt.reason)
			continue
		}
		if tt.reason == "" {
			if all := j.All(); len(all) != 1 || all[0].Partition != tt.partition {
				t.Errorf("%s %q: stored %v, want partition %q", tt.profile, tt.header, all, tt.partition)
			}
			// The partitioned cookie is visible in the same iframe again …
			if got, _ := j.Cookies(iframe); len(got) != 1 {
				t.Errorf("%s %q: not sent back to the iframe", tt.profile, tt.header)
			}
			// … but never under another top-level site.
			other := iframe
			other.Top = mustURL(t, "http://other.example.com/")
			other.Initiator = other.Top
			if got, _ := j.Cookies(other); tt.partition != "" && len(got) != 0 {
				t.Errorf("%s %q: partitioned cookie leaked to another top-level site", tt.profile, tt.header)
			}
		}
	}
}

func TestLookupProfile(t *testing.T) {
	for _, n := range ProfileNames() {
		if _, err := LookupProfile(n); err != nil {
			t.Error(err)
		}
	}
	if _, err := LookupProfile("netscape"); err == nil {
		t.Error("unknown profile accepted")
	}
}
