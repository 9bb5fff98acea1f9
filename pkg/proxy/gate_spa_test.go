package proxy

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/provider"
)

// spaStack: ssokit's provider and a proxy with two SPA gates on one origin
// (/shop and /cart, two confidential clients), each with its own API.
type spaStack struct {
	proxyURL, issuer string
	clock            *testClock
}

func newSPAStack(t *testing.T) *spaStack {
	t.Helper()
	clock := newTestClock()
	pxLn, opLn := listen(t), listen(t)
	proxyURL := "http://" + pxLn.Addr().String()
	issuer := "http://" + opLn.Addr().String() + "/"
	client := func(name string) config.Client {
		return config.Client{ClientID: name + "-bff", Secret: name + "-secret",
			RedirectURIs:           []string{proxyURL + "/" + name + "/_ssokit/callback"},
			PostLogoutRedirectURIs: []string{proxyURL + "/" + name + "/"},
			BackchannelLogoutURI:   proxyURL + "/" + name + "/_ssokit/backchannel-logout",
			Tokens:                 config.Lifetimes{AccessToken: time.Minute}}
	}
	cfg := &config.Config{Issuer: issuer, Clients: []config.Client{client("shop"), client("cart")}}
	op, err := provider.New(provider.Options{Issuer: issuer, Config: cfg, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { op.Close() })
	serve(t, opLn, op)
	route := func(name string) Route {
		return Route{Name: name, Prefix: "/" + name, Upstream: echoUpstream(t, name+"-spa").URL, Auth: &Auth{
			Issuer: issuer, ClientID: name + "-bff", ClientSecret: name + "-secret", SPA: true,
			APIs: []API{{Path: "/api", Upstream: echoUpstream(t, name+"-api").URL}},
		}}
	}
	p, err := New(Options{Routes: []Route{route("shop"), route("cart")}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, pxLn, p)
	return &spaStack{proxyURL: proxyURL, issuer: issuer, clock: clock}
}

// spaSession is the session endpoint's answer.
type spaSession struct {
	Authenticated bool           `json:"authenticated"`
	Claims        map[string]any `json:"claims"`
	ExpiresAt     int64          `json:"expires_at"`
	LoginURL      string         `json:"login_url"`
	LogoutURL     string         `json:"logout_url"`
}

// call is the SPA's fetch: method, URL, headers; it returns status and body.
func call(t *testing.T, c *http.Client, method, u string, header ...string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func (s *spaStack) session(t *testing.T, c *http.Client, app string) spaSession {
	t.Helper()
	st, body := call(t, c, http.MethodGet, s.proxyURL+"/"+app+"/_ssokit/session", "X-CSRF", "1")
	var out spaSession
	if st != http.StatusOK || json.Unmarshal(body, &out) != nil {
		t.Fatalf("%s session endpoint: %d %s", app, st, body)
	}
	return out
}

// TestSPAGate: the backend-for-frontend for single-page apps, against
// ssokit's provider: pages load without a session, the session endpoint
// says who is signed in (never a token), the API gets the bearer token and
// a refreshed one after expiry, unsafe calls need the CSRF header, two SPAs
// on one origin keep separate sessions, and back-channel logout ends the
// SPA's session.
func TestSPAGate(t *testing.T) {
	s := newSPAStack(t)
	c := browser(t)

	// The app's page loads without a session; a forged Authorization from
	// the browser never reaches it.
	resp, body := navigate(t, c, s.proxyURL+"/shop/", "Authorization", "Bearer forged")
	if e := decodeEcho(t, resp, body); e.Upstream != "shop-spa" || e.Header.Get("Authorization") != "" {
		t.Fatalf("the SPA page: upstream %s with Authorization %q, want shop-spa without one", e.Upstream, e.Header.Get("Authorization"))
	}
	got := s.session(t, c, "shop")
	if got.Authenticated || got.LoginURL != "/shop/_ssokit/login?rd=%2Fshop%2F" || got.LogoutURL != "/shop/_ssokit/logout" {
		t.Fatalf("session before sign-in: %+v", got)
	}
	if st, body := call(t, c, http.MethodGet, s.proxyURL+"/shop/_ssokit/session"); st != http.StatusForbidden || !strings.Contains(string(body), "X-CSRF") {
		t.Errorf("session endpoint without the CSRF header: %d %s", st, body)
	}
	if st, body := call(t, c, http.MethodGet, s.proxyURL+"/shop/api/orders", "X-CSRF", "1"); st != http.StatusUnauthorized || !strings.Contains(string(body), `"login_required"`) {
		t.Errorf("API without a session: %d %s, want 401 login_required (JSON, not a redirect)", st, body)
	}

	// Sign in at the login URL the session endpoint gave.
	resp, page := navigate(t, c, s.proxyURL+got.LoginURL)
	resp, body = submitLogin(t, c, resp.Request.URL, page, "alice")
	if e := decodeEcho(t, resp, body); e.Upstream != "shop-spa" || e.Path != "/shop/" {
		t.Fatalf("after sign-in: %s %s, want the SPA's page", e.Upstream, e.Path)
	}
	got = s.session(t, c, "shop")
	if !got.Authenticated || got.Claims["sub"] != "alice" || got.ExpiresAt <= s.clock.Now().Unix() {
		t.Fatalf("session after sign-in: %+v", got)
	}
	raw, _ := json.Marshal(got)
	if strings.Contains(string(raw), "eyJ") {
		t.Errorf("the session endpoint gave the browser a token: %s", raw)
	}

	// The API gets the access token; the SPA page never does.
	st, body := call(t, c, http.MethodGet, s.proxyURL+"/shop/api/orders?page=2", "X-CSRF", "1")
	var e echo
	if st != http.StatusOK || json.Unmarshal(body, &e) != nil {
		t.Fatalf("API call: %d %s", st, body)
	}
	bearer := strings.TrimPrefix(e.Header.Get("Authorization"), "Bearer ")
	if e.Upstream != "shop-api" || e.Path != "/orders" || e.Query != "page=2" || strings.Count(bearer, ".") != 2 {
		t.Fatalf("API saw %s %s?%s with Authorization %q", e.Upstream, e.Path, e.Query, e.Header.Get("Authorization"))
	}
	if strings.Contains(e.Header.Get("Cookie"), "ssokit_") {
		t.Errorf("the API saw the gate's cookie: %q", e.Header.Get("Cookie"))
	}
	resp, body = navigate(t, c, s.proxyURL+"/shop/account")
	if e := decodeEcho(t, resp, body); e.Header.Get("Authorization") != "" {
		t.Errorf("the SPA's page upstream saw a token")
	}

	// A forged cross-site form posts to the API: refused. The app's own
	// fetch (CSRF header, or Sec-Fetch-Site: same-origin) goes through.
	if st, body := call(t, c, http.MethodPost, s.proxyURL+"/shop/api/orders", "Sec-Fetch-Site", "same-site", "Content-Type", "application/x-www-form-urlencoded"); st != http.StatusForbidden || !strings.Contains(string(body), `"csrf"`) {
		t.Errorf("forged form POST: %d %s, want 403 csrf", st, body)
	}
	for _, h := range [][]string{{"X-CSRF", "1"}, {"Sec-Fetch-Site", "same-origin"}} {
		if st, body := call(t, c, http.MethodPost, s.proxyURL+"/shop/api/orders", h...); st != http.StatusOK {
			t.Errorf("the app's own POST with %s: %d %s", h[0], st, body)
		}
	}

	// Past the access token's minute, the gate refreshes it server-side.
	s.clock.Advance(2 * time.Minute)
	st, body = call(t, c, http.MethodGet, s.proxyURL+"/shop/api/orders", "X-CSRF", "1")
	if st != http.StatusOK || json.Unmarshal(body, &e) != nil {
		t.Fatalf("API call after expiry: %d %s", st, body)
	}
	if refreshed := strings.TrimPrefix(e.Header.Get("Authorization"), "Bearer "); refreshed == bearer || strings.Count(refreshed, ".") != 2 {
		t.Errorf("after expiry the API still saw the old token")
	}
	if after := s.session(t, c, "shop"); after.ExpiresAt <= s.clock.Now().Unix() {
		t.Errorf("expires_at %d is not after the refresh", after.ExpiresAt)
	}

	// A second SPA on the same origin: its own session and cookie. It is
	// signed out until it signs in (single sign-on: no form).
	if s.session(t, c, "cart").Authenticated {
		t.Fatal("cart shares shop's session")
	}
	resp, body = navigate(t, c, s.proxyURL+"/cart/_ssokit/login")
	if e := decodeEcho(t, resp, body); e.Upstream != "cart-spa" {
		t.Fatalf("cart sign-in with the provider session: %s", e.Upstream)
	}
	if !s.session(t, c, "cart").Authenticated || !s.session(t, c, "shop").Authenticated {
		t.Fatal("two SPAs on one origin collided: one sign-in ended the other's session")
	}
	names := map[string]string{}
	for _, ck := range c.Jar.Cookies(mustParse(t, s.proxyURL+"/shop/x")) {
		names[ck.Name] = ck.Value
	}
	for _, ck := range c.Jar.Cookies(mustParse(t, s.proxyURL+"/cart/x")) {
		if v, ok := names[ck.Name]; ok && v == ck.Value && strings.HasPrefix(ck.Name, "ssokit_proxy_") {
			t.Errorf("cookie %s is shared by both SPAs", ck.Name)
		}
	}

	// Sign out at the provider: back-channel logout ends both SPA sessions.
	_, page = navigate(t, c, s.issuer+"logout")
	m := providerLogoutForm.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no confirmation form at the provider's logout:\n%s", page)
	}
	action, _ := mustParse(t, s.issuer+"logout").Parse(html.UnescapeString(string(m[1])))
	lr, err := c.PostForm(action.String(), url.Values{"confirm": {html.UnescapeString(string(m[2]))}})
	if err != nil {
		t.Fatal(err)
	}
	lr.Body.Close()
	deadline := time.Now().Add(10 * time.Second) // guards against a hang only
	for s.session(t, c, "shop").Authenticated || s.session(t, c, "cart").Authenticated {
		if time.Now().After(deadline) {
			t.Fatal("the SPA sessions outlived the provider's: back-channel logout did not end them")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, _ := call(t, c, http.MethodGet, s.proxyURL+"/shop/api/orders", "X-CSRF", "1"); st != http.StatusUnauthorized {
		t.Errorf("API after back-channel logout: %d, want 401", st)
	}
}

func TestSPAGateRoutesValidated(t *testing.T) {
	auth := func(spa bool, apis ...API) *Auth {
		return &Auth{Issuer: "http://localhost:9400/", ClientID: "x", SPA: spa, APIs: apis}
	}
	for _, tc := range []struct {
		name string
		auth *Auth
		want string
	}{
		{"APIs on a page gate", auth(false, API{"/api", "http://localhost:1"}), "auth APIs need the SPA gate"},
		{"relative path", auth(true, API{"api", "http://localhost:1"}), `API path "api" must be a path`},
		{"root path", auth(true, API{"/", "http://localhost:1"}), `API path "/" must be a path`},
		{"reserved path", auth(true, API{"/_ssokit/x", "http://localhost:1"}), "which the auth gate reserves"},
		{"twice", auth(true, API{"/api", "http://localhost:1"}, API{"/api/", "http://localhost:2"}), "listed twice"},
		{"bad upstream", auth(true, API{"/api", "ftp://x"}), `API upstream "ftp://x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateRoutes([]Route{{Prefix: "/shop", Upstream: "http://localhost:5", Auth: tc.auth}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
