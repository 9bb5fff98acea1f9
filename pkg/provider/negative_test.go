package provider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
)

// registeredConfig has one public SPA and one confidential BFF.
func registeredConfig() *config.Config {
	return &config.Config{
		Users: []config.User{{Username: "alice", Password: "alice-pw", Claims: map[string]any{"email": "alice@example.com"}}},
		Clients: []config.Client{
			{ClientID: "shell", RedirectURIs: []string{"http://localhost:9000/shell/callback"},
				PostLogoutRedirectURIs: []string{"http://localhost:9000/shell/"}, WebOrigins: []string{"http://localhost:9000"}},
			{ClientID: "bff", Secret: "s3cret", RedirectURIs: []string{"http://localhost:9000/bff/cb"}},
		},
	}
}

// TestNegativeMatrix: each way a request can be wrong, the answer the
// specifications require, and an error_description that names the fix.
func TestNegativeMatrix(t *testing.T) {
	const cb = "http://localhost:9000/shell/callback"
	type env struct {
		op *testOP
		b  *browser
	}
	// signedIn returns a browser with a session and a fresh code for shell.
	signedIn := func(t *testing.T, e env, pk pkce) string {
		q := callbackParams(t, e.b.signIn(e.b.get(e.op.authURL("shell", cb, pk, nil)), "alice", "alice-pw"), cb)
		return q.Get("code")
	}
	tests := []struct {
		name string
		run  func(t *testing.T, e env) (status int, errCode, desc string)
		// want
		status  int
		errCode string
		desc    string
	}{
		{
			name: "unregistered redirect_uri shows an error page and never redirects",
			run: func(t *testing.T, e env) (int, string, string) {
				p := e.b.get(e.op.authURL("shell", "http://localhost:3000/cb", newPKCE(), nil))
				if p.location != "" {
					t.Errorf("redirected to %q", p.location)
				}
				return p.status, pageCode(p.body), p.body
			},
			status: 400, errCode: "invalid_request",
			desc: "redirect_uri http://localhost:3000/cb is not registered for client shell; registered: http://localhost:9000/shell/callback",
		},
		{
			name: "unknown client shows an error page",
			run: func(t *testing.T, e env) (int, string, string) {
				p := e.b.get(e.op.authURL("nobody", cb, newPKCE(), nil))
				return p.status, pageCode(p.body), p.body
			},
			status: 400, errCode: "invalid_request", desc: `client &#34;nobody&#34; is not registered; registered clients: bff, shell`,
		},
		{
			name: "unsupported response_type goes back to the client",
			run: func(t *testing.T, e env) (int, string, string) {
				q := callbackParams(t, e.b.get(e.op.authURL("shell", cb, newPKCE(), url.Values{"response_type": {"token"}})), cb)
				return 302, q.Get("error"), q.Get("error_description")
			},
			status: 302, errCode: "unsupported_response_type", desc: "use response_type=code",
		},
		{
			name: "PKCE missing for a public client",
			run: func(t *testing.T, e env) (int, string, string) {
				q := callbackParams(t, e.b.get(e.op.authURL("shell", cb, pkce{}, nil)), cb)
				return 302, q.Get("error"), q.Get("error_description")
			},
			status: 302, errCode: "invalid_request", desc: "PKCE is required for public client shell",
		},
		{
			name: "PKCE plain refused",
			run: func(t *testing.T, e env) (int, string, string) {
				q := callbackParams(t, e.b.get(e.op.authURL("shell", cb, newPKCE(), url.Values{"code_challenge_method": {"plain"}})), cb)
				return 302, q.Get("error"), q.Get("error_description")
			},
			status: 302, errCode: "invalid_request", desc: "plain is not allowed; use S256",
		},
		{
			name: "missing code_verifier",
			run: func(t *testing.T, e env) (int, string, string) {
				code := signedIn(t, e, newPKCE())
				s, m := e.op.exchange(t, "shell", cb, code, "")
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 400, errCode: "invalid_grant", desc: "code_verifier is missing",
		},
		{
			name: "wrong code_verifier",
			run: func(t *testing.T, e env) (int, string, string) {
				code := signedIn(t, e, newPKCE())
				s, m := e.op.exchange(t, "shell", cb, code, newPKCE().verifier)
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 400, errCode: "invalid_grant", desc: "PKCE verification failed",
		},
		{
			name: "code replay revokes what the code issued",
			run: func(t *testing.T, e env) (int, string, string) {
				pk := newPKCE()
				code := signedIn(t, e, pk)
				s, first := e.op.exchange(t, "shell", cb, code, pk.verifier)
				if s != 200 {
					t.Fatalf("first exchange: %d %v", s, first)
				}
				s, m := e.op.exchange(t, "shell", cb, code, pk.verifier)
				// the refresh token from the first exchange is dead now
				rs, rm := e.op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {str(first["refresh_token"])}}, nil)
				if rs != 400 || !strings.Contains(str(rm["error_description"]), "invalid refresh token") {
					t.Errorf("refresh after replay: %d %v", rs, rm)
				}
				if ui := userinfoStatus(t, e.op, str(first["access_token"])); ui != 401 {
					t.Errorf("userinfo with the access token after replay: %d, want 401", ui)
				}
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 400, errCode: "invalid_grant", desc: "already used; the tokens issued for it are now revoked",
		},
		{
			name: "expired code",
			run: func(t *testing.T, e env) (int, string, string) {
				pk := newPKCE()
				code := signedIn(t, e, pk)
				e.op.clock.Advance(CodeTTL + time.Second)
				s, m := e.op.exchange(t, "shell", cb, code, pk.verifier)
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 400, errCode: "invalid_grant", desc: "expired",
		},
		{
			name: "refresh token reuse revokes the whole family",
			run: func(t *testing.T, e env) (int, string, string) {
				pk := newPKCE()
				_, first := e.op.exchange(t, "shell", cb, signedIn(t, e, pk), pk.verifier)
				rt1 := str(first["refresh_token"])
				refresh := func(rt string) (int, map[string]any) {
					return e.op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {rt}}, nil)
				}
				s, second := refresh(rt1)
				if s != 200 {
					t.Fatalf("first refresh: %d %v", s, second)
				}
				s, m := refresh(rt1) // reuse of the rotated token
				if s2, m2 := refresh(str(second["refresh_token"])); s2 != 400 {
					t.Errorf("the newest token of the family survived reuse detection: %d %v", s2, m2)
				}
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 400, errCode: "invalid_grant", desc: "invalid refresh token: it was already rotated",
		},
		{
			name: "wrong client secret",
			run: func(t *testing.T, e env) (int, string, string) {
				s, m := e.op.tokenCall(t, url.Values{"grant_type": {"client_credentials"}}, func(r *http.Request) { r.SetBasicAuth("bff", "wrong") })
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 401, errCode: "invalid_client", desc: "client secret for bff is wrong",
		},
		{
			name: "prompt=none without a session",
			run: func(t *testing.T, e env) (int, string, string) {
				q := callbackParams(t, e.b.get(e.op.authURL("shell", cb, newPKCE(), url.Values{"prompt": {"none"}})), cb)
				return 302, q.Get("error"), q.Get("error_description")
			},
			status: 302, errCode: "login_required", desc: "no SSO session cookie reached the provider",
		},
		{
			name: "max_age exceeded shows the form again",
			run: func(t *testing.T, e env) (int, string, string) {
				signedIn(t, e, newPKCE())
				e.op.clock.Advance(2 * time.Minute)
				p := e.b.get(e.op.authURL("shell", cb, newPKCE(), url.Values{"max_age": {"60"}}))
				loginForm(t, p) // fails the test when there is no form
				// prompt=none with the same max_age says why
				q := callbackParams(t, e.b.get(e.op.authURL("shell", cb, newPKCE(), url.Values{"max_age": {"60"}, "prompt": {"none"}})), cb)
				return p.status, q.Get("error"), q.Get("error_description")
			},
			status: 200, errCode: "login_required", desc: "max_age=60 and the user signed in 2m",
		},
		{
			name: "after logout prompt=none is login_required",
			run: func(t *testing.T, e env) (int, string, string) {
				signedIn(t, e, newPKCE())
				out := e.b.logout(e.op, "?client_id=shell&post_logout_redirect_uri="+url.QueryEscape("http://localhost:9000/shell/")+"&state=bye")
				if out.status != http.StatusSeeOther || out.location != "http://localhost:9000/shell/?state=bye" {
					t.Errorf("logout page: %d\n%s", out.status, out.body)
				}
				q := callbackParams(t, e.b.get(e.op.authURL("shell", cb, newPKCE(), url.Values{"prompt": {"none"}})), cb)
				return 302, q.Get("error"), q.Get("error_description")
			},
			status: 302, errCode: "login_required", desc: "prompt=none and",
		},
		{
			name: "login POST without CSRF token",
			run: func(t *testing.T, e env) (int, string, string) {
				action, v := loginForm(t, e.b.get(e.op.authURL("shell", cb, newPKCE(), nil)))
				v.Del("csrf")
				v.Set("username", "alice")
				v.Set("password", "alice-pw")
				p := e.b.postForm(action, v)
				return p.status, pageCode(p.body), p.body
			},
			status: 403, errCode: "access_denied", desc: "CSRF token is missing or does not match",
		},
		{
			name: "login POST with another browser's CSRF cookie",
			run: func(t *testing.T, e env) (int, string, string) {
				action, v := loginForm(t, e.b.get(e.op.authURL("shell", cb, newPKCE(), nil)))
				v.Set("username", "alice")
				v.Set("password", "alice-pw")
				p := newBrowser(t).postForm(action, v) // no cookie
				return p.status, pageCode(p.body), p.body
			},
			status: 403, errCode: "access_denied", desc: "CSRF token is missing",
		},
		{
			name: "wrong password shows the form with an error",
			run: func(t *testing.T, e env) (int, string, string) {
				p := e.b.signIn(e.b.get(e.op.authURL("shell", cb, newPKCE(), nil)), "alice", "nope")
				loginForm(t, p)
				return p.status, "", p.body
			},
			status: 401, desc: "Unknown user or wrong password.",
		},
		{
			name: "post_logout_redirect_uri not registered is not followed",
			run: func(t *testing.T, e env) (int, string, string) {
				p := e.b.get(e.op.issuer + "logout?client_id=shell&post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"))
				return p.status, pageCode(p.body), p.body
			},
			status: 400, errCode: "invalid_request", desc: "is not registered for client shell; registered: http://localhost:9000/shell/",
		},
		{
			name: "unsupported grant type",
			run: func(t *testing.T, e env) (int, string, string) {
				s, m := e.op.tokenCall(t, url.Values{"grant_type": {"password"}, "client_id": {"shell"}}, nil)
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 400, errCode: "unsupported_grant_type", desc: `grant_type "password" is not supported`,
		},
		{
			name: "client_credentials for a public client",
			run: func(t *testing.T, e env) (int, string, string) {
				s, m := e.op.tokenCall(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"shell"}}, nil)
				return s, str(m["error"]), str(m["error_description"])
			},
			status: 400, errCode: "unauthorized_client", desc: "needs a confidential client",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := env{op: newTestOP(t, registeredConfig()), b: newBrowser(t)}
			status, code, desc := tt.run(t, e)
			if status != tt.status || code != tt.errCode || !strings.Contains(desc, tt.desc) {
				t.Errorf("got %d %q %q\nwant %d %q containing %q", status, code, desc, tt.status, tt.errCode, tt.desc)
			}
		})
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// pageCode extracts the error code from an error page.
func pageCode(body string) string {
	i := strings.Index(body, `<p class="err" role="alert"><code>`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`<p class="err" role="alert"><code>`):]
	return rest[:strings.Index(rest, "<")]
}

func userinfoStatus(t *testing.T, op *testOP, at string) int {
	req, _ := http.NewRequest(http.MethodGet, op.issuer+"userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
