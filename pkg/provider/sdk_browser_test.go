package provider_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestAuth0SPAJS drives the unmodified @auth0/auth0-spa-js in headless
// Chromium: app A signs in by redirect through the login form, app B on
// another origin gets a token silently (hidden iframe, prompt=none,
// response_mode=web_message) with no form and no navigation, A's rotating
// refresh tokens go through /oauth/token, and after A logs out B's silent
// authentication answers login_required; front- and back-channel logout
// reach both apps.
func TestAuth0SPAJS(t *testing.T) {
	browser := browserCtx(t, false)
	e := newSDKEnv(t, "", appSpec{"app-a", "localhost"}, appSpec{"app-b", "localhost"})
	a, b := e.apps["app-a"], e.apps["app-b"]

	tabA := newProfile(t, browser)
	tabB := newTab(t, tabA)

	// A: redirect login through the form, with useRefreshTokens.
	signInByRedirect(t, tabA, a, "/auth0-rt/", "alice")
	if n := len(e.eventsFor("login", "app-a")); n != 1 {
		t.Fatalf("login events for app-a = %d, want 1", n)
	}

	// B: silent authentication in a hidden iframe, no form, no navigation.
	do(t, tabB, "open app B", chromedp.Navigate(b.origin+"/auth0/"))
	eval[bool](t, tabB, `window.marker = "still here"; true`)
	got := eval[sdkResult](t, tabB, `app.token()`)
	if !got.OK {
		t.Fatalf("B getTokenSilently: %s", got)
	}
	if m := eval[string](t, tabB, `window.marker || ""`); m != "still here" {
		t.Fatalf("app B navigated during silent authentication (marker %q)", m)
	}
	if loc := eval[string](t, tabB, `location.href`); loc != b.origin+"/auth0/" {
		t.Fatalf("app B is at %s after silent auth", loc)
	}
	claims := parseClaims(t, got.IDToken)
	if claims["sub"] != "alice" || claims["aud"] != "app-b" || claims["iss"] != e.issuer {
		t.Fatalf("B's ID token claims: %v", claims)
	}
	if n := len(e.eventsFor("login", "app-b")); n != 0 {
		t.Fatalf("app B saw the login form (%d login events)", n)
	}
	if ev := e.eventsFor("silent", "app-b"); len(ev) != 1 || !strings.Contains(ev[0].Detail, "succeeded (web_message)") {
		t.Fatalf("silent events for app-b: %+v", ev)
	}

	// audience reaches the access token; max_age makes the SDK check auth_time.
	api := eval[sdkResult](t, tabB, `app.token({authorizationParams: {audience: "https://api.example/", max_age: 3600}})`)
	if !api.OK {
		t.Fatalf("B getTokenSilently with audience and max_age: %s", api)
	}
	if c := parseClaims(t, api.AccessToken); c["aud"] != "https://api.example/" || c["client_id"] != "app-b" {
		t.Fatalf("access token for an audience: %v", c)
	}

	// A: useRefreshTokens — a forced refresh goes through /oauth/token.
	before := len(e.eventsFor("refresh", "app-a"))
	rt := eval[sdkResult](t, tabA, `app.token({cacheMode: "off"})`)
	if !rt.OK {
		t.Fatalf("A refresh: %s", rt)
	}
	if n := len(e.eventsFor("refresh", "app-a")); n != before+1 {
		t.Fatalf("refresh events for app-a = %d, want %d", n, before+1)
	}
	if rc := parseClaims(t, rt.IDToken); rc["sub"] != "alice" {
		t.Fatalf("refreshed ID token: %v", rc)
	}
	if n := len(e.eventsFor("silent", "app-a")); n != 0 {
		t.Fatalf("A used an iframe instead of its refresh token (%d silent events)", n)
	}

	// A logs out (/v2/logout, which carries no id_token_hint, so the
	// provider asks the user to confirm); the browser comes back to A.
	navigateAndWait(t, tabA, "logout in A", chromedp.Evaluate[chromedp.Void](`app.logout(); undefined`))
	do(t, tabA, "the logout confirmation", chromedp.WaitVisible(chromedp.CSS(`#signout`)))
	navigateAndWait(t, tabA, "confirm the logout", chromedp.Click(chromedp.CSS(`#signout`)))
	waitFor(t, "A back at its returnTo", func() bool {
		return eval[string](t, tabA, `location.href`) == a.origin+"/auth0-rt/"
	})

	// B: silent auth now fails with login_required.
	after := eval[sdkResult](t, tabB, `app.token({cacheMode: "off"})`)
	if after.OK || after.Error != "login_required" {
		t.Fatalf("B after A's logout: %s, want login_required", after)
	}

	// Front-channel logout reached both apps with iss and sid.
	sid := claims["sid"]
	for _, app := range []*testApp{a, b} {
		app := app
		waitFor(t, "front-channel logout at "+app.clientID, func() bool { return len(app.frontchannelHits()) > 0 })
		h := app.frontchannelHits()[0]
		if h.Get("iss") != e.issuer || h.Get("sid") != sid {
			t.Fatalf("front-channel logout at %s: %v, want iss=%s sid=%v", app.clientID, h, e.issuer, sid)
		}
	}
	// Back-channel logout reached the test server, once per app.
	waitFor(t, "back-channel logout tokens", func() bool { return len(e.bc.received()) == 2 })
	auds := map[any]bool{}
	for _, tok := range e.bc.received() {
		c := parseClaims(t, tok)
		auds[c["aud"]] = true
		if c["sid"] != sid || c["events"] == nil || c["nonce"] != nil {
			t.Fatalf("logout token claims: %v", c)
		}
	}
	if !auds["app-a"] || !auds["app-b"] {
		t.Fatalf("logout tokens went to %v, want app-a and app-b", auds)
	}
}

// parseClaims reads a JWT's claims without verifying (the provider's own
// tests verify signatures; here we check what the SDK handed the app).
func parseClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse JWT %q: %v", raw, err)
	}
	m := map[string]any{}
	if err := tok.UnsafeClaimsWithoutVerification(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// waitFor polls cond every 50 ms for up to 20 s: for effects the browser
// produces asynchronously (iframes loading, background POSTs).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOIDCClientTS drives the unmodified oidc-client-ts: signinRedirect in
// app A, signinSilent in app B (hidden iframe to B's silent_redirect_uri,
// prompt=none, a plain redirect), A's refresh-token renewal, and
// monitorSession in B (the provider's check_session iframe) noticing the
// sign-out done in A through RP-initiated logout.
func TestOIDCClientTS(t *testing.T) {
	browser := browserCtx(t, false)
	e := newSDKEnv(t, "", appSpec{"app-a", "localhost"}, appSpec{"app-b", "localhost"})
	a, b := e.apps["app-a"], e.apps["app-b"]

	tabA := newProfile(t, browser)
	tabB := newTab(t, tabA)

	signInByRedirect(t, tabA, a, "/oidc/?offline=1", "bob")

	do(t, tabB, "open app B", chromedp.Navigate(b.origin+"/oidc/"))
	eval[bool](t, tabB, `window.marker = "still here"; true`)
	got := eval[sdkResult](t, tabB, `app.silent()`)
	if !got.OK {
		t.Fatalf("B signinSilent: %s", got)
	}
	if m := eval[string](t, tabB, `window.marker || ""`); m != "still here" {
		t.Fatalf("app B navigated during signinSilent (marker %q)", m)
	}
	if got.Sub != "bob" || got.SessionState == "" {
		t.Fatalf("B's user: sub %q session_state %q", got.Sub, got.SessionState)
	}
	if n := len(e.eventsFor("login", "app-b")); n != 0 {
		t.Fatalf("app B saw the login form (%d login events)", n)
	}
	if ev := e.eventsFor("silent", "app-b"); len(ev) != 1 || !strings.Contains(ev[0].Detail, "succeeded (query)") {
		t.Fatalf("silent events for app-b: %+v", ev)
	}

	// A holds a refresh token (offline_access): signinSilent uses it.
	ra := eval[sdkResult](t, tabA, `app.silent()`)
	if !ra.OK || ra.RefreshToken == "" {
		t.Fatalf("A signinSilent with a refresh token: %s (refresh token %q)", ra, ra.RefreshToken)
	}
	if n := len(e.eventsFor("refresh", "app-a")); n != 1 {
		t.Fatalf("refresh events for app-a = %d, want 1", n)
	}

	// automatic silent renew: with 62 s access tokens (a fault scoped to
	// app-b) the SDK renews 60 s before expiry, i.e. after 2 s, by itself.
	adminPost(t, e, "faults", `{"endpoint":"token","client_id":"app-b","access_token_ttl":"62s"}`)
	tabR := newTab(t, tabA)
	do(t, tabR, "open app B with automaticSilentRenew", chromedp.Navigate(b.origin+"/oidc/?renew=1"))
	if r := eval[sdkResult](t, tabR, `app.silent()`); !r.OK {
		t.Fatalf("signinSilent: %s", r)
	}
	waitFor(t, "an automatic silent renewal", func() bool {
		n := 0
		for _, ev := range eval[[]string](t, tabR, `window.events`) {
			if ev == "userLoaded" {
				n++
			}
		}
		return n >= 2
	})
	adminDo(t, e, http.MethodDelete, "faults", "")

	// B's session monitor is running against the check_session iframe and
	// sees an unchanged session.
	waitFor(t, "B's check_session iframe", func() bool {
		return eval[bool](t, tabB, `!!document.querySelector('iframe[src^="`+e.issuer+`check_session"]')`)
	})
	time.Sleep(1500 * time.Millisecond) // at least one check at the 1 s interval
	if ev := eval[[]string](t, tabB, `window.events`); strings.Contains(strings.Join(ev, " "), "userSignedOut") {
		t.Fatalf("B's session monitor reported a sign-out before anyone signed out: %v", ev)
	}

	// A signs out (end_session_endpoint with id_token_hint).
	navigateAndWait(t, tabA, "signoutRedirect in A", chromedp.Evaluate[chromedp.Void](`app.logout(); undefined`))
	waitFor(t, "A back at its post_logout_redirect_uri", func() bool {
		return strings.HasPrefix(eval[string](t, tabA, `location.href`), a.origin+"/oidc/")
	})

	// B's monitor observes it: "changed", then a prompt=none check, then userSignedOut.
	waitFor(t, "userSignedOut in B", func() bool {
		return strings.Contains(strings.Join(eval[[]string](t, tabB, `window.events`), " "), "userSignedOut")
	})
	after := eval[sdkResult](t, tabB, `app.silent()`)
	if after.OK || after.Error != "login_required" {
		t.Fatalf("B signinSilent after A's sign-out: %s, want login_required", after)
	}
	for _, app := range []*testApp{a, b} {
		app := app
		waitFor(t, "front-channel logout at "+app.clientID, func() bool { return len(app.frontchannelHits()) == 1 })
	}
	waitFor(t, "back-channel logout tokens", func() bool { return len(e.bc.received()) == 2 })
}

// TestPopupSignIn signs in through the login form in a popup
// (auth0-spa-js loginWithPopup: response_mode=web_message to
// window.opener), then a cross-site app (127.0.0.1, third-party cookies
// blocked) signs in by oidc-client-ts signinPopup with no form: popups
// are top-level windows, so the provider's cookies are first-party there.
func TestPopupSignIn(t *testing.T) {
	browser := browserCtx(t, false)
	e := newSDKEnv(t, "", appSpec{"app-a", "localhost"}, appSpec{"app-x", "127.0.0.1"})
	a, x := e.apps["app-a"], e.apps["app-x"]
	tab := newProfile(t, browser)

	do(t, tab, "open app A", chromedp.Navigate(a.origin+"/auth0/"))
	res := evalAsync(tab, `app.popup()`)
	popup := findPopup(t, tab, e.issuer+"authorize")
	do(t, popup, "fill the login form in the popup",
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "x"),
		chromedp.Click(chromedp.CSS(`#submit`)),
	)
	got := <-res
	if !got.OK || parseClaims(t, got.IDToken)["sub"] != "alice" {
		t.Fatalf("auth0-spa-js loginWithPopup: %s", got)
	}
	if ev := e.eventsFor("code", "app-a"); len(ev) != 1 || !strings.Contains(ev[0].Detail, "web_message") {
		t.Fatalf("code events for app-a: %+v", ev)
	}

	tabX := newTab(t, tab)
	do(t, tabX, "open app X", chromedp.Navigate(x.origin+"/oidc/"))
	got = eval[sdkResult](t, tabX, `app.popup()`, withUserGesture)
	if !got.OK || got.Sub != "alice" {
		t.Fatalf("oidc-client-ts signinPopup from a cross-site app: %s", got)
	}
	if n := len(e.eventsFor("login", "")); n != 1 {
		t.Fatalf("%d logins, want 1 (the second popup must not show the form)", n)
	}

	// oidc-client-ts signoutSilent: the logout page in a hidden iframe of a
	// same-site app ends the SSO session.
	tabA := newTab(t, tab)
	do(t, tabA, "open app A", chromedp.Navigate(a.origin+"/oidc/"))
	if r := eval[sdkResult](t, tabA, `app.silent()`); !r.OK {
		t.Fatalf("signinSilent in A: %s", r)
	}
	if r := eval[sdkResult](t, tabA, `app.silentLogout()`); !r.OK {
		t.Fatalf("signoutSilent in A: %s", r)
	}
	if n := len(e.eventsFor("logout", "")); n != 1 {
		t.Fatalf("%d logout events after signoutSilent, want 1", n)
	}
	if r := eval[sdkResult](t, tabA, `app.silent()`); r.Error != "login_required" {
		t.Fatalf("signinSilent after signoutSilent: %s, want login_required", r)
	}
}

// evalAsync evaluates a promise-returning expression with a user gesture
// in the background, for SDK calls that wait on a popup the test drives.
func evalAsync(ctx context.Context, expr string) <-chan sdkResult {
	ch := make(chan sdkResult, 1)
	go func() {
		tctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		r, err := chromedp.Run(tctx, chromedp.Evaluate[sdkResult](expr, withUserGesture, chromedp.EvalAwaitPromise))
		if err != nil {
			r = sdkResult{Error: "evaluate: " + err.Error()}
		}
		ch <- r
	}()
	return ch
}

// findPopup waits for a window whose URL starts with prefix and attaches to it.
func findPopup(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	var id target.ID
	waitFor(t, "a popup at "+prefix, func() bool {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range infos {
			if in.Type == "page" && strings.HasPrefix(in.URL, prefix) {
				id = in.TargetID
				return true
			}
		}
		return false
	})
	pctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	return pctx
}

// TestSDKFaults injects faults through the admin API while the unmodified
// auth0-spa-js renews tokens silently (iframe + web_message + /oauth/token),
// and checks what the app sees: the reproducible failure modes a frontend
// team tests against.
func TestSDKFaults(t *testing.T) {
	browser := browserCtx(t, false)
	e := newSDKEnv(t, "", appSpec{"app-a", "localhost"})
	a := e.apps["app-a"]
	tab := newProfile(t, browser)
	signInByRedirect(t, tab, a, "/auth0/", "alice")
	renew := func() sdkResult { return eval[sdkResult](t, tab, `app.token({cacheMode: "off"})`) }
	if r := renew(); !r.OK {
		t.Fatalf("renewal before any fault: %s", r)
	}
	for _, tc := range []struct {
		name, fault string
		want        string // "ok" or the error the SDK reports
	}{
		{"login_required on authorize", `{"endpoint":"authorize","error":"login_required","count":1}`, "login_required"},
		{"interaction_required on authorize", `{"endpoint":"authorize","error":"interaction_required","count":1}`, "interaction_required"},
		{"consent_required on authorize", `{"endpoint":"authorize","error":"consent_required","count":1}`, "consent_required"},
		{"temporarily_unavailable on token", `{"endpoint":"token","error":"temporarily_unavailable","count":1}`, "temporarily_unavailable"},
		// a non-JSON answer is retried like a network error (3 tries): one 500 goes unnoticed
		{"one HTTP 500 on token", `{"endpoint":"token","error":"http_500","count":1}`, "ok"},
		{"HTTP 500 on token", `{"endpoint":"token","error":"http_500"}`, "request_error"},
		{"latency on token", `{"endpoint":"token","latency":"300ms","count":1}`, "ok"},
		{"other client only", `{"endpoint":"authorize","client_id":"someone-else","error":"login_required"}`, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adminPost(t, e, "faults", tc.fault)
			t.Cleanup(func() { adminDo(t, e, http.MethodDelete, "faults", "") })
			fired := len(e.eventsFor("fault", ""))
			got := renew()
			if scoped := strings.Contains(tc.fault, "someone-else"); (len(e.eventsFor("fault", "")) > fired) == scoped {
				t.Fatalf("the fault %s fired %d times", tc.fault, len(e.eventsFor("fault", ""))-fired)
			}
			if outcome(got) != tc.want && !(tc.want == "request_error" && !got.OK) {
				t.Fatalf("renewal under fault %s: %s, want %s", tc.fault, got, tc.want)
			}
			t.Logf("%s → %s", tc.name, got)
		})
	}
	t.Run("short access-token lifetime", func(t *testing.T) {
		// the SDKs treat a token as expired 60 s early: 20 s tokens are renewed on every call
		adminPost(t, e, "faults", `{"endpoint":"token","access_token_ttl":"20s"}`)
		t.Cleanup(func() { adminDo(t, e, http.MethodDelete, "faults", "") })
		if r := renew(); !r.OK {
			t.Fatalf("renewal: %s", r)
		}
		before := len(e.eventsFor("silent", "app-a"))
		for range 2 {
			if r := eval[sdkResult](t, tab, `app.token()`); !r.OK {
				t.Fatalf("renewal: %s", r)
			}
		}
		if n := len(e.eventsFor("silent", "app-a")) - before; n != 2 {
			t.Fatalf("%d silent authentications for 2 cached getTokenSilently calls, want 2", n)
		}
	})
	t.Run("rotate keys", func(t *testing.T) {
		adminPost(t, e, "rotate-keys", "")
		r := renew()
		if !r.OK {
			t.Fatalf("renewal after key rotation: %s", r)
		}
	})
	t.Run("end sessions", func(t *testing.T) {
		adminPost(t, e, "end-sessions", "")
		if r := renew(); r.Error != "login_required" {
			t.Fatalf("renewal after end-sessions: %s, want login_required", r)
		}
	})

	// zero config (no ssokit.yaml): any client_id, loopback redirect URIs;
	// the iframe modes and the session monitor work unregistered.
	t.Run("zero config", func(t *testing.T) {
		z := newSDKEnv(t, zeroConfig, appSpec{"any-app", "localhost"}, appSpec{"other-app", "localhost"})
		zt := newProfile(t, browser)
		signInByRedirect(t, zt, z.apps["any-app"], "/auth0/", "bob")
		other := newTab(t, zt)
		do(t, other, "open the other app", chromedp.Navigate(z.apps["other-app"].origin+"/auth0/"))
		if r := eval[sdkResult](t, other, `app.token()`); !r.OK {
			t.Fatalf("web_message iframe, zero config: %s", r)
		}
		do(t, other, "open the other app", chromedp.Navigate(z.apps["other-app"].origin+"/oidc/"))
		if r := eval[sdkResult](t, other, `app.silent()`); !r.OK {
			t.Fatalf("signinSilent, zero config: %s", r)
		}
		if got := checkSessionOutcome(t, other, z); got != "ok" {
			t.Fatalf("check_session, zero config: %s", got)
		}
	})
}

func adminPost(t *testing.T, e *sdkEnv, path, body string) {
	t.Helper()
	if st := adminDo(t, e, http.MethodPost, path, body); st >= 300 {
		t.Fatalf("POST /_ssokit/%s %s: %d", path, body, st)
	}
}

func adminDo(t *testing.T, e *sdkEnv, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, e.issuer+"_ssokit/"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
