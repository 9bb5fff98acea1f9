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
// markup of it in the page; then valid claims sign carol in with Enter
// (the form's own button, not a quick-user one) and bob with his
// quick-user button (which submits the same form, claims included).
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

	// Enter in the password field submits with the form's own button (the
	// first submit button in tree order), not a quick-user one: carol
	do(t, ctx, "type valid claims and a new user",
		chromedp.SetValue(chromedp.CSS(`#extra_claims`), `{"https://example.com/roles": ["admin"]}`),
		chromedp.SetValue(chromedp.CSS(`#username`), "carol"))
	resp := navigateAndWait(t, ctx, "press Enter", chromedp.SendKeys(chromedp.CSS(`#password`), "x\r"))
	if at := redeem(t, issuer, cb, verifier, resp.URL); at.Claims["sub"] != "carol" || !strings.Contains(string(at.ClaimsJSON), `"https://example.com/roles":["admin"]`) {
		t.Errorf("Enter: access token claims %s", at.ClaimsJSON)
	}
	// a quick-user button submits the same form, extra claims included: bob
	do(t, ctx, "sign in again", chromedp.Navigate(authURL+"&prompt=login"), chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.Click(chromedp.CSS(`#extra summary`)),
		chromedp.SetValue(chromedp.CSS(`#extra_claims`), `{"https://example.com/roles": ["auditor"]}`))
	resp = navigateAndWait(t, ctx, "click bob", chromedp.Click(chromedp.CSS(`button[name=quick_user][value=bob]`)))
	if at := redeem(t, issuer, cb, verifier, resp.URL); at.Claims["sub"] != "bob" || !strings.Contains(string(at.ClaimsJSON), `"https://example.com/roles":["auditor"]`) {
		t.Errorf("quick user: access token claims %s", at.ClaimsJSON)
	}
}

// redeem exchanges the code in the callback URL the browser reached and
// decodes the access token.
func redeem(t *testing.T, issuer, cb, verifier, callback string) *token.Unverified {
	t.Helper()
	u, err := url.Parse(callback)
	if err != nil || !strings.HasPrefix(callback, cb) || u.Query().Get("code") == "" {
		t.Fatalf("after sign-in the browser is at %s", callback)
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
	return at
}
