package provider_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/provider"
	"github.com/ssokit/ssokit/pkg/stack"
)

// The Microsoft Entra ID profile judged by the unmodified @azure/msal-browser
// (testdata/npm/msal, installed by .ci/setup.d/16-msal.sh) in headless
// Chromium. MSAL refuses an http authority, so the provider serves HTTPS
// with a certificate from ssokit's local CA, as `ssokit provider --tls`
// does; the app is https too (an http app and an https provider are
// cross-site under schemeful same-site, and its silent iframe would carry no
// session cookie). Chromium trusts exactly that CA's key
// (--ignore-certificate-errors-spki-list), not every certificate.
//
//	bash .ci/setup.d/16-msal.sh
//	CI=true go test ./pkg/provider/ -run TestMSAL -v

const entraTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47" // Entra apps name their tenant by id

var msalBundles = map[string]string{
	"/sdk/msal-browser.js":         "@azure/msal-browser/lib/msal-browser.min.js",
	"/sdk/msal-redirect-bridge.js": "@azure/msal-browser/lib/redirect-bridge/msal-redirect-bridge.min.js",
}

// msalApp is an https micro-frontend origin serving MSAL and its pages.
type msalApp struct {
	srv    *httptest.Server
	origin string
	config []byte // window.SSOKIT
	nm     string // testdata/npm/msal/node_modules
}

func (a *msalApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if b, ok := msalBundles[r.URL.Path]; ok {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, filepath.Join(a.nm, filepath.FromSlash(b)))
		return
	}
	page := map[string]string{"/msal/": "msal.html", "/msal/redirect.html": "msal-redirect.html"}[r.URL.Path]
	switch {
	case r.URL.Path == "/config.js":
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "window.SSOKIT = %s;\n", a.config)
	case page != "":
		b, err := os.ReadFile(filepath.Join("testdata", "sdk", page))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

type entraEnv struct {
	events    *events.Bus
	issuer    string   // https://localhost:P/{tenant}/v2.0
	authority string   // https://localhost:P/{tenant}: what the app configures
	app       *msalApp // https, client msal-spa
	httpApp   *msalApp // http://localhost, client msal-http
	browser   context.Context
	admin     *http.Client // trusts the local CA
}

// newEntraEnv starts the provider (entra profile, HTTPS from a fresh local
// CA), one https app registered as client msal-spa, and Chromium trusting
// that CA's key only.
func newEntraEnv(t *testing.T) *entraEnv { return startEntraEnv(t, entraTenant, false) }

// startEntraEnv starts the environment for tenant; zeroConfig runs the
// provider with no config at all, the tenant made on MSAL's first request.
func startEntraEnv(t *testing.T, tenant string, zeroConfig bool) *entraEnv {
	t.Helper()
	nm := testutil.NodeModules(t, "msal")
	ca, err := stack.LoadOrCreateCA(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg, err := ca.ServerConfig(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ks, err := rsaKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &entraEnv{app: &msalApp{nm: nm}}
	e.app.srv = httptest.NewUnstartedServer(e.app)
	e.app.origin = "https://localhost:" + port(e.app.srv)
	e.httpApp = &msalApp{nm: nm}
	e.httpApp.srv = httptest.NewUnstartedServer(e.httpApp)
	e.httpApp.origin = "http://localhost:" + port(e.httpApp.srv)
	psrv := httptest.NewUnstartedServer(nil)
	host := "localhost:" + port(psrv)
	e.authority = "https://" + host + "/" + tenant
	e.issuer = e.authority + "/v2.0"
	// the README's setup: a root issuer on https (provider --tls) and the
	// Entra tenant under it, from tenants: in the config
	cfg := &config.Config{Tenants: []config.Tenant{{Name: entraTenant, Profile: config.ProfileEntra,
		Users: []config.User{{Username: "alice", Claims: map[string]any{"name": "Alice Doe", "email": "alice@contoso.example"},
			Attributes: map[string]any{"roles": []any{"Orders.Admin"}}}},
		Clients: []config.Client{{ClientID: "msal-spa", RedirectURIs: []string{e.app.origin + "/msal/redirect.html"},
			PostLogoutRedirectURIs: []string{e.app.origin + "/msal/"}, WebOrigins: []string{e.app.origin}},
			{ClientID: "msal-http", RedirectURIs: []string{e.httpApp.origin + "/msal/redirect.html"},
				PostLogoutRedirectURIs: []string{e.httpApp.origin + "/msal/"}, WebOrigins: []string{e.httpApp.origin}}},
	}}}
	if zeroConfig {
		cfg = &config.Config{}
	}
	ts, err := provider.NewTenants(provider.TenantsOptions{Options: provider.Options{Issuer: "https://" + host + "/", Config: cfg, Keys: ks},
		TenantKeys: func(string) (*keys.Set, error) { return rsaKeys() }})
	if err != nil {
		t.Fatal(err)
	}
	e.events = ts.Root().Events() // tenants share the root's event bus
	if !zeroConfig {
		if tp, ok := ts.Tenant(tenant); !ok || tp.Issuer() != e.issuer {
			t.Fatalf("tenant %s: %v, want issuer %s", tenant, ok, e.issuer)
		}
	}
	psrv.Config.Handler = ts
	psrv.TLS = tlsCfg
	psrv.StartTLS()
	t.Cleanup(func() { psrv.Close(); ts.Close() })
	e.app.config, _ = json.Marshal(map[string]any{"authority": e.authority, "knownAuthority": host,
		"clientId": "msal-spa", "scopes": []string{"api://orders/Orders.Read"}})
	e.app.srv.TLS = tlsCfg
	e.app.srv.StartTLS()
	t.Cleanup(e.app.srv.Close)
	e.httpApp.config, _ = json.Marshal(map[string]any{"authority": e.authority, "knownAuthority": host,
		"clientId": "msal-http", "scopes": []string{"api://orders/Orders.Read"}})
	e.httpApp.srv.Start()
	t.Cleanup(e.httpApp.srv.Close)
	e.admin = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	e.browser = testutil.NewChrome(t, testutil.ChromeOptions{TrustSPKI: []string{testutil.SPKIHash(ca.Cert)}})
	return e
}

// revoke revokes a refresh token at the tenant's revocation endpoint, as
// a user's password reset or an admin would in Entra.
func (e *entraEnv) revoke(t *testing.T, token string) {
	t.Helper()
	resp, err := e.admin.PostForm(e.authority+"/oauth2/v2.0/revoke", url.Values{"token": {token}, "client_id": {"msal-spa"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
}

func port(s *httptest.Server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

func (e *entraEnv) count(kind string) int {
	n := 0
	for _, ev := range e.events.Recent() {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// msalResult is what the test page's app.* calls resolve to.
type msalResult struct {
	OK            bool     `json:"ok"`
	AccessToken   string   `json:"access_token"`
	IDToken       string   `json:"id_token"`
	FromCache     bool     `json:"from_cache"`
	Username      string   `json:"username"`
	HomeAccountID string   `json:"home_account_id"`
	TenantID      string   `json:"tenant_id"`
	UniqueID      string   `json:"unique_id"`
	Scopes        []string `json:"scopes"`
	Error         string   `json:"error"`
	Description   string   `json:"description"`
	SubError      string   `json:"sub_error"`
	MS            float64  `json:"ms"`
}

func (r msalResult) String() string {
	if r.OK {
		return fmt.Sprintf("ok as %s (cache %v, %.0f ms)", r.Username, r.FromCache, r.MS)
	}
	return fmt.Sprintf("%s: %s", r.Error, r.Description)
}

// checkEntraTokens checks what MSAL returned: the account from client_info
// and the ID token, and an access token for api://orders with scp and roles.
func checkEntraTokens(t *testing.T, e *entraEnv, what string, r msalResult) {
	t.Helper()
	if !r.OK {
		t.Fatalf("%s: %s", what, r)
	}
	id := parseClaims(t, r.IDToken)
	at := parseClaims(t, r.AccessToken)
	oid, _ := id["oid"].(string)
	if id["iss"] != e.issuer || id["tid"] != entraTenant || id["ver"] != "2.0" || oid == "" || id["aud"] != "msal-spa" {
		t.Fatalf("%s: ID token %v", what, id)
	}
	if r.Username != "alice@contoso.example" || r.TenantID != entraTenant || r.UniqueID != oid || r.HomeAccountID != oid+"."+entraTenant {
		t.Fatalf("%s: MSAL's account: username %q tenant %q unique %q home %q (oid %s)", what, r.Username, r.TenantID, r.UniqueID, r.HomeAccountID, oid)
	}
	roles, _ := at["roles"].([]any)
	if at["aud"] != "api://orders" || at["scp"] != "Orders.Read" || at["azp"] != "msal-spa" || at["oid"] != oid || !slices.Contains(roles, any("Orders.Admin")) {
		t.Fatalf("%s: access token %v", what, at)
	}
}

// TestMSALBrowser drives @azure/msal-browser 5.30 configured as an Entra
// app (authority https://localhost:P/{tenant}, knownAuthorities) through
// loginRedirect (the login form), acquireTokenSilent from its cache and
// then with forceRefresh (a refresh token grant repeating offline_access),
// ssoSilent (hidden iframe, prompt=none, no form), loginPopup in a second
// tab (no form: the session is there), and logoutRedirect (no client_id, no
// id_token_hint: back to the registered post-logout URI, session over).
func TestMSALBrowser(t *testing.T) {
	e := newEntraEnv(t)
	tab := newProfile(t, e.browser)

	// loginRedirect: to the provider's form, back through the redirect bridge
	do(t, tab, "open the app", chromedp.Navigate(e.app.origin+"/msal/"))
	if r := eval[*msalResult](t, tab, `app.ready`); r != nil {
		t.Fatalf("handleRedirectPromise before any sign-in: %+v", r)
	}
	navigateAndWait(t, tab, "loginRedirect", chromedp.Evaluate[chromedp.Void](`app.login(); undefined`))
	do(t, tab, "fill the login form",
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password"),
		chromedp.Click(chromedp.CSS(`#submit`)),
	)
	waitFor(t, "the app page again after the redirect bridge", func() bool {
		loc, err := chromedp.Run(tab, chromedp.Evaluate[string](`location.pathname + (window.app ? " app" : "")`))
		return err == nil && loc == "/msal/ app"
	})
	login := eval[*msalResult](t, tab, `app.ready`)
	if login == nil {
		t.Fatal("handleRedirectPromise returned null after loginRedirect")
	}
	checkEntraTokens(t, e, "loginRedirect", *login)
	t.Logf("loginRedirect: %s", login)

	// acquireTokenSilent: from the cache, then forced through the refresh token
	cached := eval[msalResult](t, tab, `app.token(false)`)
	checkEntraTokens(t, e, "acquireTokenSilent", cached)
	t.Logf("acquireTokenSilent: %s", cached)
	if !cached.FromCache || cached.AccessToken != login.AccessToken {
		t.Fatalf("acquireTokenSilent did not answer from the cache: %s", cached)
	}
	refreshes := e.count(events.KindRefresh)
	forced := eval[msalResult](t, tab, `app.token(true)`)
	checkEntraTokens(t, e, "acquireTokenSilent forceRefresh", forced)
	t.Logf("acquireTokenSilent forceRefresh: %s", forced)
	if forced.FromCache || forced.AccessToken == login.AccessToken || e.count(events.KindRefresh) != refreshes+1 {
		t.Fatalf("forceRefresh: %s, refresh events %d → %d", forced, refreshes, e.count(events.KindRefresh))
	}

	// a second API: the refresh token gets its token (Entra's
	// multi-resource refresh tokens), no iframe, no form
	refreshes = e.count(events.KindRefresh)
	billing := eval[msalResult](t, tab, `app.tokenFor(["api://billing/Bills.Read"])`)
	if at := parseClaims(t, billing.AccessToken); !billing.OK || billing.FromCache || at["aud"] != "api://billing" || at["scp"] != "Bills.Read" || e.count(events.KindRefresh) != refreshes+1 {
		t.Fatalf("acquireTokenSilent for a second API: %s, refresh events %d → %d", billing, refreshes, e.count(events.KindRefresh))
	}
	t.Logf("acquireTokenSilent for a second API: %s", billing)

	// a revoked refresh token: the token endpoint answers invalid_grant in
	// Entra's shape, which MSAL reads as a refresh token to replace, so
	// acquireTokenSilent falls back to a hidden iframe on the session
	rt := eval[string](t, tab, `(function () {
		for (var i = 0; i < sessionStorage.length; i++) {
			try { var v = JSON.parse(sessionStorage.getItem(sessionStorage.key(i)));
				if (v && v.credentialType === "RefreshToken") return v.secret; } catch (e) {}
		}
		return "";
	})()`)
	if rt == "" {
		t.Fatal("no refresh token in MSAL's cache")
	}
	e.revoke(t, rt)
	silents := e.count(events.KindSilent)
	fallback := eval[msalResult](t, tab, `app.token(true)`)
	checkEntraTokens(t, e, "acquireTokenSilent after a refused refresh token", fallback)
	if e.count(events.KindSilent) != silents+1 {
		t.Fatalf("acquireTokenSilent did not fall back to the iframe after invalid_grant: %s (silent events %d → %d)", fallback, silents, e.count(events.KindSilent))
	}
	t.Logf("acquireTokenSilent, refresh token revoked (invalid_grant) → iframe: %s", fallback)

	// ssoSilent: a hidden iframe with prompt=none finds the session
	logins := e.count(events.KindLogin)
	silent := eval[msalResult](t, tab, `app.silent()`)
	checkEntraTokens(t, e, "ssoSilent", silent)
	t.Logf("ssoSilent: %s", silent)
	if silent.FromCache || e.count(events.KindLogin) != logins {
		t.Fatalf("ssoSilent: %s (logins %d → %d)", silent, logins, e.count(events.KindLogin))
	}

	// loginPopup from a second tab of the same browser: the session signs
	// the popup in without the form
	tab2 := newTab(t, tab)
	do(t, tab2, "open the app in a second tab", chromedp.Navigate(e.app.origin+"/msal/"))
	eval[*msalResult](t, tab2, `app.ready`)
	popup := eval[msalResult](t, tab2, `app.popup()`, withUserGesture)
	checkEntraTokens(t, e, "loginPopup", popup)
	t.Logf("loginPopup: %s", popup)
	if e.count(events.KindLogin) != logins {
		t.Fatalf("loginPopup showed the login form (%d logins, want %d)", e.count(events.KindLogin), logins)
	}

	// logoutRedirect: MSAL sends post_logout_redirect_uri and logout_hint
	// only; the browser lands on the app again, signed out everywhere
	resp := navigateAndWait(t, tab, "logoutRedirect", chromedp.Evaluate[chromedp.Void](`app.logout(); undefined`))
	if !strings.HasPrefix(resp.URL, e.app.origin+"/msal/") {
		t.Fatalf("after logoutRedirect the browser is at %s", resp.URL)
	}
	if n := e.count(events.KindLogout); n != 1 {
		t.Fatalf("%d logout events, want 1", n)
	}
	if n := len(eval[[]map[string]any](t, tab, `app.ready.then(function () { return app.accounts(); })`)); n != 0 {
		t.Fatalf("MSAL still holds %d accounts after logoutRedirect", n)
	}
	after := eval[msalResult](t, tab, `app.silent()`)
	if after.OK || after.Error != "login_required" {
		t.Fatalf("ssoSilent after logout: %s, want login_required", after)
	}
}

// TestMSALNeedsHTTPS measures what the README says must be https, and why:
// MSAL refuses an http authority outright; and an http app, though MSAL
// runs there (http://localhost is a secure context), is cross-site to an
// https provider under schemeful same-site, so its ssoSilent iframe carries
// no session cookie and answers login_required while the same session
// signs the https app in silently. Signing in through a popup still works
// from the http app: a popup is a top-level window of the provider.
func TestMSALNeedsHTTPS(t *testing.T) {
	e := newEntraEnv(t)
	tab := newProfile(t, e.browser)
	do(t, tab, "open the http app", chromedp.Navigate(e.httpApp.origin+"/msal/"))
	eval[*msalResult](t, tab, `app.ready`)
	insecure := eval[string](t, tab, `(function () {
		try {
			var pca = new msal.PublicClientApplication({auth: {clientId: "x", authority: "http://localhost:9400/common"}});
			return pca.initialize().then(function () { return pca.acquireTokenSilent({scopes: ["openid"], account: {homeAccountId: "a", environment: "localhost", tenantId: "t", username: "u", localAccountId: "l"}}); })
				.then(function () { return "no error"; }, function (e) { return e.errorCode || String(e); });
		} catch (e) { return e.errorCode || String(e); }
	})()`)
	if insecure != "authority_uri_insecure" {
		t.Errorf("MSAL with an http authority: %q, want authority_uri_insecure", insecure)
	}

	// loginPopup from the http app: the form in the popup
	res := make(chan msalResult, 1)
	go func() {
		tctx, cancel := context.WithTimeout(tab, actionTimeout)
		defer cancel()
		r, err := chromedp.Run(tctx, chromedp.Evaluate[msalResult](`app.popup()`, withUserGesture, chromedp.EvalAwaitPromise))
		if err != nil {
			r = msalResult{Error: "evaluate: " + err.Error()}
		}
		res <- r
	}()
	popup := findPopup(t, tab, e.authority+"/oauth2/v2.0/authorize")
	do(t, popup, "fill the login form in the popup",
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "x"),
		chromedp.Click(chromedp.CSS(`#submit`)),
	)
	if r := <-res; !r.OK {
		t.Fatalf("loginPopup from the http app: %s", r)
	}
	r := eval[msalResult](t, tab, `app.silent()`)
	if r.OK || r.Error != "login_required" {
		t.Fatalf("ssoSilent from the http app: %s, want login_required (the cross-site iframe carries no cookie)", r)
	}
	t.Logf("ssoSilent from the http app: %s (%.0f ms)", r, r.MS)
	tab2 := newTab(t, tab)
	do(t, tab2, "open the https app", chromedp.Navigate(e.app.origin+"/msal/"))
	eval[*msalResult](t, tab2, `app.ready`)
	checkEntraTokens(t, e, "ssoSilent from the https app, same session", eval[msalResult](t, tab2, `app.silent()`))
}

// TestMSALZeroConfig: with no config file at all, an MSAL app whose
// authority names any tenant (here common) signs in by redirect, refreshes,
// and logs out back to its page: the tenant is made on MSAL's first
// request, any client_id is a public client on loopback URIs, and the
// logout, which names no client, returns to the app through the session's
// own client.
func TestMSALZeroConfig(t *testing.T) {
	e := startEntraEnv(t, "common", true)
	tab := newProfile(t, e.browser)
	do(t, tab, "open the app", chromedp.Navigate(e.app.origin+"/msal/"))
	eval[*msalResult](t, tab, `app.ready`)
	navigateAndWait(t, tab, "loginRedirect", chromedp.Evaluate[chromedp.Void](`app.login(); undefined`))
	do(t, tab, "fill the login form",
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "bob"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "x"),
		chromedp.Click(chromedp.CSS(`#submit`)),
	)
	waitFor(t, "the app page again after the redirect bridge", func() bool {
		loc, err := chromedp.Run(tab, chromedp.Evaluate[string](`location.pathname + (window.app ? " app" : "")`))
		return err == nil && loc == "/msal/ app"
	})
	login := eval[*msalResult](t, tab, `app.ready`)
	if login == nil || !login.OK {
		t.Fatalf("loginRedirect with no config: %+v", login)
	}
	id := parseClaims(t, login.IDToken)
	if id["iss"] != e.issuer || id["sub"] != "bob" || id["ver"] != "2.0" || login.HomeAccountID != id["oid"].(string)+"."+id["tid"].(string) {
		t.Fatalf("zero-config sign-in: %s, ID token %v", login, id)
	}
	if r := eval[msalResult](t, tab, `app.token(true)`); !r.OK || r.FromCache {
		t.Fatalf("forceRefresh with no config: %s", r)
	}
	resp := navigateAndWait(t, tab, "logoutRedirect", chromedp.Evaluate[chromedp.Void](`app.logout(); undefined`))
	if !strings.HasPrefix(resp.URL, e.app.origin+"/msal/") || e.count(events.KindLogout) != 1 {
		t.Fatalf("after logoutRedirect the browser is at %s (%d logouts)", resp.URL, e.count(events.KindLogout))
	}
}
