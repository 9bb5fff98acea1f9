package provider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/events"
)

// TestFedCMLoginPopup: the config's login_url (what Chromium opens as a
// pop-up when the user is not signed in at the provider) shows the login
// form with no authorization request behind it; signing in sets the
// session and Set-Login: logged-in and ends on a page that calls
// IdentityProvider.close() under the page's CSP nonce, redirecting nowhere
// whatever the query says; opened again with the session it closes at
// once, without a second session.
func TestFedCMLoginPopup(t *testing.T) {
	op := newTestOP(t, fedcmConfig())
	b := newBrowser(t)
	form := b.get(op.issuer + "fedcm/login?redirect_uri=" + url.QueryEscape("http://evil.example/") + "&client_id=shell")
	if form.status != http.StatusOK || !strings.Contains(form.body, `id="fedcm-login"`) || strings.Contains(form.body, "evil.example") {
		t.Fatalf("login_url: %d\n%s", form.status, form.body)
	}
	if csp := form.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self';") {
		t.Fatalf("login_url CSP %q, want frame-ancestors 'none' and form-action 'self' only", csp)
	}
	n := len(op.Events().Recent())
	bad := b.signIn(form, "alice", "wrong")
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, `id="fedcm-login"`) {
		t.Fatalf("wrong password: %d\n%s", bad.status, bad.body)
	}
	done := b.signIn(bad, "alice", "alice-pw")
	if done.status != http.StatusOK || done.location != "" || done.header.Get("Set-Login") != "logged-in" {
		t.Fatalf("sign-in in the pop-up: %d location %q Set-Login %q\n%s", done.status, done.location, done.header.Get("Set-Login"), done.body)
	}
	csp := done.header.Get("Content-Security-Policy")
	nonce := strings.TrimSuffix(strings.SplitN(strings.SplitN(csp, "'nonce-", 2)[1], "'", 2)[0], "'")
	if !strings.Contains(done.body, `<script nonce="`+nonce+`">`) || !strings.Contains(done.body, "window.IdentityProvider.close()") ||
		!strings.Contains(done.body, "signed in to the provider as <strong>alice</strong>") || !strings.Contains(csp, "form-action 'none'") {
		t.Fatalf("done page (CSP %q):\n%s", csp, done.body)
	}
	lines, evs := eventsSince(op, n)
	if len(lines) != 2 || lines[0] != "login_failed   alice" || lines[1] != "login   alice" || evs[1].Detail != "password, in the FedCM login pop-up" {
		t.Fatalf("events %q %+v", lines, evs)
	}
	if evs[1].SID == "" {
		t.Fatalf("the pop-up's login event has no sid: %+v", evs[1])
	}

	// the session is the provider's SSO session: FedCM's accounts list has it
	if p, m := b.fedcmCall(http.MethodGet, op.issuer+"fedcm/accounts", "", nil, true); p.status != http.StatusOK || len(m["accounts"].([]any)) != 1 {
		t.Fatalf("accounts after the pop-up sign-in: %d %s", p.status, p.body)
	}
	again := b.get(op.issuer + "fedcm/login")
	if again.status != http.StatusOK || !strings.Contains(again.body, "IdentityProvider.close()") || again.header.Get("Set-Login") != "logged-in" ||
		again.header.Get("Set-Cookie") != "" {
		t.Fatalf("login_url with a session: %d Set-Cookie %q\n%s", again.status, again.header.Get("Set-Cookie"), again.body)
	}
	if lines, _ := eventsSince(op, n+2); len(lines) != 0 {
		t.Fatalf("login_url with a session published %q", lines)
	}

	// the pop-up's interaction cannot be replayed, and a FedCM interaction
	// is never one an authorization request made (its form issues no code)
	if replay := b.signIn(form, "alice", "alice-pw"); replay.status != http.StatusBadRequest || replay.location != "" {
		t.Fatalf("replayed pop-up form: %d %q", replay.status, replay.location)
	}
	if p := b.postForm(op.issuer+"fedcm/login", url.Values{}); p.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST login_url: %d", p.status)
	}
}

// TestFedCMLoginPopupAutoLogin: with --auto-login the pop-up signs the
// user in at once, as /authorize does, and closes.
func TestFedCMLoginPopupAutoLogin(t *testing.T) {
	op := newTestOP(t, fedcmConfig(), func(o *Options) { o.AutoLogin = "alice" })
	b := newBrowser(t)
	p := b.get(op.issuer + "fedcm/login")
	if p.status != http.StatusOK || p.header.Get("Set-Login") != "logged-in" || !strings.Contains(p.body, "IdentityProvider.close()") {
		t.Fatalf("auto-login pop-up: %d %q\n%s", p.status, p.header.Get("Set-Login"), p.body)
	}
	if lines, evs := eventsSince(op, 0); len(lines) == 0 || evs[len(evs)-1].Kind != events.KindLogin || evs[len(evs)-1].Detail != "auto-login, in the FedCM login pop-up" {
		t.Fatalf("events %q", lines)
	}
}

// TestFedCMLoginPopupProfiles: the config's login_url works in every
// profile, whose login form posts to its own path (Keycloak's
// /login-actions/authenticate). (The login_url was /login before: the
// form's POST-only target, which answered Chromium's pop-up with a 405.)
func TestFedCMLoginPopupProfiles(t *testing.T) {
	kc, _ := newKeycloakOP(t, fedcmConfig())
	for name, op := range map[string]*testOP{"generic": newTestOP(t, fedcmConfig()), "keycloak": kc, "entra": newEntraOP(t)} {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			_, wk := b.fedcmCall(http.MethodGet, op.url(PathWebIdentity), "", nil, true)
			urls, _ := wk["provider_urls"].([]any)
			if len(urls) != 1 {
				t.Fatalf("%s: %v", op.url(PathWebIdentity), wk)
			}
			_, cfg := b.fedcmCall(http.MethodGet, urls[0].(string), "", nil, true)
			loginURL, _ := cfg["login_url"].(string)
			if loginURL != op.url(PathFedCMLogin) {
				t.Fatalf("login_url %q, want %s", loginURL, op.url(PathFedCMLogin))
			}
			password := "alice-pw"
			if name == "entra" {
				password = ""
			}
			done := b.signIn(b.get(loginURL), "alice", password)
			if done.status != http.StatusOK || done.header.Get("Set-Login") != "logged-in" || !strings.Contains(done.body, "IdentityProvider.close()") {
				t.Fatalf("sign-in at %s: %d %q\n%s", loginURL, done.status, done.header.Get("Set-Login"), done.body)
			}
		})
	}
}
