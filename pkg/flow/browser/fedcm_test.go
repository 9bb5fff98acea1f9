package browser

import (
	"net/http"
	"testing"
	"time"
)

// TestFedCMCookies: a FedCM credentialed request carries the provider's
// unpartitioned SameSite=None cookies, whatever the third-party policy,
// and withholds Lax, Strict and unspecified (Lax by default) ones, as
// Chromium 156 was measured to do (pkg/provider TestThirdPartyCookieAPIsTable).
func TestFedCMCookies(t *testing.T) {
	for _, name := range []string{"chrome", "chrome-3pc-blocked"} {
		p, _ := LookupProfile(name)
		now := t0
		j := NewJar(p, func() time.Time { return now })
		provider := top(t, "https://auth.example.com/login")
		j.SetCookies(provider, []string{"none=1; SameSite=None; Secure", "lax=1; SameSite=Lax", "strict=1; SameSite=Strict", "unset=1",
			"part=1; SameSite=None; Secure; Partitioned"})
		// a partitioned cookie set in a frame on another site
		j.SetCookies(Request{URL: mustURL(t, "https://auth.example.com/f"), Context: IFrame, Navigation: true, Top: mustURL(t, "https://app.test/")},
			[]string{"framed=1; SameSite=None; Secure; Partitioned"})
		send, blocked := j.fedcmCookies(mustURL(t, "https://auth.example.com/fedcm/accounts"))
		if got := names(send); got != "none=1" {
			t.Errorf("%s: sent %q, want none=1", name, got)
		}
		want := map[string]BlockReason{"lax": BlockSameSiteLax, "strict": BlockSameSiteStrict, "unset": BlockSameSiteLaxDefault}
		if len(blocked) != len(want) {
			t.Fatalf("%s: blocked %v", name, blocked)
		}
		for _, b := range blocked {
			if want[b.Cookie.Name] != b.Reasons[0] {
				t.Errorf("%s: %s withheld for %v, want %s", name, b.Cookie.Name, b.Reasons, want[b.Cookie.Name])
			}
		}
	}
	if (Profile{Name: "safari"}).FedCM().Supported || (Profile{Name: "firefox"}).FedCM().Supported {
		t.Error("safari and firefox have no FedCM")
	}
	for _, n := range ProfileNames() {
		p, _ := LookupProfile(n)
		if m := p.FedCM(); m.Model == "" || m.CheckedAgainst == "" {
			t.Errorf("%s: the FedCM model says nothing: %+v", n, m)
		}
	}
}

// TestSetLogin: the Login Status header counts on the provider's
// top-level documents only, per origin.
func TestSetLogin(t *testing.T) {
	j := NewJar(chrome(t), func() time.Time { return t0 })
	h := http.Header{"Set-Login": {"logged-in"}}
	j.noteSetLogin(Request{URL: mustURL(t, "https://auth.example.com/x"), Context: IFrame, Navigation: true, Top: mustURL(t, "https://app.test/")}, h)
	b := &Browser{jar: j}
	if s := b.LoginStatus(mustURL(t, "https://auth.example.com/fedcm.json")); s != "" {
		t.Fatalf("a framed response set the status: %q", s)
	}
	j.noteSetLogin(top(t, "https://auth.example.com/login"), h)
	if s := b.LoginStatus(mustURL(t, "https://auth.example.com/fedcm.json")); s != "logged-in" {
		t.Fatalf("status %q", s)
	}
	if s := b.LoginStatus(mustURL(t, "https://other.example.com/")); s != "" {
		t.Fatalf("another origin: %q", s)
	}
	j.noteSetLogin(top(t, "https://auth.example.com/logout"), http.Header{"Set-Login": {"Logged-Out "}})
	if s := b.LoginStatus(mustURL(t, "https://auth.example.com/")); s != "logged-out" {
		t.Fatalf("status %q", s)
	}
}
