package proxy

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var logoutForm = regexp.MustCompile(`<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">`)

// stillSignedIn reports whether c's session still reaches the upstream.
func stillSignedIn(t *testing.T, s *gateSetup, c *http.Client) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/checkout/", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func postLogout(t *testing.T, c *http.Client, target string, form url.Values, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestGateLogoutNeedsConfirmation: a page on any site (any localhost port
// included) can make the browser GET the gate's logout, with its cookies;
// that must not end the session. GET shows a confirmation form; POST ends
// the session when it carries the form's token or comes from the proxy's
// own origin (the app's own sign-out button).
func TestGateLogoutNeedsConfirmation(t *testing.T) {
	s := newGateSetup(t)
	c := browser(t)
	signIn(t, s, c)
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	logout := s.url + "/checkout/_ssokit/logout"

	// A bare GET, as an <img> or a link on another port makes.
	resp, body := navigate(t, &noFollow, logout, "Sec-Fetch-Site", "same-site")
	if resp.StatusCode != http.StatusOK || !stillSignedIn(t, s, c) {
		t.Fatalf("a bare GET of the logout: %d, signed in %v; want the confirmation page and the session kept", resp.StatusCode, stillSignedIn(t, s, c))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the confirmation page can be framed (clickjacking): CSP %q", csp)
	}
	m := logoutForm.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no confirmation form with a token:\n%s", body)
	}
	action, token := html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2]))
	if action != "/checkout/_ssokit/logout" {
		t.Errorf("the form posts to %q", action)
	}

	// Forged POSTs from another origin: no token, a wrong token, or
	// another browser's token.
	other := browser(t)
	signIn(t, s, other)
	_, otherBody := navigate(t, other, logout)
	otherToken := html.UnescapeString(string(logoutForm.FindSubmatch(otherBody)[2]))
	for _, forged := range []url.Values{{}, {"csrf": {"x"}}, {"csrf": {otherToken}}} {
		resp = postLogout(t, &noFollow, logout, forged, "Sec-Fetch-Site", "same-site", "Origin", "http://localhost:5555")
		if resp.StatusCode != http.StatusForbidden || !stillSignedIn(t, s, c) {
			t.Fatalf("forged POST %v: %d, signed in %v; want 403 and the session kept", forged, resp.StatusCode, stillSignedIn(t, s, c))
		}
	}

	// The confirmed form ends the session and goes on to the provider.
	resp = postLogout(t, &noFollow, logout, url.Values{"csrf": {token}}, "Sec-Fetch-Site", "same-origin", "Origin", s.url)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.op.URL+"/logout?") {
		t.Fatalf("confirmed logout: %d %s, want 303 to the provider's end_session_endpoint", resp.StatusCode, loc)
	}
	if stillSignedIn(t, s, c) {
		t.Error("the confirmed logout left the session alive")
	}

	// The app's own button: a same-origin POST without the token.
	if !stillSignedIn(t, s, other) {
		t.Fatal("the other browser was signed out too")
	}
	otherNoFollow := *other
	otherNoFollow.CheckRedirect = noFollow.CheckRedirect
	resp = postLogout(t, &otherNoFollow, logout, nil, "Sec-Fetch-Site", "same-origin")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.op.URL+"/logout?") || stillSignedIn(t, s, other) {
		t.Errorf("same-origin POST: %d %s, signed in %v", resp.StatusCode, loc, stillSignedIn(t, s, other))
	}
	resp = postLogout(t, &noFollow, logout, nil, "Origin", s.url) // a browser without fetch metadata
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST (Origin only): %d, want 303", resp.StatusCode)
	}
}

// confirmedLogout signs c out as a person does: opens the gate's logout,
// submits its confirmation form, and follows the redirects.
func confirmedLogout(t *testing.T, c *http.Client, logoutURL string) (*http.Response, []byte) {
	t.Helper()
	_, page := navigate(t, c, logoutURL)
	m := logoutForm.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no confirmation form at %s:\n%s", logoutURL, page)
	}
	u := mustParse(t, logoutURL)
	action, _ := u.Parse(html.UnescapeString(string(m[1])))
	form := url.Values{"csrf": {html.UnescapeString(string(m[2]))}}
	req, _ := http.NewRequest(http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}
