package proxy

import (
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// realStack runs ssokit's own provider and a proxy with two gated routes
// (/checkout and /orders, two confidential clients) built from a config, as
// `ssokit up` will.
type realStack struct {
	proxyURL string
	issuer   string
	clock    *testClock
}

func newRealStack(t *testing.T) *realStack {
	t.Helper()
	clock := newTestClock()
	pxLn := listen(t)
	opLn := listen(t)
	proxyURL := "http://" + pxLn.Addr().String()
	issuer := "http://" + opLn.Addr().String() + "/"
	checkout := echoUpstream(t, "checkout")
	orders := echoUpstream(t, "orders")

	cfg := &config.Config{
		Issuer: issuer,
		Clients: []config.Client{
			{ClientID: "checkout-bff", Secret: "checkout-secret",
				RedirectURIs:           []string{proxyURL + "/checkout/_ssokit/callback"},
				PostLogoutRedirectURIs: []string{proxyURL + "/checkout/"},
				BackchannelLogoutURI:   proxyURL + "/checkout/_ssokit/backchannel-logout",
				Tokens:                 config.Lifetimes{AccessToken: time.Minute}},
			{ClientID: "orders-bff", Secret: "orders-secret",
				RedirectURIs: []string{proxyURL + "/orders/_ssokit/callback"}},
		},
		Apps: []config.App{
			{Name: "checkout", Path: "/checkout", Upstream: checkout.URL, Auth: "required", ClientID: "checkout-bff"},
			{Name: "orders", Path: "/orders", Upstream: orders.URL, Auth: "required", ClientID: "orders-bff"},
		},
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatalf("test config: %v", errs)
	}
	op, err := provider.New(provider.Options{Issuer: issuer, Config: cfg, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { op.Close() })
	serve(t, opLn, op)

	routes := []Route{
		{Name: "checkout", Prefix: "/checkout", Upstream: checkout.URL, Auth: &Auth{Issuer: issuer, ClientID: "checkout-bff", ClientSecret: "checkout-secret",
			RedirectURL: proxyURL + "/checkout/_ssokit/callback", PostLogoutRedirectURL: proxyURL + "/checkout/"}},
		{Name: "orders", Prefix: "/orders", Upstream: orders.URL, Auth: &Auth{Issuer: issuer, ClientID: "orders-bff", ClientSecret: "orders-secret",
			RedirectURL: proxyURL + "/orders/_ssokit/callback"}},
	}
	p, err := New(Options{Routes: routes, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, pxLn, p)
	return &realStack{proxyURL: proxyURL, issuer: issuer, clock: clock}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func serve(t *testing.T, ln net.Listener, h http.Handler) {
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)" id="login">`)
	hiddenOf   = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`)
)

// submitLogin fills the provider's login form in page as username and
// follows the redirects back to the app.
func submitLogin(t *testing.T, c *http.Client, pageURL *url.URL, page []byte, username string) (*http.Response, []byte) {
	t.Helper()
	m := formAction.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login form in the page:\n%s", page)
	}
	action, err := pageURL.Parse(html.UnescapeString(string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"username": {username}, "password": {"any"}}
	loginForm := page[strings.Index(string(page), `id="login"`):]
	for _, h := range hiddenOf.FindAllSubmatch(loginForm, -1) {
		form.Set(string(h[1]), html.UnescapeString(string(h[2])))
	}
	resp, err := c.PostForm(action.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestGateWithSsokitProvider(t *testing.T) {
	s := newRealStack(t)
	c := browser(t)

	// An unauthenticated browser lands on the provider's login form.
	resp, page := navigate(t, c, s.proxyURL+"/checkout/cart",
		"X-Forwarded-User", "mallory", "Authorization", "Bearer forged")
	if !strings.HasPrefix(resp.Request.URL.String(), s.issuer) || !strings.Contains(string(page), `name="username"`) {
		t.Fatalf("unauthenticated browser ended at %s (%d), want the provider's login form", resp.Request.URL, resp.StatusCode)
	}
	resp, body := submitLogin(t, c, resp.Request.URL, page, "alice")
	e := decodeEcho(t, resp, body)
	if e.Upstream != "checkout" || e.Path != "/checkout/cart" {
		t.Fatalf("after sign-in reached %s %s, want checkout /checkout/cart", e.Upstream, e.Path)
	}
	bearer := strings.TrimPrefix(e.Header.Get("Authorization"), "Bearer ")
	if strings.Count(bearer, ".") != 2 || bearer == "forged" {
		t.Errorf("upstream saw Authorization %q, want the provider's access token", e.Header.Get("Authorization"))
	}
	if e.Header.Get("X-Forwarded-User") != "alice" || e.Header.Get("X-Forwarded-Email") != "alice@example.com" {
		t.Errorf("upstream saw user %q email %q", e.Header.Get("X-Forwarded-User"), e.Header.Get("X-Forwarded-Email"))
	}

	// Single sign-on: the second gated app, another client, signs in with
	// the provider's session cookie and no form.
	resp, body = navigate(t, c, s.proxyURL+"/orders/")
	if e := decodeEcho(t, resp, body); e.Upstream != "orders" || e.Header.Get("X-Forwarded-User") != "alice" {
		t.Errorf("orders: reached %s as %q, want orders as alice without a form", e.Upstream, e.Header.Get("X-Forwarded-User"))
	}

	// The access token lives a minute; past that the gate refreshes it.
	s.clock.Advance(2 * time.Minute)
	resp, body = navigate(t, c, s.proxyURL+"/checkout/cart")
	refreshed := strings.TrimPrefix(decodeEcho(t, resp, body).Header.Get("Authorization"), "Bearer ")
	if refreshed == bearer || strings.Count(refreshed, ".") != 2 {
		t.Errorf("after expiry the upstream still saw the old token")
	}
	if resp.Request.URL.Host != strings.TrimPrefix(s.proxyURL, "http://") {
		t.Errorf("refresh went through the browser (%s); it must stay server-side", resp.Request.URL)
	}

	// Logout ends the gate's session and the provider's.
	// With no front-channel page to load, the provider answers 303 to the
	// gate's post-logout URI, whose gated page sends the browser back to
	// the provider: the login form, since the session is gone.
	resp, body = confirmedLogout(t, c, s.proxyURL+"/checkout/_ssokit/logout")
	if !strings.HasPrefix(resp.Request.URL.String(), s.issuer+"authorize") || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `name="password"`) {
		t.Fatalf("logout ended at %s (%d), want the provider's login form (session ended):\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	resp, page = navigate(t, c, s.proxyURL+"/checkout/cart")
	if !strings.Contains(string(page), `name="username"`) {
		t.Errorf("after logout the gated route answered %d from %s, want the login form again", resp.StatusCode, resp.Request.URL)
	}
}

func decodeEcho(t *testing.T, resp *http.Response, body []byte) echo {
	t.Helper()
	var e echo
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &e) != nil {
		t.Fatalf("%s answered %d, not an upstream echo:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return e
}

// TestGatePublicClientZeroConfig: with a zero-config provider any client_id
// is a public client, so the gate signs in with PKCE alone (no secret), as
// `ssokit proxy --route /x=URL,auth` does out of the box.
func TestGatePublicClientZeroConfig(t *testing.T) {
	opLn := listen(t)
	issuer := "http://" + opLn.Addr().String() + "/"
	op, err := provider.New(provider.Options{Issuer: issuer, AutoLogin: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { op.Close() })
	serve(t, opLn, op)
	up := echoUpstream(t, "reports")
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/reports", Upstream: up.URL,
		Auth: &Auth{Issuer: issuer, ClientID: "ssokit-proxy"}}}})

	resp, body := navigate(t, browser(t), px.URL+"/reports/q3")
	e := decodeEcho(t, resp, body)
	if e.Header.Get("X-Forwarded-User") != "bob" || !strings.HasPrefix(e.Header.Get("Authorization"), "Bearer ey") {
		t.Errorf("upstream saw user %q auth %q", e.Header.Get("X-Forwarded-User"), e.Header.Get("Authorization"))
	}
}

// TestGateBackchannelLogout: signing out at the provider (from any app)
// ends the gate's session through back-channel logout.
// providerLogoutForm finds the provider's logout confirmation: action and token.
var providerLogoutForm = regexp.MustCompile(`<form method="post" action="([^"]+)" id="logout">\s*<input type="hidden" name="confirm" value="([^"]+)">`)

func TestGateBackchannelLogout(t *testing.T) {
	s := newRealStack(t)
	c := browser(t)
	resp, page := navigate(t, c, s.proxyURL+"/checkout/")
	resp, body := submitLogin(t, c, resp.Request.URL, page, "alice")
	decodeEcho(t, resp, body)

	// The user signs out at the provider directly, not through the gate.
	// Without an id_token_hint the provider asks first (logout CSRF); the
	// user confirms.
	_, page = navigate(t, c, s.issuer+"logout")
	m := providerLogoutForm.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no confirmation form at the provider's logout:\n%s", page)
	}
	action, _ := mustParse(t, s.issuer+"logout").Parse(html.UnescapeString(string(m[1])))
	resp, err := c.PostForm(action.String(), url.Values{"confirm": {html.UnescapeString(string(m[2]))}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirmed provider logout: %d", resp.StatusCode)
	}
	// The provider delivers the logout token in the background; wait for
	// the gate to act on it (the deadline only guards against a hang).
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, s.proxyURL+"/checkout/api", nil)
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gate's session outlived the provider's: still %d", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestProviderMountedUnderProxy: a Handler route serves ssokit's provider
// under /auth of the proxy, as `ssokit up` does with provider.mount, and a
// gated route signs in against it over the proxy's own origin.
func TestProviderMountedUnderProxy(t *testing.T) {
	pxLn := listen(t)
	proxyURL := "http://" + pxLn.Addr().String()
	issuer := proxyURL + "/auth/"
	op, err := provider.New(provider.Options{Issuer: issuer, AutoLogin: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { op.Close() })
	up := echoUpstream(t, "app")
	log := &testutil.SyncBuffer{}
	p, err := New(Options{AccessLog: log, Routes: []Route{
		{Name: "provider", Prefix: "/auth", StripPrefix: true, Handler: op},
		{Name: "app", Prefix: "/app", Upstream: up.URL, Auth: &Auth{Issuer: issuer, ClientID: "app"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, pxLn, p)

	resp, body := get(t, proxyURL+"/auth/.well-known/openid-configuration")
	var disc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &disc); err != nil || resp.StatusCode != 200 || disc.Issuer != issuer {
		t.Fatalf("discovery through the mount: %d %s", resp.StatusCode, body)
	}
	resp, body = navigate(t, browser(t), proxyURL+"/app/")
	if e := decodeEcho(t, resp, body); e.Header.Get("X-Forwarded-User") != "alice" {
		t.Errorf("gated app behind a mounted provider saw user %q", e.Header.Get("X-Forwarded-User"))
	}
	if !strings.Contains(log.String(), " provider ") {
		t.Errorf("the mounted provider's requests are not in the access log:\n%s", log.String())
	}
	if err := ValidateRoutes([]Route{{Prefix: "/auth", Handler: op, Auth: &Auth{Issuer: issuer, ClientID: "x"}}}); err == nil || !strings.Contains(err.Error(), "in-process handler cannot sit behind the auth gate") {
		t.Errorf("gated handler route: %v", err)
	}
}
