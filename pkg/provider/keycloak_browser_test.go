package provider_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// The keycloak profile's browser tests serve the unmodified keycloak-js
// (pinned in testdata/npm/keycloak, installed by .ci/setup.d/15-keycloak.sh)
// from app origins of their own, against a provider whose issuer is
// http://localhost:P/realms/demo, exactly as an app configured with
// {url: "http://localhost:P", realm: "demo"} reaches Keycloak.
//
//	bash .ci/setup.d/15-keycloak.sh
//	CI=true go test ./pkg/provider/ -run 'KeycloakJS' -v

// kcApp is one app origin serving keycloak-js and testdata/keycloak/.
type kcApp struct {
	clientID, origin string
	srv              *httptest.Server
}

func newKCApp(t *testing.T, clientID, host, nodeModules string, cfg func() map[string]string) *kcApp {
	t.Helper()
	a := &kcApp{clientID: clientID}
	pages := map[string]string{"/kc/": "index.html", "/kc/silent-check-sso.html": "silent-check-sso.html"}
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		switch r.URL.Path {
		case "/sdk/keycloak.js":
			w.Header().Set("Content-Type", "text/javascript")
			http.ServeFile(w, r, filepath.Join(nodeModules, "keycloak-js", "lib", "keycloak.js"))
			return
		case "/config.js":
			c := cfg()
			c["clientId"] = clientID
			b, _ := json.Marshal(c)
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, "window.SSOKIT = %s;\n", b)
			return
		}
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", "keycloak", page))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	}))
	_, port, _ := net.SplitHostPort(a.srv.Listener.Addr().String())
	a.origin = "http://" + host + ":" + port
	t.Cleanup(a.srv.Close)
	return a
}

func (a *kcApp) client() config.Client {
	return config.Client{
		ClientID:               a.clientID,
		RedirectURIs:           []string{a.origin + "/kc/", a.origin + "/kc/silent-check-sso.html"},
		PostLogoutRedirectURIs: []string{a.origin + "/kc/"},
		WebOrigins:             []string{a.origin},
	}
}

// kcEnv is a keycloak-profile provider (realm demo) and its apps.
type kcEnv struct {
	op     *provider.Provider
	base   string // http://localhost:P, keycloak-js's url
	issuer string
	apps   map[string]*kcApp
}

func newKCEnv(t *testing.T, apps ...appSpec) *kcEnv {
	t.Helper()
	nm := testutil.NodeModules(t, "keycloak")
	ks, err := rsaKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &kcEnv{apps: map[string]*kcApp{}}
	srv := httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	e.base = "http://localhost:" + port
	e.issuer = e.base + "/realms/demo"
	cfg := &config.Config{Users: []config.User{
		{Username: "alice", Claims: map[string]any{"name": "Alice Doe", "email": "alice@example.com"},
			Attributes: map[string]any{"roles": []any{"admin", "user"}, "client_roles": map[string]any{"orders-api": []any{"orders:write"}}}},
	}}
	for _, s := range apps {
		a := newKCApp(t, s.clientID, s.host, nm, func() map[string]string { return map[string]string{"url": e.base, "realm": "demo"} })
		e.apps[s.clientID] = a
		cfg.Clients = append(cfg.Clients, a.client())
	}
	e.op, err = provider.New(provider.Options{Issuer: e.issuer, Profile: provider.ProfileKeycloak, Config: cfg, Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = e.op
	srv.Start()
	t.Cleanup(func() { srv.Close(); e.op.Close() })
	for _, a := range e.apps {
		a.srv.Start()
	}
	return e
}

func (e *kcEnv) count(kind, clientID string) int {
	n := 0
	for _, ev := range e.op.Events().Recent() {
		if ev.Kind == kind && ev.ClientID == clientID {
			n++
		}
	}
	return n
}

// kcReady is what app.ready resolves to.
type kcReady struct {
	OK            bool    `json:"ok"`
	Authenticated bool    `json:"authenticated"`
	Error         string  `json:"error"`
	AccessToken   string  `json:"access_token"`
	RefreshToken  string  `json:"refresh_token"`
	Sub           string  `json:"sub"`
	MS            float64 `json:"ms"`
}

// TestKeycloakJS drives the unmodified keycloak-js in Chromium: app A's
// check-sso start-up (3p-cookie probe answered, login-status iframe), its
// login() through the form, hasRealmRole and hasResourceRole, a forced
// updateToken() with the JWT refresh token; app B on another origin signs
// in silently (check-sso, hidden iframe to silent-check-sso.html, no form);
// A's logout() ends the session and B's login-status iframe notices.
func TestKeycloakJS(t *testing.T) {
	browser := browserCtx(t, false)
	e := newKCEnv(t, appSpec{"app-a", "localhost"}, appSpec{"app-b", "localhost"})
	a, b := e.apps["app-a"], e.apps["app-b"]
	tabA := newProfile(t, browser)
	tabB := newTab(t, tabA)

	// A starts signed out: the probe says "supported", the status iframe
	// "unchanged" (no session, no sid), and check-sso resolves false.
	do(t, tabA, "open app A", chromedp.Navigate(a.origin+"/kc/"))
	r := eval[kcReady](t, tabA, `app.ready`)
	if !r.OK || r.Authenticated {
		t.Fatalf("A's init before sign-in: %+v", r)
	}
	if m := eval[[]string](t, tabA, `window.providerMessages`); !slices.Contains(m, "supported") {
		t.Fatalf("A's provider messages %v: the 3p-cookie probe did not answer supported", m)
	}
	t.Logf("keycloak-js init (check-sso, signed out): %.0f ms", r.MS)

	// login() through the form, back to A with a code in the fragment
	signInByRedirect(t, tabA, &testApp{origin: a.origin}, "/kc/", "alice")
	r = eval[kcReady](t, tabA, `app.ready`)
	if !r.OK || !r.Authenticated || r.Sub != "alice" {
		t.Fatalf("A after login: %+v", r)
	}
	roles := eval[[]bool](t, tabA, `[kc.hasRealmRole("admin"), kc.hasRealmRole("user"), kc.hasRealmRole("root"), kc.hasResourceRole("orders:write", "orders-api"), kc.hasResourceRole("orders:write", "app-a")]`)
	if !slices.Equal(roles, []bool{true, true, false, true, false}) {
		t.Fatalf("hasRealmRole admin/user/root, hasResourceRole orders-api/app-a = %v", roles)
	}
	parsed := eval[map[string]string](t, tabA, `({user: kc.tokenParsed.preferred_username, typ: kc.tokenParsed.typ, idTyp: kc.idTokenParsed.typ, rtTyp: kc.refreshTokenParsed.typ, sid: kc.sessionId})`)
	if parsed["user"] != "alice" || parsed["typ"] != "Bearer" || parsed["idTyp"] != "ID" || parsed["rtTyp"] != "Refresh" || parsed["sid"] == "" {
		t.Fatalf("keycloak-js parsed tokens: %v", parsed)
	}

	// loadUserInfo: a credentialed CORS call to userinfo with the bearer token
	ui := eval[map[string]any](t, tabA, `app.userinfo()`)
	if ui["ok"] != true || ui["sub"] != "alice" || ui["preferred_username"] != "alice" || ui["email"] != "alice@example.com" {
		t.Fatalf("loadUserInfo: %v", ui)
	}

	// updateToken(-1) forces a refresh: a new access token and a rotated refresh JWT
	before := e.count("refresh", "app-a")
	up := eval[sdkResult](t, tabA, `app.update()`)
	if !up.OK || up.AccessToken == r.AccessToken || up.RefreshToken == r.RefreshToken {
		t.Fatalf("updateToken(-1): %+v", up)
	}
	if n := e.count("refresh", "app-a"); n != before+1 {
		t.Fatalf("refresh events for app-a = %d, want %d", n, before+1)
	}

	// B: check-sso signs in silently (no form, no navigation)
	do(t, tabB, "open app B", chromedp.Navigate(b.origin+"/kc/"))
	rb := eval[kcReady](t, tabB, `app.ready`)
	if !rb.OK || !rb.Authenticated || rb.Sub != "alice" {
		t.Fatalf("B's check-sso with A's session: %+v", rb)
	}
	if loc := eval[string](t, tabB, `location.href`); loc != b.origin+"/kc/" {
		t.Fatalf("B navigated during check-sso: at %s", loc)
	}
	if n := e.count("login", "app-b"); n != 0 {
		t.Fatalf("B saw the login form (%d login events)", n)
	}
	if n := e.count("silent", "app-b"); n != 1 {
		t.Fatalf("silent events for app-b = %d, want 1", n)
	}
	if sid := eval[string](t, tabB, `kc.sessionId`); sid != parsed["sid"] {
		t.Fatalf("B's session %q is not A's %q", sid, parsed["sid"])
	}
	if !eval[bool](t, tabB, `kc.hasRealmRole("admin")`) {
		t.Fatal("B: hasRealmRole(admin) false")
	}
	// B's login-status iframe recognises the session keycloak-js holds
	waitFor(t, "B's login-status iframe answering unchanged", func() bool {
		return eval[bool](t, tabB, `window.providerMessages.includes("unchanged")`)
	})

	// A logs out (keycloak-js sends client_id, post_logout_redirect_uri,
	// id_token_hint: no confirmation) and lands on A signed out.
	navigateAndWait(t, tabA, "logout in A", chromedp.Evaluate[chromedp.Void](`app.logout(); undefined`))
	waitFor(t, "A back at /kc/", func() bool { return eval[string](t, tabA, `location.href`) == a.origin+"/kc/" })
	if r := eval[kcReady](t, tabA, `app.ready`); !r.OK || r.Authenticated {
		t.Fatalf("A after logout: %+v", r)
	}
	// B's login-status iframe (polled every second) answers "changed"
	waitFor(t, "B's onAuthLogout", func() bool { return eval[bool](t, tabB, `window.events.includes("authLogout")`) })
	if eval[bool](t, tabB, `kc.authenticated`) {
		t.Fatal("B still authenticated after A's logout")
	}
	if m := eval[[]string](t, tabB, `window.providerMessages`); !slices.Contains(m, "changed") || !slices.Contains(m, "unchanged") {
		t.Fatalf("B's login-status answers %v: want changed last", m)
	}
	// and its refresh token died with the session
	if up := eval[sdkResult](t, tabB, `app.update()`); up.OK {
		t.Fatalf("B's updateToken after logout succeeded: %+v", up)
	}
}

// TestKeycloakJSThirdPartyCookiesUnsupported: an app on 127.0.0.1 is
// cross-site to a provider on localhost, where the Lax session cookie never
// reaches an iframe; the probe must say so ("unsupported", at once, not a
// 10 s time-out), and check-sso then resolves signed out.
func TestKeycloakJSThirdPartyCookiesUnsupported(t *testing.T) {
	browser := browserCtx(t, false)
	e := newKCEnv(t, appSpec{"app-c", "127.0.0.1"})
	c := e.apps["app-c"]
	tab := newProfile(t, browser)
	do(t, tab, "open app C", chromedp.Navigate(c.origin+"/kc/?fallback=0"))
	r := eval[kcReady](t, tab, `app.ready`)
	if !r.OK || r.Authenticated {
		t.Fatalf("C's init: %+v", r)
	}
	t.Logf("keycloak-js init (check-sso, 3p cookies unsupported): %.0f ms", r.MS)
	if m := eval[[]string](t, tab, `window.providerMessages`); !slices.Contains(m, "unsupported") {
		t.Fatalf("C's provider messages %v: want the probe's unsupported", m)
	}
	if r.MS > float64((5 * time.Second).Milliseconds()) {
		// not a speed assertion: keycloak-js's probe time-out is 10 s, so
		// this long means the probe never answered
		t.Fatalf("init took %.0f ms: the 3p-cookie probe did not answer", r.MS)
	}
	if !strings.HasPrefix(e.issuer, "http://localhost:") {
		t.Fatal(e.issuer)
	}
}
