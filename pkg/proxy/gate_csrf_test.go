package proxy

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// stopAtCallback makes c stop before following the provider's redirect to
// the gate's callback, as an attacker collecting a callback URL does.
func stopAtCallback(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.Contains(req.URL.Path, "/_ssokit/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &cc
}

// startLogin starts a sign-in in c and returns the callback URL the
// provider sent the browser to, not yet followed.
func startLogin(t *testing.T, c *http.Client, pageURL string) string {
	t.Helper()
	resp, _ := navigate(t, stopAtCallback(c), pageURL)
	callback := resp.Header.Get("Location")
	if !strings.Contains(callback, "/_ssokit/callback?") {
		t.Fatalf("no callback URL: %d %q", resp.StatusCode, callback)
	}
	return callback
}

// TestGateLoginBindingOverTLS: over TLS the login binding is a __Host-
// cookie, which a page on a plain-http origin (and, for the Domain
// attribute, a sibling subdomain) cannot set; the unprefixed cookie such a
// page can plant is ignored, and a refused callback does not spend the
// sign-in, so its owner still finishes it.
func TestGateLoginBindingOverTLS(t *testing.T) {
	op := newFakeOP(t, nil)
	op.now = newTestClock().Now
	up := echoUpstream(t, "checkout")
	p, err := New(Options{Routes: []Route{{
		Name: "checkout", Prefix: "/checkout", Upstream: up.URL,
		Auth: &Auth{Issuer: op.issuer(), ClientID: op.clientID, ClientSecret: op.clientSecret},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	px := httptest.NewTLSServer(p)
	t.Cleanup(px.Close)
	newBrowser := func() *http.Client {
		c := *px.Client() // one shared *http.Client: copy it
		c.Jar = browser(t).Jar
		return &c
	}

	attacker := newBrowser()
	callback := startLogin(t, attacker, px.URL+"/checkout/")
	var binding *http.Cookie
	for _, ck := range attacker.Jar.Cookies(mustParse(t, px.URL+"/")) {
		if strings.HasPrefix(ck.Name, "__Host-ssokit_proxy_checkout_login") {
			binding = ck
		}
	}
	if binding == nil {
		t.Fatalf("over TLS the login binding is not a __Host- cookie at Path=/: %v", attacker.Jar.Cookies(mustParse(t, px.URL+"/checkout/")))
	}

	// The victim's browser holds the binding under every name a
	// non-secure page could write, and opens the attacker's callback.
	victim := newBrowser()
	plain := strings.TrimPrefix(binding.Name, "__Host-")
	victim.Jar.SetCookies(mustParse(t, px.URL+"/checkout/"), []*http.Cookie{
		{Name: plain, Value: binding.Value, Path: "/checkout"},
		{Name: plain, Value: binding.Value, Path: "/"},
	})
	resp, body := navigate(t, victim, callback)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "another browser") {
		t.Fatalf("victim opening the attacker's callback with a planted plain cookie: %d %s", resp.StatusCode, body)
	}
	// The refused attempt did not consume the state: its owner finishes.
	resp, body = navigate(t, attacker, callback)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"X-Forwarded-User":["alice"]`) {
		t.Fatalf("the owner's callback after a refused attempt: %d %s", resp.StatusCode, body)
	}
}

// TestGateRefusedCallbackKeepsState: on plain http, a callback without
// this browser's binding is refused before the state is looked at as
// spent, so someone who learns a state cannot cancel the sign-in.
func TestGateRefusedCallbackKeepsState(t *testing.T) {
	s := newGateSetup(t)
	owner := browser(t)
	callback := startLogin(t, owner, s.url+"/checkout/")
	for _, cookie := range []string{"", "ssokit_proxy_checkout_login=" + strings.Repeat("A", 43)} {
		other := browser(t)
		var header []string
		if cookie != "" {
			header = []string{"Cookie", cookie}
		}
		resp, body := navigate(t, other, callback, header...)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "another browser") {
			t.Fatalf("callback from another browser (cookie %q): %d %s", cookie, resp.StatusCode, body)
		}
	}
	resp, body := navigate(t, owner, callback)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the owner's callback after refused attempts: %d %s", resp.StatusCode, body)
	}
	// Spent once used.
	resp, _ = navigate(t, owner, callback)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a used callback answered %d, want 400", resp.StatusCode)
	}
}

// TestGateBindingIsPerLogin: a binding cookie planted before the sign-in
// is not adopted (the gate makes a fresh one for each sign-in), so an
// attacker cannot choose a value in advance, plant it in the victim's
// browser and bind their own sign-in to it; and two sign-ins started in
// two tabs of one browser both finish.
func TestGateBindingIsPerLogin(t *testing.T) {
	s := newGateSetup(t)
	planted := []*http.Cookie{{Name: "ssokit_proxy_checkout_login", Value: strings.Repeat("P", 43), Path: "/checkout"}}
	attacker, victim := browser(t), browser(t)
	for _, c := range []*http.Client{attacker, victim} {
		c.Jar.SetCookies(mustParse(t, s.url+"/checkout/"), planted)
	}
	callback := startLogin(t, attacker, s.url+"/checkout/")
	resp, body := navigate(t, victim, callback)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("victim with the planted binding finished the attacker's sign-in: %d %s", resp.StatusCode, body)
	}

	c := browser(t)
	first := startLogin(t, c, s.url+"/checkout/a")
	second := startLogin(t, c, s.url+"/checkout/b")
	for _, cb := range []string{first, second} {
		resp, body := navigate(t, c, cb)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("tab's callback %s: %d %s", cb, resp.StatusCode, body)
		}
	}
	// The bindings are cleared once used.
	for _, ck := range c.Jar.Cookies(mustParse(t, s.url+"/checkout/_ssokit/callback")) {
		if strings.HasPrefix(ck.Name, "ssokit_proxy_checkout_login") {
			t.Errorf("binding cookie %s left after its sign-in", ck.Name)
		}
	}
}
