package run_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/cmd/flow/run"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// appServer serves what the flow's apps are for Chromium: a callback page
// that reports the authorization response (to the parent frame, or in the
// title at top level) and a page embedding a URL in a hidden iframe.
func appServer(t *testing.T) string {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>app</title><script>
window.addEventListener("message", function (e) { if (e.origin === location.origin) window.result = e.data; });
</script><iframe hidden src="%s"></iframe>`, html.EscapeString(r.URL.Query().Get("auth")))
	})
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>callback</title><script>
if (window.parent !== window) parent.postMessage(location.search, location.origin);
else document.title = "result" + location.search;
</script>`)
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	return port
}

func authorizeURL(issuer, clientID, redirect, prompt string) string {
	sum := sha256.Sum256([]byte("a-verifier-long-enough-for-pkce-0123456789"))
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "scope": {"openid"},
		"state": {"st"}, "nonce": {"n"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	if prompt != "" {
		q.Set("prompt", prompt)
	}
	return strings.TrimSuffix(issuer, "/") + "/authorize?" + q.Encode()
}

func pollString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	var got string
	var err error
	for range 5 {
		got, err = chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(15*time.Second)))
		if err == nil || !strings.Contains(err.Error(), "(-32000)") { // a navigation replaced the context
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("poll %s: %v", expr, err)
	}
	return got
}

func codeOrError(query string) string {
	v, _ := url.ParseQuery(strings.TrimPrefix(query, "?"))
	if v.Get("code") != "" {
		return "tokens"
	}
	return v.Get("error")
}

// TestEmbeddedProviderMatchesChromium signs alice in to ssokit's own
// provider through its login form in real Chromium, then runs silent
// authentication for an app on 127.0.0.1 (cross-site to the provider on
// localhost) in a hidden iframe — with the session cookie SameSite=Lax and
// SameSite=None, third-party cookies allowed and blocked — and asserts that
// `ssokit flow run` predicts each outcome.
func TestEmbeddedProviderMatchesChromium(t *testing.T) {
	ap := appServer(t)
	chromes := map[string]context.Context{
		"chrome":             testutil.NewChrome(t, testutil.ChromeOptions{AllowThirdPartyCookies: true}),
		"chrome-3pc-blocked": testutil.NewChrome(t, testutil.ChromeOptions{}),
	}
	for _, sameSite := range []string{"lax", "none"} {
		src := fmt.Sprintf(`session_cookie: {same_site: %s}
apps:
  shell: {origin: "http://localhost:%[2]s"}
  account: {origin: "http://127.0.0.1:%[2]s"}
users: {alice: {password: alice}}
flows:
  - name: cross-site silent auth
    steps:
      - login: {app: shell, user: alice}
      - silent: account
`, sameSite, ap)
		f, err := flow.Parse("cross.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		issuer, stop, err := run.StartEmbedded(context.Background(), f, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		for _, profile := range []string{"chrome", "chrome-3pc-blocked"} {
			ctx := chromes[profile]
			if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			login := authorizeURL(issuer, "shell", "http://localhost:"+ap+"/callback", "")
			if err := chromedp.Do(ctx,
				chromedp.Navigate(login),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SetValue(chromedp.ID("username"), "alice"),
				chromedp.SetValue(chromedp.ID("password"), "alice"),
				chromedp.Click(chromedp.ID("submit")),
			); err != nil {
				t.Fatalf("sign in through the form: %v", err)
			}
			if got := codeOrError(pollString(t, ctx, `document.title.indexOf("result") === 0 && document.title.slice(6)`)); got != "tokens" {
				t.Fatalf("%s: Chromium's sign-in ended with %q", profile, got)
			}
			silent := authorizeURL(issuer, "account", "http://127.0.0.1:"+ap+"/callback", "none")
			page := "http://127.0.0.1:" + ap + "/page?" + url.Values{"auth": {silent}}.Encode()
			if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
				t.Fatal(err)
			}
			real := codeOrError(pollString(t, ctx, `window.result`))

			res, err := (&flow.Runner{Issuer: issuer, Profiles: []string{profile}}).Run(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			st := res.Flows[0].Steps[1]
			sim := "tokens"
			if st.Status != flow.StatusPass {
				sim = st.Outcome // "error login_required: …"
				if f := strings.Fields(st.Outcome); len(f) > 1 && f[0] == "error" {
					sim = strings.TrimSuffix(f[1], ":")
				}
			}
			t.Logf("SameSite=%-4s %-20s chromium=%-14s simulator=%s", sameSite, profile, real, sim)
			if real != sim {
				t.Errorf("SameSite=%s, %s: Chromium got %q, the simulator predicts %q (%s)", sameSite, profile, real, sim, st.Outcome)
			}
		}
		stop()
	}
}
