package provider_test

import (
	"context"
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

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// The Auth0 profile's browser tests: Auth0 Organizations and namespaced
// claims through the unmodified @auth0/auth0-spa-js (testdata/npm/sdk) and
// @auth0/auth0-react (testdata/npm/auth0react, bundled with react and
// react-dom into dist/app.js by .ci/setup.d/17-auth0react.sh). Run them with
//
//	bash .ci/setup.d/10-sdk.sh && bash .ci/setup.d/17-auth0react.sh
//	CI=true go test ./pkg/provider/ -run 'TestAuth0(SPAJS|React)Organizations' -v

const (
	orgAPI       = "https://api.example.com"
	orgRoles     = "https://example.com/roles"
	orgAcmeID    = "org_8yzNTEoVbY7DVkYq"
	orgGlobexID  = "org_gl0bex"
	orgClientID  = "shell"
	reactBundle  = "dist/app.js"
	orgPageStyle = "<!doctype html><html lang=en><head><meta charset=utf-8><title>%s</title>"
)

// orgPages are the organization parameters the test pages send, one page
// (and registered redirect URI) per value: /spa/{org}/ and /react/{org}/.
var orgPages = []string{orgAcmeID, "acme", "globex"}

// auth0OrgEnv is a provider (auth0 profile) on http://localhost:P/ whose
// config has users with roles, an API mapping them to a namespaced claim,
// and two organizations, plus one app origin serving the SDK pages.
type auth0OrgEnv struct {
	issuer string
	op     *provider.Provider
	app    *testApp // only its origin: signInOrg drives it
}

func newAuth0OrgEnv(t *testing.T) *auth0OrgEnv {
	t.Helper()
	sdk := testutil.NodeModules(t, "sdk")
	react := filepath.Join(testutil.NodeModules(t, "auth0react"), "..", filepath.FromSlash(reactBundle))
	if _, err := os.Stat(react); err != nil {
		msg := "the auth0-react bundle is missing at %s: run bash .ci/setup.d/17-auth0react.sh"
		if os.Getenv("CI") != "" {
			t.Fatalf(msg, react)
		}
		t.Skipf(msg, react)
	}
	ks, err := rsaKeys()
	if err != nil {
		t.Fatal(err)
	}
	e := &auth0OrgEnv{}
	appSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.serve(w, r, sdk, react)
	}))
	_, port, _ := net.SplitHostPort(appSrv.Listener.Addr().String())
	e.app = &testApp{clientID: orgClientID, origin: "http://localhost:" + port}
	t.Cleanup(appSrv.Close)

	cl := config.Client{ClientID: orgClientID, WebOrigins: []string{e.app.origin}}
	for _, org := range orgPages {
		cl.RedirectURIs = append(cl.RedirectURIs, e.app.origin+"/spa/"+org+"/", e.app.origin+"/react/"+org+"/")
	}
	cfg := &config.Config{
		Users: []config.User{
			{Username: "alice", Attributes: map[string]any{"roles": []any{"admin"}}},
			{Username: "bob", Attributes: map[string]any{"roles": []any{"viewer"}}},
			{Username: "carol", Attributes: map[string]any{"roles": []any{"admin"}}},
		},
		APIs:    []config.API{{Audience: orgAPI, AccessTokenClaims: map[string]string{orgRoles: "roles"}}},
		Clients: []config.Client{cl},
		Organizations: []config.Organization{
			{ID: orgAcmeID, Name: "acme", Members: []string{"alice", "carol"}},
			{ID: orgGlobexID, Name: "globex", Members: []string{"alice", "bob"}},
		},
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	srv := httptest.NewUnstartedServer(nil)
	_, pport, _ := net.SplitHostPort(srv.Listener.Addr().String())
	e.issuer = "http://localhost:" + pport + "/"
	e.op, err = provider.New(provider.Options{Issuer: e.issuer, Config: cfg, Keys: ks, Profile: provider.ProfileAuth0})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = e.op
	srv.Start()
	t.Cleanup(func() { srv.Close(); e.op.Close() })
	e.app.issuer = e.issuer
	appSrv.Start()
	return e
}

// serve answers the SDK bundles and the pages /spa/{org}/ (auth0-spa-js)
// and /react/{org}/ (the auth0-react app), each configured with the
// provider as its domain, the API as audience and {org} as organization.
func (e *auth0OrgEnv) serve(w http.ResponseWriter, r *http.Request, sdk, react string) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.URL.Path {
	case "/sdk/auth0-spa-js.js":
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, filepath.Join(sdk, filepath.FromSlash(sdkBundles[r.URL.Path])))
		return
	case "/sdk/auth0-react-app.js":
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, react)
		return
	}
	kind, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	org := strings.TrimSuffix(rest, "/")
	if !slices.Contains(orgPages, org) || rest != org+"/" || (kind != "spa" && kind != "react") {
		http.NotFound(w, r)
		return
	}
	// json.Marshal escapes <, > and &: safe inside a script element
	cfg, _ := json.Marshal(map[string]string{
		"domain": strings.TrimSuffix(e.issuer, "/"), "clientId": orgClientID, "audience": orgAPI, "organization": org,
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, orgPageStyle, kind)
	fmt.Fprintf(w, "<script>window.SSOKIT = %s;</script>\n", cfg)
	if kind == "react" {
		fmt.Fprint(w, `</head><body><div id="root"></div><script src="/sdk/auth0-react-app.js"></script></body></html>`)
		return
	}
	fmt.Fprint(w, `<script src="/sdk/auth0-spa-js.js"></script></head><body><h1>auth0-spa-js</h1><script>
(function () {
  var cfg = window.SSOKIT, here = location.origin + location.pathname;
  var client = new auth0.Auth0Client({
    domain: cfg.domain, clientId: cfg.clientId, authorizeTimeoutInSeconds: 15,
    authorizationParams: { redirect_uri: here, scope: "openid profile", audience: cfg.audience, organization: cfg.organization },
  });
  function fail(e) { return { ok: false, error: (e && (e.error || e.message)) || String(e), description: (e && e.error_description) || "" }; }
  var q = new URLSearchParams(location.search), ready = Promise.resolve(null);
  if (q.has("code") || q.has("error")) {
    // handleRedirectCallback verifies the ID token, org_id or org_name included
    ready = client.handleRedirectCallback().then(function () { history.replaceState(null, "", here); return { ok: true }; }, fail);
  }
  window.app = {
    ready: ready,
    login: function () { return client.loginWithRedirect(); },
    token: function (opts) {
      return client.getTokenSilently(Object.assign({ detailedResponse: true }, opts || {})).then(function (r) {
        return { ok: true, access_token: r.access_token, id_token: r.id_token };
      }, fail);
    },
    claims: function () { return client.getIdTokenClaims().then(function (c) { return c || null; }); },
  };
})();
</script></body></html>`)
}

// waitApp waits until the page has defined window.app (the React app does
// on its first render) and its start-up (redirect callback) is done.
func waitApp(t *testing.T, ctx context.Context) *sdkResult {
	t.Helper()
	return eval[*sdkResult](t, ctx, `new Promise(function (res) { (function f() { window.app ? res(window.app.ready) : setTimeout(f, 20); })(); })`)
}

// startOrgSignIn opens page, waits for the app and starts its redirect
// login, then submits the provider's form as user; it returns the URL the
// browser lands on.
func startOrgSignIn(t *testing.T, ctx context.Context, a *testApp, page, user string) string {
	t.Helper()
	do(t, ctx, "open "+page, chromedp.Navigate(a.origin+page))
	waitApp(t, ctx)
	navigateAndWait(t, ctx, "start redirect login", chromedp.Evaluate[chromedp.Void](`app.login(); undefined`))
	return submitLoginForm(t, ctx, user)
}

func submitLoginForm(t *testing.T, ctx context.Context, user string) string {
	t.Helper()
	do(t, ctx, "fill the login form",
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("input[name=username]").value = ""; undefined`),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password"),
	)
	return navigateAndWait(t, ctx, "submit the login form", chromedp.Click(chromedp.CSS(`#submit`))).URL
}

// signInOrg signs user in through page and returns the app's start-up result.
func signInOrg(t *testing.T, ctx context.Context, a *testApp, page, user string) {
	t.Helper()
	if at := startOrgSignIn(t, ctx, a, page, user); !strings.HasPrefix(at, a.origin+page) {
		t.Fatalf("%s signing in at %s: the browser is at %s", user, page, at)
	}
	if r := waitApp(t, ctx); r == nil || !r.OK {
		t.Fatalf("%s: redirect callback at %s: %+v", user, page, r)
	}
}

// checkOrgTokens asks the app for a fresh token (the hidden iframe,
// prompt=none, with the page's organization) and checks the ID token's and
// the access token's organization and the namespaced roles claim.
func checkOrgTokens(t *testing.T, ctx context.Context, page, orgID, orgName string, roles []string) {
	t.Helper()
	idc := eval[map[string]any](t, ctx, `app.claims()`)
	if idc["org_id"] != orgID || idc["org_name"] != orgName {
		t.Errorf("%s: the SDK's ID token claims: org_id %v, org_name %v; want %s, %s", page, idc["org_id"], idc["org_name"], orgID, orgName)
	}
	r := eval[sdkResult](t, ctx, `app.token({cacheMode: "off"})`)
	if !r.OK {
		t.Fatalf("%s: getTokenSilently (iframe, organization): %s", page, r)
	}
	at := parseClaims(t, r.AccessToken)
	got, _ := at[orgRoles].([]any)
	if at["aud"] != orgAPI || at["org_id"] != orgID || at["org_name"] != orgName || fmt.Sprint(got) != fmt.Sprint(roles) {
		t.Errorf("%s: access token aud %v org_id %v org_name %v %s %v", page, at["aud"], at["org_id"], at["org_name"], orgRoles, at[orgRoles])
	}
}

// TestAuth0SPAJSOrganizations: the unmodified auth0-spa-js with
// authorizationParams.organization, by id and by name, signs in through
// the form; handleRedirectCallback's ID token check of org_id (for an id)
// and org_name (for a name) passes; a silent token through the hidden
// iframe keeps the organization and carries the API's namespaced roles. A
// non-member is refused on the form (and a member then signs in there),
// and a non-member's session gets login_required from getTokenSilently.
func TestAuth0SPAJSOrganizations(t *testing.T) {
	browser := browserCtx(t, false)
	e := newAuth0OrgEnv(t)

	byID := newProfile(t, browser)
	signInOrg(t, byID, e.app, "/spa/"+orgAcmeID+"/", "alice")
	checkOrgTokens(t, byID, "spa by id", orgAcmeID, "acme", []string{"admin"})

	byName := newProfile(t, browser)
	signInOrg(t, byName, e.app, "/spa/acme/", "carol")
	checkOrgTokens(t, byName, "spa by name", orgAcmeID, "acme", []string{"admin"})

	// bob is no member of acme: the form says so; carol signs in there
	refused := newProfile(t, browser)
	if at := startOrgSignIn(t, refused, e.app, "/spa/acme/", "bob"); !strings.HasPrefix(at, e.issuer) {
		t.Fatalf("bob in acme reached %s", at)
	}
	if msg := eval[string](t, refused, `document.getElementById("error").textContent`); !strings.Contains(msg, "bob is not a member of organization acme ("+orgAcmeID+")") {
		t.Fatalf("the form's error for bob: %q", msg)
	}
	if at := submitLoginForm(t, refused, "carol"); !strings.HasPrefix(at, e.app.origin+"/spa/acme/") {
		t.Fatalf("carol after bob's refusal is at %s", at)
	}
	if r := waitApp(t, refused); r == nil || !r.OK {
		t.Fatalf("carol after bob's refusal: %+v", r)
	}

	// bob signed in to globex: acme's app gets login_required, silently
	bob := newProfile(t, browser)
	signInOrg(t, bob, e.app, "/spa/globex/", "bob")
	checkOrgTokens(t, bob, "spa globex", orgGlobexID, "globex", []string{"viewer"})
	do(t, bob, "open acme's app", chromedp.Navigate(e.app.origin+"/spa/acme/"))
	waitApp(t, bob)
	if r := eval[sdkResult](t, bob, `app.token()`); r.OK || r.Error != "login_required" || !strings.Contains(r.Description, "bob is not a member of organization acme") {
		t.Fatalf("bob's session at acme's app: %s; want login_required naming the organization", r)
	}
}

// TestAuth0ReactOrganizations: the unmodified @auth0/auth0-react
// (Auth0Provider with domain, clientId and authorizationParams audience
// and organization; useAuth0's loginWithRedirect, getIdTokenClaims and
// getAccessTokenSilently) signs in through the form by organization id
// and by name; the access token for the API carries the namespaced roles
// claim and the organization.
func TestAuth0ReactOrganizations(t *testing.T) {
	browser := browserCtx(t, false)
	e := newAuth0OrgEnv(t)
	for _, tc := range []struct{ org, user string }{{orgAcmeID, "alice"}, {"acme", "carol"}} {
		tab := newProfile(t, browser)
		page := "/react/" + tc.org + "/"
		do(t, tab, "open "+page, chromedp.Navigate(e.app.origin+page))
		if r := waitApp(t, tab); r == nil || r.OK {
			t.Fatalf("%s before sign-in: %+v; want not signed in", page, r)
		}
		signInOrg(t, tab, e.app, page, tc.user)
		if s := eval[string](t, tab, `document.getElementById("status").textContent`); s != "signed in as "+tc.user {
			t.Errorf("%s: the app shows %q", page, s)
		}
		checkOrgTokens(t, tab, "react "+tc.org, orgAcmeID, "acme", []string{"admin"})
	}
	// a non-member is refused on the form
	tab := newProfile(t, browser)
	if at := startOrgSignIn(t, tab, e.app, "/react/acme/", "bob"); !strings.HasPrefix(at, e.issuer) {
		t.Fatalf("bob in acme (react) reached %s", at)
	}
	if msg := eval[string](t, tab, `document.getElementById("error").textContent`); !strings.Contains(msg, "bob is not a member of organization acme") {
		t.Fatalf("the form's error for bob: %q", msg)
	}
}
