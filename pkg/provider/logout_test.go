package provider

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var logoutFormRE = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" id="logout">(.*?)</form>`)

// logout GETs /logout with query and, if the provider asks to confirm,
// submits the confirmation form as the user would.
func (b *browser) logout(op *testOP, query string) page {
	b.t.Helper()
	p := b.get(op.issuer + "logout" + query)
	m := logoutFormRE.FindStringSubmatch(p.body)
	if m == nil {
		return p
	}
	v := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
		v.Set(h[1], html.UnescapeString(h[2]))
	}
	return b.postForm(html.UnescapeString(m[1]), v)
}

// sessionAlive reports whether prompt=none still answers with a code.
func sessionAlive(t *testing.T, op *testOP, b *browser) bool {
	t.Helper()
	q := callbackParams(t, b.get(op.authURL("shell", shellCB, newPKCE(), url.Values{"prompt": {"none"}})), shellCB)
	return q.Get("code") != ""
}

// TestLogoutCSRF: a bare GET (or a forged POST) to /logout or /v2/logout
// without a valid id_token_hint asks the user instead of ending the session
// (RP-Initiated Logout §2); confirming ends it and redirects with state.
func TestLogoutCSRF(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	post := url.QueryEscape("http://localhost:9000/shell/")
	b, _ := signedInBrowser(t, op)
	for _, path := range []string{
		"logout",
		"logout?client_id=shell&post_logout_redirect_uri=" + post + "&state=bye",
		"v2/logout?client_id=shell&returnTo=" + post,
	} {
		p := b.get(op.issuer + path)
		if p.status != http.StatusOK || !logoutFormRE.MatchString(p.body) || p.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET /%s: %d, want the confirmation form (not framable)\n%s", path, p.status, p.body)
		}
		if !sessionAlive(t, op, b) {
			t.Fatalf("GET /%s ended the session without confirmation", path)
		}
	}
	// a cross-site form POST without the confirmation token
	if p := b.postForm(op.issuer+"logout", url.Values{"client_id": {"shell"}, "confirm": {"guess"}}); !logoutFormRE.MatchString(p.body) {
		t.Errorf("forged POST: %d\n%s", p.status, p.body)
	}
	if !sessionAlive(t, op, b) {
		t.Fatal("a forged POST ended the session")
	}
	p := b.logout(op, "?client_id=shell&post_logout_redirect_uri="+post+"&state=bye")
	if p.status != http.StatusSeeOther || p.location != "http://localhost:9000/shell/?state=bye" {
		t.Fatalf("confirmed logout: %d %q, want 303 to the post-logout URI with state\n%s", p.status, p.location, p.body)
	}
	if sessionAlive(t, op, b) {
		t.Fatal("the session survived a confirmed logout")
	}
}

// TestLogoutRedirects: with a valid id_token_hint the session ends at
// once; without front-channel iframes to load the answer is a 303 (a
// client that follows only HTTP redirects arrives); with them, the page
// has a no-script fallback to the post-logout URI.
func TestLogoutRedirects(t *testing.T) {
	post := "http://localhost:9000/shell/"
	hinted := func(t *testing.T, op *testOP) (*browser, string) {
		pk := newPKCE()
		b := newBrowser(t)
		q := callbackParams(t, b.signIn(b.get(op.authURL("shell", shellCB, pk, nil)), "alice", "alice-pw"), shellCB)
		_, tok := op.exchange(t, "shell", shellCB, q.Get("code"), pk.verifier)
		return b, "?id_token_hint=" + tok["id_token"].(string) + "&post_logout_redirect_uri=" + url.QueryEscape(post) + "&state=s1"
	}
	t.Run("no front-channel: 303", func(t *testing.T) {
		op := newTestOP(t, registeredConfig())
		b, q := hinted(t, op)
		p := b.get(op.issuer + "logout" + q)
		if p.status != http.StatusSeeOther || p.location != post+"?state=s1" {
			t.Fatalf("hinted logout: %d %q\n%s", p.status, p.location, p.body)
		}
		if sessionAlive(t, op, b) {
			t.Fatal("session survived")
		}
		// no session left to end: nothing to confirm either
		if p := b.get(op.issuer + "logout?client_id=shell&post_logout_redirect_uri=" + url.QueryEscape(post)); p.status != http.StatusSeeOther {
			t.Fatalf("logout without a session: %d\n%s", p.status, p.body)
		}
	})
	t.Run("front-channel: page with a no-script fallback", func(t *testing.T) {
		op := newTestOP(t, backchannelConfig(""))
		b, q := hinted(t, op)
		p := b.get(op.issuer + "logout" + q)
		if p.status != http.StatusOK || !strings.Contains(p.body, "<iframe") ||
			!strings.Contains(p.body, `<noscript><meta http-equiv="refresh" content="2;url=http://localhost:9000/shell/?state=s1"></noscript>`) {
			t.Fatalf("logout with a front-channel URI: %d\n%s", p.status, p.body)
		}
	})
}
