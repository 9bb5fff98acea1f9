package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/provider"
)

// The browser tests serve the real SDK bundles (installed by
// .ci/setup.d/10-sdk.sh into testdata/npm/sdk/node_modules) and the small
// test apps under testdata/sdk/ from Go httptest servers, one per app
// origin, and drive them in headless Chromium against a provider on its own
// loopback port: the layout of micro-frontends and a separate auth domain.
//
// Run them locally with:
//
//	bash .ci/setup.d/10-sdk.sh   # npm ci of the pinned SDKs
//	go test ./pkg/provider/ -run 'Auth0SPAJS|OIDCClientTS|PopupSignIn|SDKFaults|ThirdPartyCookieTable' -v

// sdkBundles maps the URL path an app serves to the bundle in node_modules.
var sdkBundles = map[string]string{
	"/sdk/auth0-spa-js.js":   "@auth0/auth0-spa-js/dist/auth0-spa-js.production.js",
	"/sdk/oidc-client-ts.js": "oidc-client-ts/dist/browser/oidc-client-ts.min.js",
}

// appPages maps app paths to test pages under testdata/sdk/.
var appPages = map[string]string{
	"/auth0/":                   "auth0.html",
	"/auth0-rt/":                "auth0.html",
	"/auth0-rt-ls/":             "auth0.html",
	"/oidc/":                    "oidc.html",
	"/oidc/silent.html":         "oidc-silent.html",
	"/oidc/popup.html":          "oidc-popup.html",
	"/oidc/signout-silent.html": "oidc-signout-silent.html",
}

var rsaKeys = sync.OnceValues(func() (*keys.Set, error) {
	return keys.Load(keys.Options{Ephemeral: true})
})

// testApp is one micro-frontend origin: it serves the SDKs and test pages,
// and records the front-channel logout requests it receives.
type testApp struct {
	clientID string
	origin   string // http://localhost:P or http://127.0.0.1:P
	srv      *httptest.Server
	issuer   string // set once the provider exists

	// mounted, when set, serves the provider under /auth on this origin,
	// as `ssokit up` mounts it under the proxy.
	mounted http.Handler

	mu           sync.Mutex
	frontchannel []url.Values
}

func newTestApp(t *testing.T, clientID, host, nodeModules string) *testApp {
	t.Helper()
	a := &testApp{clientID: clientID}
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serve(w, r, nodeModules)
	}))
	_, port, _ := net.SplitHostPort(a.srv.Listener.Addr().String())
	a.origin = "http://" + host + ":" + port
	t.Cleanup(a.srv.Close)
	return a
}

func (a *testApp) serve(w http.ResponseWriter, r *http.Request, nodeModules string) {
	if a.mounted != nil && strings.HasPrefix(r.URL.Path, "/auth/") {
		http.StripPrefix("/auth", a.mounted).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if b, ok := sdkBundles[r.URL.Path]; ok {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, filepath.Join(nodeModules, filepath.FromSlash(b)))
		return
	}
	switch r.URL.Path {
	case "/config.js":
		cfg, _ := json.Marshal(map[string]string{
			"authority": a.issuer, "domain": strings.TrimSuffix(a.issuer, "/"), "clientId": a.clientID,
		})
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "window.SSOKIT = %s;\n", cfg)
		return
	case "/frontchannel-logout":
		a.mu.Lock()
		a.frontchannel = append(a.frontchannel, r.URL.Query())
		a.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>signed out</title>")
		return
	}
	page, ok := appPages[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := os.ReadFile(filepath.Join("testdata", "sdk", page))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b)
}

func (a *testApp) frontchannelHits() []url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]url.Values(nil), a.frontchannel...)
}

// client is the app's registration: every test page is a redirect URI.
func (a *testApp) client(backchannel string) config.Client {
	return config.Client{
		ClientID:               a.clientID,
		RedirectURIs:           []string{a.origin + "/auth0/", a.origin + "/auth0-rt/", a.origin + "/auth0-rt-ls/", a.origin + "/oidc/", a.origin + "/oidc/silent.html", a.origin + "/oidc/popup.html"},
		PostLogoutRedirectURIs: []string{a.origin + "/auth0/", a.origin + "/auth0-rt/", a.origin + "/oidc/", a.origin + "/oidc/signout-silent.html"},
		WebOrigins:             []string{a.origin},
		FrontchannelLogoutURI:  a.origin + "/frontchannel-logout",
		BackchannelLogoutURI:   backchannel,
	}
}

// backchannelServer records logout_token POSTs.
type backchannelServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	tokens []string
}

func newBackchannelServer(t *testing.T) *backchannelServer {
	b := &backchannelServer{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil && r.Method == http.MethodPost {
			b.mu.Lock()
			b.tokens = append(b.tokens, r.PostForm.Get("logout_token"))
			b.mu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backchannelServer) received() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.tokens...)
}

// sdkEnv is a provider on http://localhost:P/ with registered apps.
type sdkEnv struct {
	t      *testing.T
	op     *provider.Provider
	srv    *httptest.Server
	issuer string
	apps   map[string]*testApp
	bc     *backchannelServer
}

type appSpec struct{ clientID, host string }

// zeroConfig as newSDKEnv's sameSite registers no clients: the provider's
// first-run mode, where any client_id is a public client on loopback URIs.
const zeroConfig = "zero-config"

// newSDKEnv starts the apps (host "localhost" or "127.0.0.1"), a
// back-channel recorder and a provider whose session cookie uses sameSite.
func newSDKEnv(t *testing.T, sameSite string, specs ...appSpec) *sdkEnv {
	t.Helper()
	nm := testutil.NodeModules(t, "sdk")
	ks, err := rsaKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &sdkEnv{t: t, apps: map[string]*testApp{}, bc: newBackchannelServer(t)}
	cfg := &config.Config{}
	cfg.Provider.SessionCookie.SameSite = sameSite
	for _, s := range specs {
		a := newTestApp(t, s.clientID, s.host, nm)
		e.apps[s.clientID] = a
		if sameSite != zeroConfig {
			cfg.Clients = append(cfg.Clients, a.client(e.bc.srv.URL+"/backchannel-logout/"+s.clientID))
		}
	}
	if sameSite == zeroConfig {
		cfg.Provider.SessionCookie.SameSite = ""
	}
	e.srv = httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(e.srv.Listener.Addr().String())
	e.issuer = "http://localhost:" + port + "/"
	e.op, err = provider.New(provider.Options{Issuer: e.issuer, Config: cfg, Keys: ks, BackchannelTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = e.op
	e.srv.Start()
	t.Cleanup(func() { e.srv.Close(); e.op.Close() })
	for _, a := range e.apps {
		a.issuer = e.issuer
		a.srv.Start()
	}
	return e
}

// newMountedEnv is one app on host whose origin also serves the provider
// under /auth (issuer http://host:P/auth/): the same-origin layout.
func newMountedEnv(t *testing.T, clientID, host string) *sdkEnv {
	t.Helper()
	nm := testutil.NodeModules(t, "sdk")
	ks, err := rsaKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &sdkEnv{t: t, apps: map[string]*testApp{}, bc: newBackchannelServer(t)}
	a := newTestApp(t, clientID, host, nm)
	e.apps[clientID] = a
	e.issuer = a.origin + "/auth/"
	cfg := &config.Config{Clients: []config.Client{a.client(e.bc.srv.URL + "/backchannel-logout/" + clientID)}}
	e.op, err = provider.New(provider.Options{Issuer: e.issuer, Config: cfg, Keys: ks, BackchannelTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.op.Close() })
	a.mounted, a.issuer = e.op, e.issuer
	a.srv.Start()
	return e
}

// eventsFor returns the provider's events of kind for clientID.
func (e *sdkEnv) eventsFor(kind, clientID string) []events.Event {
	var out []events.Event
	for _, ev := range e.op.Events().Recent() {
		if ev.Kind == kind && (clientID == "" || ev.ClientID == clientID) {
			out = append(out, ev)
		}
	}
	return out
}

// browserCtx starts one Chromium for a test function.
func browserCtx(t *testing.T, allow3PC bool) context.Context {
	return testutil.NewChrome(t, testutil.ChromeOptions{AllowThirdPartyCookies: allow3PC})
}

// newProfile opens a tab in a fresh, isolated browser context (its own
// cookie jar and storage); tabs opened from it with newTab share that jar.
// The third-party-cookie measurements use the default context instead,
// where the profile preference of testutil.ChromeOptions applies.
func newProfile(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// newTab opens another tab in the browser context of parent, closed at
// the end of the test.
func newTab(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	ctx, closeTab := openTab(t, parent)
	t.Cleanup(closeTab)
	return ctx
}

// openTab opens a tab that the caller closes: SDK pages keep timers and
// iframes running, so long tests close what they are done with.
func openTab(t *testing.T, parent context.Context) (context.Context, func()) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	return ctx, cancel
}

// clearCookies empties the cookie jar of ctx's browser context.
func clearCookies(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, struct{}{}); err != nil {
		t.Fatalf("clear cookies: %v", err)
	}
}

const actionTimeout = 30 * time.Second

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// navigateAndWait runs actions that start a top-level navigation (a click,
// a script calling location.assign) and waits for the resulting page.
func navigateAndWait(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) *network.Response {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(tctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return resp
}

// eval awaits a JavaScript expression (a promise is awaited) and decodes it.
func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, append(opts, chromedp.EvalAwaitPromise)...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// sdkResult is what the test apps' app.token() / app.silent() resolve to.
type sdkResult struct {
	OK           bool    `json:"ok"`
	AccessToken  string  `json:"access_token"`
	IDToken      string  `json:"id_token"`
	RefreshToken string  `json:"refresh_token"`
	SessionState string  `json:"session_state"`
	Sub          string  `json:"sub"`
	Error        string  `json:"error"`
	Description  string  `json:"description"`
	MS           float64 `json:"ms"`
}

func (r sdkResult) String() string {
	if r.OK {
		return fmt.Sprintf("ok (%.0f ms)", r.MS)
	}
	return fmt.Sprintf("%s: %s (%.0f ms)", r.Error, r.Description, r.MS)
}

// signInByRedirect opens page (e.g. /auth0/) of app in ctx, starts the
// SDK's redirect login and completes the provider's login form as user.
func signInByRedirect(t *testing.T, ctx context.Context, a *testApp, page, user string) sdkResult {
	t.Helper()
	do(t, ctx, "open "+page, chromedp.Navigate(a.origin+page))
	navigateAndWait(t, ctx, "start redirect login", chromedp.Evaluate[chromedp.Void](`app.login(); undefined`))
	do(t, ctx, "fill the login form",
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password"),
	)
	resp := navigateAndWait(t, ctx, "submit the login form", chromedp.Click(chromedp.CSS(`#submit`)))
	if path, _, _ := strings.Cut(page, "?"); !strings.HasPrefix(resp.URL, a.origin+path) {
		t.Fatalf("after the login form the browser is at %s, want %s", resp.URL, a.origin+path)
	}
	r := eval[*sdkResult](t, ctx, `app.ready`)
	if r == nil || !r.OK {
		t.Fatalf("redirect callback in %s%s: %+v", a.origin, page, r)
	}
	return *r
}
