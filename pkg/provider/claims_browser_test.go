package provider_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/provider"
	"github.com/ssokit/ssokit/pkg/token"
)

// TestLoginFormExtraClaimsInChromium drives the login form in Chromium: a
// hostile value in the collapsed extra-claims box comes back as an error
// in the form, the box open and holding exactly what was typed, and no
// markup of it in the page; then valid claims with a quick-user button
// (which submits the same form) sign bob in with them.
func TestLoginFormExtraClaimsInChromium(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("app")) }))
	t.Cleanup(app.Close)
	cb := app.URL + "/callback"
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	op, err := provider.New(provider.Options{Issuer: issuer, Keys: testutil.Keys(),
		Config: &config.Config{Clients: []config.Client{{ClientID: "shell", RedirectURIs: []string{cb}}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = op
	srv.Start()
	t.Cleanup(func() { srv.Close(); op.Close() })

	verifier := "a-verifier-long-enough-for-rfc-7636-section-4-1-xyz"
	authURL := issuer + "authorize?" + url.Values{"client_id": {"shell"}, "redirect_uri": {cb}, "response_type": {"code"},
		"scope": {"openid"}, "code_challenge": {oidc.PKCEChallengeS256(verifier)}, "code_challenge_method": {"S256"}}.Encode()

	ctx := testutil.NewChrome(t, testutil.ChromeOptions{})
	do(t, ctx, "open the login form", chromedp.Navigate(authURL), chromedp.WaitVisible(chromedp.CSS(`#username`)))
	if open := eval[bool](t, ctx, `document.getElementById('extra').open`); open {
		t.Error("the extra-claims box is open before anything was typed")
	}
	const hostile = `</textarea><img src=x onerror="window.pwned=1">{"roles":1`
	do(t, ctx, "type a hostile value",
		chromedp.Click(chromedp.CSS(`#extra summary`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "bob"),
		chromedp.SetValue(chromedp.CSS(`#extra_claims`), hostile))
	navigateAndWait(t, ctx, "submit", chromedp.Click(chromedp.CSS(`#submit`)))
	type formState struct {
		Error, Value, Username string
		Open, Pwned            bool
		Imgs                   int
	}
	st := eval[formState](t, ctx, `({Error: document.getElementById('error')?.textContent ?? '', Value: document.getElementById('extra_claims').value,
		Username: document.getElementById('username').value, Open: document.getElementById('extra').open,
		Pwned: !!window.pwned, Imgs: document.images.length})`)
	if !strings.Contains(st.Error, "extra claims must be a JSON object") || st.Value != hostile || st.Username != "bob" || !st.Open || st.Pwned || st.Imgs != 0 {
		t.Fatalf("after a hostile value the form shows %+v", st)
	}

	do(t, ctx, "type valid claims", chromedp.SetValue(chromedp.CSS(`#extra_claims`), `{"https://example.com/roles": ["admin"]}`))
	resp := navigateAndWait(t, ctx, "sign in as bob with the quick-user button", chromedp.Click(chromedp.CSS(`button[name=quick_user][value=bob]`)))
	u, err := url.Parse(resp.URL)
	if err != nil || !strings.HasPrefix(resp.URL, cb) || u.Query().Get("code") == "" {
		t.Fatalf("after sign-in the browser is at %s", resp.URL)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"shell"}, "code": {u.Query().Get("code")},
		"redirect_uri": {cb}, "code_verifier": {verifier}}
	tr, err := http.PostForm(issuer+"oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(tr.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token response: %d %v", tr.StatusCode, err)
	}
	at, err := token.Decode(body.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if at.Claims["sub"] != "bob" || !strings.Contains(string(at.ClaimsJSON), `"https://example.com/roles":["admin"]`) {
		t.Errorf("access token claims: %s", at.ClaimsJSON)
	}
}
