package browser

import (
	"reflect"
	"testing"
	"time"
)

func TestJarDeletion(t *testing.T) {
	now := t0
	j := NewJar(chrome(t), func() time.Time { return now })
	site := top(t, "https://example.com/")
	if res := j.SetCookies(site, []string{"gone=1; Max-Age=-1"}); res[0].Stored || res[0].Deleted || res[0].Reason != "" {
		t.Errorf("expired cookie with nothing to delete: %+v", res[0])
	}
	j.SetCookies(site, []string{"a=1", "b=2; Max-Age=60"})
	tests := []struct {
		header string
		want   SetResult
	}{
		{"a=; Max-Age=0", SetResult{Name: "a", Deleted: true, Header: "a=; Max-Age=0"}},
		{"b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", SetResult{Name: "b", Deleted: true, Header: "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}},
		// The path is part of the cookie's identity: no deletion elsewhere.
		{"a=; Max-Age=0; Path=/other", SetResult{Name: "a", Header: "a=; Max-Age=0; Path=/other"}},
	}
	for _, tt := range tests {
		if got := j.SetCookies(site, []string{tt.header})[0]; got != tt.want {
			t.Errorf("%q: %+v, want %+v", tt.header, got, tt.want)
		}
	}
	if all := j.All(); len(all) != 0 {
		t.Errorf("left after deletion: %v", all)
	}
}

func TestJarExpiresCapAndEviction(t *testing.T) {
	now := t0
	j := NewJar(chrome(t), func() time.Time { return now })
	j.SetCookies(top(t, "https://example.com/"), []string{
		"far=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
		"soon=1; Expires=" + t0.Add(time.Hour).Format(time.RFC1123),
		"huge=1; Max-Age=99999999999999999999",
		"session=1",
	})
	byName := map[string]Cookie{}
	for _, c := range j.All() {
		byName[c.Name] = c
	}
	if c := byName["far"]; !c.Persistent || !c.Expires.Equal(t0.Add(maxCookieAge)) {
		t.Errorf("far Expires not capped at 400 days: %v", c.Expires)
	}
	if c := byName["huge"]; !c.Expires.Equal(t0.Add(maxCookieAge)) {
		t.Errorf("overflowing Max-Age not capped: %v", c.Expires)
	}
	if c := byName["soon"]; !c.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("soon expires %v", c.Expires)
	}
	if c := byName["session"]; c.Persistent || !c.Expires.IsZero() {
		t.Errorf("session cookie persistent: %+v", c)
	}
	now = t0.Add(2 * time.Hour)
	if got := names(j.All()); got != "far=1; huge=1; session=1" {
		t.Errorf("All after an hour: %q", got)
	}
	j.Clear()
	if all := j.All(); len(all) != 0 {
		t.Errorf("Clear left %v", all)
	}
	if got, _ := j.Cookies(top(t, "https://example.com/")); len(got) != 0 {
		t.Errorf("cleared jar sent %q", names(got))
	}
}

func TestJarIdentityAndAccess(t *testing.T) {
	now := t0
	j := NewJar(chrome(t), func() time.Time { return now })
	if j.Profile().Name != "chrome" {
		t.Errorf("Profile = %q", j.Profile().Name)
	}
	// A host-only and a domain cookie of one name are two cookies.
	j.SetCookies(top(t, "https://www.example.com/"), []string{"a=host", "a=domain; Domain=example.com"})
	if got, _ := j.Cookies(top(t, "https://www.example.com/")); names(got) != "a=host; a=domain" {
		t.Errorf("www: %q", names(got))
	}
	if got, _ := j.Cookies(top(t, "https://api.example.com/")); names(got) != "a=domain" {
		t.Errorf("api: %q", names(got))
	}
	// A trailing dot and case do not make another host.
	j.SetCookies(top(t, "https://WWW.Example.com./"), []string{"b=1"})
	if got, _ := j.Cookies(top(t, "https://www.example.com")); names(got) != "a=host; a=domain; b=1" {
		t.Errorf("after trailing-dot host: %q", names(got))
	}
	// Sending a cookie updates its last access time.
	now = t0.Add(time.Minute)
	j.Cookies(top(t, "https://api.example.com/"))
	for _, c := range j.All() {
		want := t0
		if c.Domain == "example.com" && !c.HostOnly {
			want = now
		}
		if !c.LastAccess.Equal(want) {
			t.Errorf("%s (domain %s): LastAccess %v, want %v", c.Name, c.Domain, c.LastAccess, want)
		}
	}
}

func TestJarSecureShadowing(t *testing.T) {
	j := NewJar(chrome(t), func() time.Time { return t0 })
	j.SetCookies(top(t, "https://example.com/"), []string{"s=1; Secure; Path=/app", "d=1; Secure; Domain=example.com"})
	tests := []struct {
		from, header string
		reason       BlockReason
	}{
		{"http://example.com/", "s=2; Path=/app/x", BlockOverwriteSecure}, // inside the Secure cookie's path
		{"http://example.com/", "s=2; Path=/", ""},                        // a wider path does not shadow
		{"http://www.example.com/", "d=2", BlockOverwriteSecure},          // a subdomain of the Secure cookie's domain
		{"http://example.com/", "other=2", ""},
		{"https://example.com/", "s=3; Path=/app", ""}, // a secure origin may overwrite
	}
	for _, tt := range tests {
		if got := j.SetCookies(top(t, tt.from), []string{tt.header})[0].Reason; got != tt.reason {
			t.Errorf("%s %q: reason %q, want %q", tt.from, tt.header, got, tt.reason)
		}
	}
}

func TestJarSetCookieContexts(t *testing.T) {
	prov := mustURL(t, "https://idp.example.com/cb")
	app := mustURL(t, "https://app.example.org/")
	crossNav := Request{URL: prov, Method: "GET", Navigation: true, Initiator: app}
	crossPost := Request{URL: prov, Method: "POST", Navigation: true, Initiator: app}
	crossFetch := Request{URL: prov, Method: "GET", Top: app, Initiator: app}
	sameFetch := Request{URL: prov, Method: "GET", Top: mustURL(t, "https://www.example.com/"), Initiator: mustURL(t, "https://www.example.com/")}
	tests := []struct {
		name    string
		profile string
		r       Request
		header  string
		reason  BlockReason
	}{
		{"Strict kept on a cross-site top-level navigation", "chrome", crossNav, "s=1; SameSite=Strict", ""},
		{"Lax kept on a cross-site top-level POST", "chrome", crossPost, "s=1; SameSite=Lax", ""},
		{"Strict refused from a cross-site fetch", "chrome", crossFetch, "s=1; SameSite=Strict", BlockSameSiteStrict},
		{"Lax refused from a cross-site fetch", "chrome", crossFetch, "s=1; SameSite=Lax", BlockSameSiteLax},
		{"Strict kept from a same-site fetch", "chrome", sameFetch, "s=1; SameSite=Strict", ""},
		{"unset is None in Safari, then ITP decides", "safari", crossFetch, "s=1", BlockThirdParty},
		{"Safari takes SameSite=None without Secure", "safari", crossNav, "s=1; SameSite=None", ""},
		{"Firefox needs Secure for None", "firefox", crossNav, "s=1; SameSite=None", BlockNoneInsecure},
		{"Safari ignores Partitioned (CHIPS is Chrome's)", "safari", crossFetch, "s=1; SameSite=None; Secure; Partitioned", BlockThirdParty},
	}
	for _, tt := range tests {
		p, _ := LookupProfile(tt.profile)
		j := NewJar(p, func() time.Time { return t0 })
		res := j.SetCookies(tt.r, []string{tt.header})[0]
		if res.Reason != tt.reason || res.Stored != (tt.reason == "") {
			t.Errorf("%s: %+v, want reason %q", tt.name, res, tt.reason)
		}
	}
}

func TestJarPartitions(t *testing.T) {
	idp := mustURL(t, "https://idp.example.com/")
	appA := mustURL(t, "https://a.example.org/")
	appB := mustURL(t, "https://b.example.net/")
	frame := func(under string) Request {
		u := mustURL(t, under)
		return Request{URL: idp, Method: "GET", Context: IFrame, Navigation: true, Top: u, Initiator: u}
	}
	tests := []struct {
		profile   string
		set       Request
		header    string
		partition string
	}{
		// Chrome partitions a first-party Partitioned cookie under its own site.
		{"chrome", top(t, idp.String()), "p=1; Secure; Partitioned", "https://example.com"},
		// Without Secure, Partitioned means nothing.
		{"chrome", top(t, idp.String()), "p=1; Partitioned", ""},
		// Safari and Firefox do not implement CHIPS at top level.
		{"safari", top(t, idp.String()), "p=1; Secure; Partitioned", ""},
		// Third-party Partitioned cookies land in the embedding site's partition.
		{"chrome", frame(appA.String()), "p=1; SameSite=None; Secure; Partitioned", "https://example.org"},
		{"firefox", frame(appA.String()), "p=1; SameSite=None; Secure", "https://example.org"},
	}
	for _, tt := range tests {
		p, _ := LookupProfile(tt.profile)
		j := NewJar(p, func() time.Time { return t0 })
		if res := j.SetCookies(tt.set, []string{tt.header})[0]; !res.Stored {
			t.Errorf("%s %q: not stored: %s", tt.profile, tt.header, res.Reason)
			continue
		}
		if all := j.All(); len(all) != 1 || all[0].Partition != tt.partition {
			t.Errorf("%s %q: %v, want partition %q", tt.profile, tt.header, all, tt.partition)
		}
	}
	// A cookie in another partition is not even a candidate: neither sent
	// nor reported as blocked.
	for _, prof := range []string{"chrome", "firefox"} {
		p, _ := LookupProfile(prof)
		j := NewJar(p, func() time.Time { return t0 })
		j.SetCookies(frame(appA.String()), []string{"p=1; SameSite=None; Secure; Partitioned"})
		sent, blocked := j.Cookies(frame(appB.String()))
		if len(sent) != 0 || len(blocked) != 0 {
			t.Errorf("%s: partition of a.example.org seen under b.example.net: sent %v blocked %v", prof, sent, blocked)
		}
		if sent, _ := j.Cookies(frame(appA.String())); names(sent) != "p=1" {
			t.Errorf("%s: own partition: %q", prof, names(sent))
		}
	}
}

// When both SameSite and a third-party policy withhold a cookie, the
// SameSite reason comes first: it blocks whatever the policy.
func TestJarBlockReasonOrder(t *testing.T) {
	idp := mustURL(t, "https://idp.example.com/authorize")
	app := mustURL(t, "https://app.example.org/")
	frame := Request{URL: idp, Method: "GET", Context: IFrame, Navigation: true, Top: app, Initiator: app}
	tests := []struct {
		profile, header string
		want            []BlockReason
	}{
		{"chrome-3pc-blocked", "s=1; SameSite=Lax", []BlockReason{BlockSameSiteLax, BlockThirdParty}},
		{"chrome-3pc-blocked", "s=1; SameSite=Strict", []BlockReason{BlockSameSiteStrict, BlockThirdParty}},
		{"chrome-3pc-blocked", "s=1", []BlockReason{BlockSameSiteLaxDefault, BlockThirdParty}},
		{"firefox", "s=1; SameSite=Strict", []BlockReason{BlockSameSiteStrict, BlockPartitioned}},
		{"safari", "s=1; SameSite=None; Secure", []BlockReason{BlockThirdParty}},
		{"chrome", "s=1; SameSite=Strict", []BlockReason{BlockSameSiteStrict}},
	}
	for _, tt := range tests {
		p, _ := LookupProfile(tt.profile)
		j := NewJar(p, func() time.Time { return t0 })
		j.SetCookies(top(t, "https://idp.example.com/"), []string{tt.header})
		sent, blocked := j.Cookies(frame)
		if len(sent) != 0 || len(blocked) != 1 || !reflect.DeepEqual(blocked[0].Reasons, tt.want) {
			t.Errorf("%s %q: sent %q blocked %+v, want reasons %v", tt.profile, tt.header, names(sent), blocked, tt.want)
		}
	}
}
