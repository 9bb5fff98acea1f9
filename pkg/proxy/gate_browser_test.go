package proxy

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// TestGateInChromium drives the auth gate with a real browser: the gated
// page sends Chromium to ssokit's login form, the form signs it in, the
// page comes back with the user, the session cookie is invisible to
// scripts, a WebSocket (hot reload) opens through the gate with that
// cookie, and logout ends it all.
func TestGateInChromium(t *testing.T) {
	ctx := testutil.NewChrome(t, testutil.ChromeOptions{})

	pxLn, opLn := listen(t), listen(t)
	proxyURL := "http://" + pxLn.Addr().String()
	issuer := "http://" + opLn.Addr().String() + "/"
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/hmr") {
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{pxLn.Addr().String()}})
			if err != nil {
				return
			}
			defer c.CloseNow()
			typ, msg, err := c.Read(r.Context())
			if err == nil {
				c.Write(r.Context(), typ, []byte("hmr:"+string(msg)+":"+r.Header.Get("X-Forwarded-User")))
			}
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The sign-out button of the bff template: a same-origin POST.
		fmt.Fprintf(w, `<!doctype html><title>checkout</title><p id="user">%s</p><p id="bearer">%t</p>`+
			`<form method="post" action="/checkout/_ssokit/logout"><button id="logout">Sign out everywhere</button></form>`,
			html.EscapeString(r.Header.Get("X-Forwarded-User")), strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey"))
	}))
	t.Cleanup(app.Close)

	cfg := &config.Config{
		Issuer: issuer,
		Clients: []config.Client{{ClientID: "checkout-bff", Secret: "s3cret",
			RedirectURIs:           []string{proxyURL + "/checkout/_ssokit/callback"},
			PostLogoutRedirectURIs: []string{proxyURL + "/checkout/"}}},
		Apps: []config.App{{Name: "checkout", Path: "/checkout", Upstream: app.URL, Auth: "required", ClientID: "checkout-bff"}},
	}
	op, err := provider.New(provider.Options{Issuer: issuer, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { op.Close() })
	serve(t, opLn, op)
	p, err := New(Options{Routes: []Route{{Name: "checkout", Prefix: "/checkout", Upstream: app.URL, Auth: &Auth{
		Issuer: issuer, ClientID: "checkout-bff", ClientSecret: "s3cret",
		RedirectURL: proxyURL + "/checkout/_ssokit/callback", PostLogoutRedirectURL: proxyURL + "/checkout/",
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, pxLn, p)

	// Unauthenticated: the gated page leads to the provider's form.
	resp := browse(t, ctx, "open the gated page", chromedp.Navigate(proxyURL+"/checkout/orders"))
	if !strings.HasPrefix(resp, issuer) {
		t.Fatalf("the gated page ended at %s, want the provider's login form", resp)
	}
	act(t, ctx, "fill the login form",
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "any password"))
	if resp := browse(t, ctx, "submit the form", chromedp.Click(chromedp.CSS(`#submit`))); resp != proxyURL+"/checkout/orders" {
		t.Fatalf("after signing in the browser is at %s, want the page it asked for", resp)
	}
	if user := evaluate[string](t, ctx, `document.getElementById("user").textContent`); user != "alice" {
		t.Errorf("the upstream saw X-Forwarded-User %q, want alice", user)
	}
	if bearer := evaluate[string](t, ctx, `document.getElementById("bearer").textContent`); bearer != "true" {
		t.Error("the upstream saw no bearer token")
	}
	if cookies := evaluate[string](t, ctx, `document.cookie`); strings.Contains(cookies, "ssokit_proxy") {
		t.Errorf("scripts can read the gate's cookie: %q", cookies)
	}

	// Hot reload through the gate: the WebSocket carries the session cookie.
	echo := evaluate[string](t, ctx, `new Promise((resolve, reject) => {
		const ws = new WebSocket("ws://" + location.host + "/checkout/hmr");
		ws.onopen = () => ws.send("update");
		ws.onmessage = (e) => { resolve(e.data); ws.close(); };
		ws.onerror = () => reject(new Error("websocket failed"));
	})`)
	if echo != "hmr:update:alice" {
		t.Errorf("WebSocket through the gate answered %q", echo)
	}

	// A page on another port of the same host (same site, so the Lax
	// session cookie goes along) posts the logout form: refused.
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<form method="post" action="%s/checkout/_ssokit/logout"></form><script>document.forms[0].submit()</script>`, proxyURL)
	}))
	t.Cleanup(attacker.Close)
	act(t, ctx, "a page on another port posts the logout",
		chromedp.Navigate(attacker.URL),
		chromedp.WaitVisible(chromedp.CSS(`#confirm`)))
	if resp := browse(t, ctx, "reopen the gated page", chromedp.Navigate(proxyURL+"/checkout/orders")); resp != proxyURL+"/checkout/orders" {
		t.Fatalf("a cross-port form post signed the user out: the gated page is at %s", resp)
	}

	// Logout with the app's own button: the provider's signed-out page,
	// then the form again.
	resp = browse(t, ctx, "log out", chromedp.Click(chromedp.CSS(`#logout`)))
	if !strings.HasPrefix(resp, issuer) {
		t.Errorf("logout ended at %s, want the provider's end-session page", resp)
	}
	resp = browse(t, ctx, "reopen the gated page", chromedp.Navigate(proxyURL+"/checkout/orders"))
	if !strings.HasPrefix(resp, issuer) {
		t.Errorf("after logout the gated page is at %s, want the login form again", resp)
	}
	act(t, ctx, "see the login form", chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)))
}

const browserTimeout = 30 * time.Second

func act(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// browse runs actions that navigate and returns the URL the browser ends at.
func browse(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(tctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return resp.URL
}

func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}
