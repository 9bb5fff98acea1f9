package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock shared by the proxy and the fake provider.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// gateSetup is a gated route /checkout in front of an echo upstream, signing
// in at a fake provider.
type gateSetup struct {
	proxy *Proxy
	url   string // the proxy's base URL
	op    *fakeOP
	clock *testClock
}

func newGateSetup(t *testing.T) *gateSetup {
	t.Helper()
	clock := newTestClock()
	op := newFakeOP(t, clock.Now)
	up := echoUpstream(t, "checkout")
	p, px := startProxy(t, Options{Now: clock.Now, Routes: []Route{{
		Name: "checkout", Prefix: "/checkout", Upstream: up.URL,
		Auth: &Auth{Issuer: op.issuer(), ClientID: op.clientID, ClientSecret: op.clientSecret},
	}}})
	return &gateSetup{proxy: p, url: px.URL, op: op, clock: clock}
}

// browser is an HTTP client with a cookie jar that follows redirects, as a
// browser navigating would.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func navigate(t *testing.T, c *http.Client, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func signIn(t *testing.T, s *gateSetup, c *http.Client) echo {
	t.Helper()
	resp, body := navigate(t, c, s.url+"/checkout/orders?page=2")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s", resp.StatusCode, body)
	}
	var e echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("sign-in did not reach the upstream: %s", body)
	}
	return e
}

func TestGateSignsInAndForwardsIdentity(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	base, _ := url.Parse(s.url)
	c.Jar.SetCookies(base, []*http.Cookie{{Name: "theme", Value: "dark", Path: "/"}})

	resp, body := navigate(t, c, s.url+"/checkout/orders?page=2",
		"X-Forwarded-User", "mallory", "X-Forwarded-Email", "mallory@example.com", "Authorization", "Bearer forged")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var e echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if e.Path != "/checkout/orders" || e.Query != "page=2" {
		t.Errorf("after sign-in the browser landed on %s?%s, want the page it asked for", e.Path, e.Query)
	}
	for name, want := range map[string]string{
		"Authorization":     "Bearer at-1",
		"X-Forwarded-User":  "alice",
		"X-Forwarded-Email": "alice@example.com",
		"Cookie":            "theme=dark",
	} {
		if got := strings.Join(e.Header.Values(name), ","); got != want {
			t.Errorf("upstream saw %s = %q, want %q", name, got, want)
		}
	}
	if got := s.op.grantTypes(); len(got) != 1 || got[0] != "authorization_code" {
		t.Errorf("token endpoint saw %q, want one authorization_code grant", got)
	}

	// The session cookie: opaque, HttpOnly, SameSite=Lax, scoped to the route.
	var session *http.Cookie
	for _, ck := range c.Jar.Cookies(mustParse(t, s.url+"/checkout/")) {
		if ck.Name == "ssokit_proxy_checkout" {
			session = ck
		}
	}
	if session == nil || strings.Contains(session.Value, "at-1") || len(session.Value) < 40 {
		t.Fatalf("session cookie = %+v, want an opaque random value", session)
	}
	if len(c.Jar.Cookies(mustParse(t, s.url+"/elsewhere"))) != 1 {
		t.Error("the session cookie is sent outside /checkout")
	}
}

func TestGateCookieAttributes(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	var setCookies []string
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		setCookies = append(setCookies, req.Response.Header.Values("Set-Cookie")...)
		return nil
	}
	signIn(t, s, c)
	var sawSession bool
	for _, sc := range setCookies {
		if !strings.HasPrefix(sc, "ssokit_proxy_checkout") {
			continue
		}
		for _, attr := range []string{"Path=/checkout", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(sc, attr) {
				t.Errorf("Set-Cookie %q lacks %s", sc, attr)
			}
		}
		if strings.HasPrefix(sc, "ssokit_proxy_checkout=") && !strings.Contains(sc, "Max-Age=0") {
			sawSession = true
		}
	}
	if !sawSession {
		t.Errorf("no session cookie set; Set-Cookie headers: %q", setCookies)
	}
}

func TestGateRedirectsUnauthenticatedBrowser(t *testing.T) {
	s := newGateSetup(t)
	resp, _ := get(t, s.url+"/checkout/", "Accept", "text/html", "Sec-Fetch-Mode", "navigate")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302 to the provider", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), s.op.URL+"/authorize?") {
		t.Fatalf("Location %q, want the provider's authorization endpoint", resp.Header.Get("Location"))
	}
	q := loc.Query()
	want := map[string]string{
		"client_id":             "checkout-bff",
		"response_type":         "code",
		"redirect_uri":          s.url + "/checkout/_ssokit/callback",
		"scope":                 "openid profile email offline_access",
		"code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), v)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 40 {
			t.Errorf("authorize %s = %q, want a fresh random value", k, q.Get(k))
		}
	}
	if q.Get("state") == q.Get("nonce") {
		t.Error("state and nonce must differ")
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("the sign-in redirect must not be cached")
	}
}

func TestGateAnswersAPIClientsWith401(t *testing.T) {
	s := newGateSetup(t)
	for _, h := range [][]string{
		{"Accept", "application/json"},
		{"Accept", "*/*", "Sec-Fetch-Mode", "cors"},
		{}, // curl
	} {
		resp, body := get(t, s.url+"/checkout/api/cart", h...)
		var page errorPage
		_ = json.Unmarshal(body, &page)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "login_required") {
			t.Errorf("headers %q: status %d, want 401 with WWW-Authenticate", h, resp.StatusCode)
		}
		if len(h) > 0 && h[1] == "application/json" && !strings.Contains(page.Hint, "/checkout/_ssokit/login?rd=%2Fcheckout%2Fapi%2Fcart") {
			t.Errorf("401 hint %q, want the login URL", page.Hint)
		}
	}
	// The login URL itself starts the flow and returns where rd says.
	resp, _ := get(t, s.url+"/checkout/_ssokit/login?rd=%2Fcheckout%2Fapi%2Fcart")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), s.op.URL+"/authorize?") {
		t.Errorf("/_ssokit/login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestGateRefreshesExpiredAccessToken(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	if e := signIn(t, s, c); e.Header.Get("Authorization") != "Bearer at-1" {
		t.Fatalf("first token %q", e.Header.Get("Authorization"))
	}
	s.clock.Advance(2 * time.Minute) // still valid (expires_in 300)
	if e := signIn(t, s, c); e.Header.Get("Authorization") != "Bearer at-1" {
		t.Errorf("a valid token was replaced: %q", e.Header.Get("Authorization"))
	}
	s.clock.Advance(4 * time.Minute) // past expiry
	e := signIn(t, s, c)
	if e.Header.Get("Authorization") != "Bearer at-2" || e.Header.Get("X-Forwarded-User") != "alice" {
		t.Errorf("after expiry upstream saw %q %q, want the refreshed at-2 for alice", e.Header.Get("Authorization"), e.Header.Get("X-Forwarded-User"))
	}
	if got := strings.Join(s.op.grantTypes(), ","); got != "authorization_code,refresh_token" {
		t.Errorf("token endpoint saw %s", got)
	}
}

func TestGateLogout(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	signIn(t, s, c)
	sessionCookie := c.Jar.Cookies(mustParse(t, s.url+"/checkout/"))

	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp := postLogout(t, &noFollow, s.url+"/checkout/_ssokit/logout", nil, "Sec-Fetch-Site", "same-origin")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.String(), s.op.URL+"/logout?") {
		t.Fatalf("logout: %d %s, want 303 to the provider's end_session_endpoint", resp.StatusCode, loc)
	}
	q := loc.Query()
	if q.Get("client_id") != "checkout-bff" || q.Get("post_logout_redirect_uri") != s.url+"/checkout/" || strings.Count(q.Get("id_token_hint"), ".") != 2 {
		t.Errorf("end_session parameters %v", q)
	}
	if !strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), ";"), "ssokit_proxy_checkout=; Path=/checkout; Max-Age=0") {
		t.Errorf("logout does not clear the session cookie: %q", resp.Header.Values("Set-Cookie"))
	}

	// Signed out: a page asks to sign in again, even replaying the old cookie.
	req, _ := http.NewRequest(http.MethodGet, s.url+"/checkout/", nil)
	req.Header.Set("Accept", "application/json")
	for _, ck := range sessionCookie {
		req.AddCookie(ck)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout the old session cookie still works: %d", resp.StatusCode)
	}
}

func TestGateRejectsForeignCallback(t *testing.T) {
	s := newGateSetup(t)
	// The attacker starts a sign-in in their own browser and stops at the
	// callback URL, then makes the victim's browser open it.
	attacker := browser(t)
	attacker.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.Contains(req.URL.Path, "/_ssokit/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, _ := navigate(t, attacker, s.url+"/checkout/")
	callback := resp.Header.Get("Location")
	if !strings.Contains(callback, "/checkout/_ssokit/callback?") {
		t.Fatalf("attacker did not get a callback URL: %d %q", resp.StatusCode, callback)
	}
	victim := browser(t)
	resp, body := navigate(t, victim, callback)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "another browser") {
		t.Errorf("victim opening the attacker's callback: %d %s", resp.StatusCode, body)
	}
	// The refusal did not spend the state (TestGateRefusedCallbackKeepsState);
	// once its own browser has used it, it is spent.
	navigate(t, attacker, callback)
	resp, _ = navigate(t, attacker, callback)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: %d, want 400", resp.StatusCode)
	}
}

func TestGateSignInFailures(t *testing.T) {
	t.Run("provider error", func(t *testing.T) {
		s := newGateSetup(t)
		resp, body := navigate(t, browser(t), s.url+"/checkout/_ssokit/callback?error=access_denied&error_description=user+said+no")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "access_denied: user said no") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		s := newGateSetup(t)
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		s.op.signKey = other
		resp, body := navigate(t, browser(t), s.url+"/checkout/")
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "The ID token did not verify") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("nonce mismatch", func(t *testing.T) {
		s := newGateSetup(t)
		s.op.badNonce = true
		resp, body := navigate(t, browser(t), s.url+"/checkout/")
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "nonce mismatch") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		s := newGateSetup(t)
		s.op.clientSecret = "rotated"
		resp, body := navigate(t, browser(t), s.url+"/checkout/")
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "invalid_client") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("provider down", func(t *testing.T) {
		down := closedPortURL(t)
		_, px := startProxy(t, Options{Routes: []Route{{Name: "checkout", Prefix: "/checkout", Upstream: down,
			Auth: &Auth{Issuer: down + "/", ClientID: "x"}}}})
		resp, body := get(t, px.URL+"/checkout/", "Accept", "application/json", "Sec-Fetch-Mode", "navigate")
		var page errorPage
		_ = json.Unmarshal(body, &page)
		if resp.StatusCode != http.StatusBadGateway || page.Error != "provider_unavailable" || !strings.Contains(page.Hint, "Start the provider") {
			t.Errorf("%d %+v", resp.StatusCode, page)
		}
	})
}

func TestGateSessionsSurviveReload(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	signIn(t, s, c)
	routes := s.proxy.Routes()
	other := echoUpstream(t, "other")
	// Add a route: the gate's settings are unchanged, so is its session.
	if err := s.proxy.SetRoutes(append(routes, Route{Prefix: "/other", Upstream: other.URL})); err != nil {
		t.Fatal(err)
	}
	if e := signIn(t, s, c); e.Header.Get("Authorization") != "Bearer at-1" {
		t.Errorf("after reload upstream saw %q, want the same session's at-1", e.Header.Get("Authorization"))
	}
	// Change the gate's client: its sessions go, the user signs in anew.
	routes[0].Auth.Scopes = []string{"openid"}
	if err := s.proxy.SetRoutes(routes); err != nil {
		t.Fatal(err)
	}
	if e := signIn(t, s, c); e.Header.Get("Authorization") != "Bearer at-2" {
		t.Errorf("after changing the gate upstream saw %q, want a new sign-in's at-2", e.Header.Get("Authorization"))
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestGateBackchannelLogoutTokens(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	signIn(t, s, c)
	endpoint := s.url + "/checkout/_ssokit/backchannel-logout"
	now := s.clock.Now()
	base := func() map[string]any {
		return map[string]any{"iss": s.op.issuer(), "aud": s.op.clientID, "sub": "user-1", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "j1",
			"events": map[string]any{backchannelEvent: map[string]any{}}}
	}
	post := func(token string) int {
		resp, err := http.PostForm(endpoint, url.Values{"logout_token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	signedIn := func() bool {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/checkout/x", nil)
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}

	noEvent := base()
	delete(noEvent, "events")
	withNonce := base()
	withNonce["nonce"] = "n"
	otherAud := base()
	otherAud["aud"] = "someone-else"
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"an ID token is not a logout token", s.op.sign(noEvent)},
		{"a logout token has no nonce", s.op.sign(withNonce)},
		{"for another client", s.op.sign(otherAud)},
		{"garbage", "not.a.jwt"},
		{"missing", ""},
	} {
		if code := post(tc.token); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tc.name, code)
		}
	}
	if resp, _ := get(t, endpoint); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	if !signedIn() {
		t.Fatal("a refused logout token ended the session")
	}
	if code := post(s.op.sign(base())); code != http.StatusOK {
		t.Fatalf("valid logout token: %d", code)
	}
	if signedIn() {
		t.Error("the session outlived a valid logout token for its sub")
	}
}

// TestGateKeepsSessionWhileProviderIsDown: a refresh that fails because
// the provider is unavailable answers 502 and keeps the session; a refresh
// the provider refuses ends it.
func TestGateKeepsSessionWhileProviderIsDown(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	signIn(t, s, c)
	s.clock.Advance(10 * time.Minute)
	s.op.mu.Lock()
	s.op.down = true
	s.op.mu.Unlock()
	resp, body := navigate(t, c, s.url+"/checkout/x", "Accept", "application/json")
	var page errorPage
	_ = json.Unmarshal(body, &page)
	if resp.StatusCode != http.StatusBadGateway || page.Error != "provider_unavailable" {
		t.Fatalf("refresh against a down provider: %d %s", resp.StatusCode, body)
	}
	s.op.mu.Lock()
	s.op.down = false
	s.op.mu.Unlock()
	if e := signIn(t, s, c); e.Header.Get("Authorization") != "Bearer at-2" {
		t.Errorf("after the provider came back: %q, want the refreshed at-2 on the same session", e.Header.Get("Authorization"))
	}
	if got := strings.Join(s.op.grantTypes(), ","); got != "authorization_code,refresh_token" {
		t.Errorf("grants %s: the session was not kept", got)
	}

	// Refused refresh (the provider forgot the token): the session ends.
	s.clock.Advance(10 * time.Minute)
	s.op.mu.Lock()
	s.op.refreshes = map[string]bool{}
	s.op.mu.Unlock()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/checkout/x", nil)
	req.Header.Set("Accept", "application/json")
	for _, ck := range c.Jar.Cookies(mustParse(t, s.url+"/checkout/")) {
		req.AddCookie(ck)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after a refused refresh: %d, want 401 (session ended)", resp.StatusCode)
	}
}
