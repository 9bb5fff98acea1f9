package provider

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/keys"
)

const shellCB = "http://localhost:9000/shell/callback"

// webMessageRE pulls the response object and the targetOrigin out of
// web/web_message.html as rendered.
var webMessageRE = regexp.MustCompile(`postMessage\(\{type: "authorization_response", response: (\{.*\})\}, ("(?:[^"\\]|\\.)*")\);`)

// webMessageOf decodes a web_message page the way the browser's script
// would see it: the response object and the targetOrigin string.
func webMessageOf(t *testing.T, p page) (map[string]string, string) {
	t.Helper()
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Fatalf("web_message answer: %d %s\n%s", p.status, p.header.Get("Content-Type"), p.body)
	}
	m := webMessageRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no postMessage call in the page:\n%s", p.body)
	}
	var resp map[string]string
	if err := json.Unmarshal([]byte(m[1]), &resp); err != nil {
		t.Fatalf("response object %s: %v", m[1], err)
	}
	var target string
	if err := json.Unmarshal([]byte(m[2]), &target); err != nil {
		t.Fatalf("targetOrigin %s: %v", m[2], err)
	}
	return resp, target
}

// signedInBrowser returns a browser with an SSO session for alice and the
// query-mode callback parameters of that first sign-in.
func signedInBrowser(t *testing.T, op *testOP) (*browser, url.Values) {
	t.Helper()
	b := newBrowser(t)
	q := callbackParams(t, b.signIn(b.get(op.authURL("shell", shellCB, newPKCE(), nil)), "alice", "alice-pw"), shellCB)
	return b, q
}

func TestWebMessage(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	signed, _ := signedInBrowser(t, op)
	tests := []struct {
		name      string
		b         *browser
		state     string
		wantError string
	}{
		{"success", signed, "plain-state", ""},
		{"closing script tag in state", signed, `</script><script>alert(1)</script>`, ""},
		{"quote breakout in state", signed, `"+alert(1)+"`, ""},
		{"JS line terminators and comment in state", signed, "a\u2028b\u2029c<!--d-->'e'`f`${g}", ""},
		{"no session gives login_required", newBrowser(t), `</script><script>alert(1)</script>`, "login_required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.b.get(op.authURL("shell", shellCB, newPKCE(), url.Values{
				"response_mode": {"web_message"}, "prompt": {"none"}, "state": {tc.state},
			}))
			resp, target := webMessageOf(t, p)
			if target != "http://localhost:9000" {
				t.Errorf("targetOrigin = %q, want exactly the redirect_uri's origin", target)
			}
			if strings.Contains(p.body, `"*"`) || strings.Contains(p.body, `'*'`) {
				t.Errorf("the page mentions a wildcard target:\n%s", p.body)
			}
			if resp["state"] != tc.state {
				t.Errorf("state = %q, want %q (decoded exactly)", resp["state"], tc.state)
			}
			if resp["iss"] != op.issuer {
				t.Errorf("iss = %q, want %q", resp["iss"], op.issuer)
			}
			if tc.wantError == "" {
				if resp["code"] == "" || resp["session_state"] == "" || resp["error"] != "" {
					t.Errorf("want a code and session_state, got %v", resp)
				}
			} else if resp["error"] != tc.wantError || resp["error_description"] == "" || resp["code"] != "" {
				t.Errorf("want error %s with a description and no code, got %v", tc.wantError, resp)
			}
			// the hostile state stays inside one script element, as data
			if n := strings.Count(strings.ToLower(p.body), "<script"); n != 1 {
				t.Errorf("%d script elements in the page, want 1:\n%s", n, p.body)
			}
			if strings.Contains(p.body, "alert(1)</script>") || strings.Contains(p.body, `"+alert(1)+"`) {
				t.Errorf("state reached the page unescaped:\n%s", p.body)
			}
			// frameable by the client's own origin only, for the hidden iframe
			csp := p.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors http://localhost:9000") || strings.Contains(csp, "frame-ancestors *") {
				t.Errorf("CSP = %q, want frame-ancestors of the client's origin", csp)
			}
			if xfo := p.header.Get("X-Frame-Options"); xfo != "" {
				t.Errorf("X-Frame-Options = %q would stop the hidden iframe", xfo)
			}
		})
	}
}

// TestWebMessageUnregisteredOrigin: a web_message request for an origin the
// client does not own gets an error page, never a message to that origin.
func TestWebMessageUnregisteredOrigin(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  *config.Config
		uri  string
	}{
		{"registered client, foreign origin", registeredConfig(), "https://evil.example/cb"},
		{"registered client, other local port", registeredConfig(), "http://localhost:9001/shell/callback"},
		{"zero config, non-loopback origin", nil, "https://evil.example/cb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := newTestOP(t, tc.cfg)
			b := newBrowser(t)
			if tc.cfg != nil {
				b, _ = signedInBrowser(t, op) // a session must not change the answer
			}
			p := b.get(op.authURL("shell", tc.uri, newPKCE(), url.Values{"response_mode": {"web_message"}, "prompt": {"none"}}))
			if p.status != http.StatusBadRequest || p.location != "" {
				t.Fatalf("want a 400 error page and no redirect, got %d location %q", p.status, p.location)
			}
			if strings.Contains(p.body, "postMessage") || strings.Contains(p.body, "evil.example\",") {
				t.Fatalf("the error page posts a message:\n%s", p.body)
			}
			if pageCode(p.body) != "invalid_request" {
				t.Fatalf("error page code %q, want invalid_request", pageCode(p.body))
			}
			if p.header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("error page is frameable")
			}
		})
	}
}

// TestLoginPageFraming: the login form is never frameable, and its
// form-action lets the post-login redirect reach the client (Chromium
// applies form-action to the redirects after a form submission).
func TestLoginPageFraming(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	for _, tc := range []struct {
		mode       string
		formAction string
	}{
		{"query", "form-action 'self' http://localhost:9000;"},
		{"web_message", "form-action 'self';"},
	} {
		p := newBrowser(t).get(op.authURL("shell", shellCB, newPKCE(), url.Values{"response_mode": {tc.mode}}))
		csp := p.header.Get("Content-Security-Policy")
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="login"`) {
			t.Fatalf("%s: no login form (%d)", tc.mode, p.status)
		}
		if !strings.Contains(csp, "frame-ancestors 'none'") || p.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: login page is frameable: CSP %q", tc.mode, csp)
		}
		if !strings.Contains(csp, tc.formAction) {
			t.Errorf("%s: CSP %q, want %q", tc.mode, csp, tc.formAction)
		}
	}
}

func TestSessionState(t *testing.T) {
	sum := sha256.Sum256([]byte("shell http://localhost:9000 bs-value salt1"))
	if got, want := sessionStateWithSalt("shell", "http://localhost:9000", "bs-value", "salt1"), hex.EncodeToString(sum[:])+".salt1"; got != want {
		t.Fatalf("sessionStateWithSalt = %s, want %s", got, want)
	}
	a, b := sessionState("c", "o", "s"), sessionState("c", "o", "s")
	if a == b {
		t.Fatalf("two session_state values share a salt: %s", a)
	}

	op := newTestOP(t, registeredConfig())
	br, q := signedInBrowser(t, op)
	ss := q.Get("session_state")
	_, salt, ok := strings.Cut(ss, ".")
	if !ok || salt == "" {
		t.Fatalf("session_state %q has no salt", ss)
	}
	u, _ := url.Parse(op.issuer)
	bs := ""
	for _, c := range br.Jar.Cookies(u) {
		if c.Name == BrowserStateCookie {
			bs = c.Value
		}
	}
	if bs == "" {
		t.Fatalf("no %s cookie after sign-in", BrowserStateCookie)
	}
	// what the check_session iframe computes from the cookie
	if got := sessionStateWithSalt("shell", "http://localhost:9000", bs, salt); got != ss {
		t.Fatalf("recomputed %s, response had %s", got, ss)
	}
	if sessionStateWithSalt("shell", "http://localhost:9001", bs, salt) == ss {
		t.Fatal("session_state does not depend on the origin")
	}
	// after logout the cookie is gone: the iframe's value no longer matches
	br.logout(op, "")
	for _, c := range br.Jar.Cookies(u) {
		if c.Name == BrowserStateCookie && c.Value != "" {
			t.Fatalf("%s survives logout", BrowserStateCookie)
		}
	}
	if sessionStateWithSalt("shell", "http://localhost:9000", "", salt) == ss {
		t.Fatal("an empty browser state matches the signed-in session_state")
	}

	p := newBrowser(t).get(op.issuer + "check_session")
	if p.status != http.StatusOK || !strings.Contains(p.body, "ssokit_bs") || !strings.Contains(p.body, `e.source.postMessage(hex(d) === want ? "unchanged" : "changed", e.origin)`) {
		t.Fatalf("check_session page: %d\n%s", p.status, p.body)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || p.header.Get("X-Frame-Options") != "" {
		t.Fatalf("check_session must be frameable by any RP: CSP %q XFO %q", csp, p.header.Get("X-Frame-Options"))
	}
}

// backchannelConfig registers shell with a back-channel logout URI.
func backchannelConfig(uri string) *config.Config {
	cfg := registeredConfig()
	cfg.Clients[0].BackchannelLogoutURI = uri
	cfg.Clients[0].FrontchannelLogoutURI = "http://localhost:9000/shell/fcl"
	return cfg
}

func TestLogoutToken(t *testing.T) {
	got := make(chan *http.Request, 1)
	bodies := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got <- r
		bodies <- r.PostForm.Get("logout_token")
	}))
	defer srv.Close()
	op := newTestOP(t, backchannelConfig(srv.URL+"/bcl"))
	b, _ := signedInBrowser(t, op)
	pk := newPKCE()
	q := callbackParams(t, b.get(op.authURL("shell", shellCB, pk, url.Values{"prompt": {"none"}})), shellCB)
	_, tok := op.exchange(t, "shell", shellCB, q.Get("code"), pk.verifier)
	var idc map[string]any
	parsed, _ := jwt.ParseSigned(str(tok["id_token"]), []jose.SignatureAlgorithm{jose.RS256})
	_ = parsed.UnsafeClaimsWithoutVerification(&idc)

	p := b.logout(op, "")
	if p.status != http.StatusOK || !strings.Contains(p.body, "http://localhost:9000/shell/fcl?iss=") {
		t.Fatalf("logout page: %d, want the front-channel iframe\n%s", p.status, p.body)
	}
	var req *http.Request
	select {
	case req = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no back-channel logout request")
	}
	raw := <-bodies
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("back-channel request: %s %s", req.Method, req.Header.Get("Content-Type"))
	}
	lt, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := lt.Headers[0].ExtraHeaders["typ"].(string); typ != "logout+jwt" {
		t.Errorf("typ = %q, want logout+jwt", typ)
	}
	var c map[string]any
	if err := lt.Claims(op.Keys().JWKS().Keys[0].Public().Key, &c); err != nil {
		t.Fatalf("logout token signature: %v", err)
	}
	now := op.clock.Now().Unix()
	if c["iss"] != op.issuer || c["aud"] != "shell" || c["sub"] != "alice" || c["sid"] != idc["sid"] || c["sid"] == nil {
		t.Errorf("claims %v; want iss %s, aud shell, sub alice, sid %v", c, op.issuer, idc["sid"])
	}
	if int64(c["iat"].(float64)) != now || int64(c["exp"].(float64)) <= now || str(c["jti"]) == "" {
		t.Errorf("iat/exp/jti: %v (now %d)", c, now)
	}
	if _, ok := c["nonce"]; ok {
		t.Errorf("a logout token must not carry a nonce: %v", c)
	}
	ev, _ := c["events"].(map[string]any)
	if e, ok := ev["http://schemas.openid.net/event/backchannel-logout"].(map[string]any); !ok || len(e) != 0 || len(ev) != 1 {
		t.Errorf("events = %v, want exactly the back-channel logout event with {}", c["events"])
	}
}

// TestBackchannelNeverBlocksLogout: a back-channel endpoint that hangs or
// fails never holds up the user's logout page, and its delivery gives up
// at the timeout with a logged, published outcome.
func TestBackchannelNeverBlocksLogout(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		handler    func(release <-chan struct{}) http.HandlerFunc
	}{
		{"hangs", "failed", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}
		}},
		{"answers 500", "answered 500 Internal Server Error (expected 200 or 204)", func(<-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(tc.handler(release))
			defer srv.Close()
			defer close(release)
			op := newTestOP(t, backchannelConfig(srv.URL), func(o *Options) { o.BackchannelTimeout = 200 * time.Millisecond })
			evs, cancel := op.Events().Subscribe(false)
			defer cancel()
			b, _ := signedInBrowser(t, op)
			// the logout page arrives while the endpoint is still held
			if p := b.logout(op, ""); p.status != http.StatusOK {
				t.Fatalf("logout: %d", p.status)
			}
			deadline := time.After(10 * time.Second)
			for {
				select {
				case e := <-evs:
					if e.Kind != events.KindBackchannel {
						continue
					}
					if !strings.Contains(e.Detail, tc.want) || e.ClientID != "shell" || e.SID == "" {
						t.Fatalf("back-channel outcome %+v, want %q", e, tc.want)
					}
					return
				case <-deadline:
					t.Fatal("no back-channel outcome event")
				}
			}
		})
	}
}

// admin calls the admin API over loopback HTTP.
func (op *testOP) admin(t *testing.T, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, op.issuer+"_ssokit/"+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (op *testOP) installFault(t *testing.T, fault string) {
	t.Helper()
	if st, body := op.admin(t, http.MethodPost, "faults", "application/json", fault); st != http.StatusCreated {
		t.Fatalf("install fault %s: %d %s", fault, st, body)
	}
}

// silentCall runs prompt=none for shell in b and returns the callback query.
func (op *testOP) silentCall(t *testing.T, b *browser) (url.Values, pkce) {
	t.Helper()
	pk := newPKCE()
	return callbackParams(t, b.get(op.authURL("shell", shellCB, pk, url.Values{"prompt": {"none"}})), shellCB), pk
}

func TestFaults(t *testing.T) {
	// token gets a fresh code for shell and exchanges it.
	token := func(t *testing.T, op *testOP, b *browser) (int, map[string]any) {
		q, pk := op.silentCall(t, b)
		if q.Get("code") == "" {
			t.Fatalf("silent authorization failed: %v", q)
		}
		return op.exchange(t, "shell", shellCB, q.Get("code"), pk.verifier)
	}
	claimsOf := func(t *testing.T, raw any) map[string]any {
		tok, err := jwt.ParseSigned(str(raw), []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatalf("token %v: %v", raw, err)
		}
		m := map[string]any{}
		_ = tok.UnsafeClaimsWithoutVerification(&m)
		return m
	}
	tests := []struct {
		name  string
		fault string
		check func(t *testing.T, op *testOP, b *browser)
	}{
		{"forced login_required on authorize, once", `{"endpoint":"authorize","error":"login_required","count":1}`, func(t *testing.T, op *testOP, b *browser) {
			if q, _ := op.silentCall(t, b); q.Get("error") != "login_required" || q.Get("state") != "st-shell" {
				t.Fatalf("first call: %v", q)
			}
			if q, _ := op.silentCall(t, b); q.Get("code") == "" {
				t.Fatalf("count 1 fault fired twice: %v", q)
			}
		}},
		{"forced interaction_required", `{"endpoint":"authorize","error":"interaction_required"}`, func(t *testing.T, op *testOP, b *browser) {
			if q, _ := op.silentCall(t, b); q.Get("error") != "interaction_required" {
				t.Fatalf("got %v", q)
			}
		}},
		{"forced consent_required", `{"endpoint":"authorize","error":"consent_required"}`, func(t *testing.T, op *testOP, b *browser) {
			if q, _ := op.silentCall(t, b); q.Get("error") != "consent_required" {
				t.Fatalf("got %v", q)
			}
		}},
		{"forced temporarily_unavailable on token", `{"endpoint":"token","error":"temporarily_unavailable"}`, func(t *testing.T, op *testOP, b *browser) {
			if st, m := token(t, op, b); st != http.StatusServiceUnavailable || m["error"] != "temporarily_unavailable" {
				t.Fatalf("got %d %v", st, m)
			}
		}},
		{"forced HTTP 500 on token", `{"endpoint":"token","error":"http_500"}`, func(t *testing.T, op *testOP, b *browser) {
			q, pk := op.silentCall(t, b)
			req, _ := http.NewRequest(http.MethodPost, op.issuer+"oauth/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
				"client_id": {"shell"}, "code": {q.Get("code")}, "code_verifier": {pk.verifier}, "redirect_uri": {shellCB}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", resp.StatusCode)
			}
		}},
		{"clock skew on issued tokens", `{"endpoint":"token","clock_skew":"-1h"}`, func(t *testing.T, op *testOP, b *browser) {
			st, m := token(t, op, b)
			want := op.clock.Now().Add(-time.Hour).Truncate(time.Second).Unix()
			for _, k := range []string{"id_token", "access_token"} {
				if c := claimsOf(t, m[k]); st != http.StatusOK || int64(c["iat"].(float64)) != want {
					t.Fatalf("%s iat = %v, want %d (status %d)", k, c["iat"], want, st)
				}
			}
		}},
		{"short access-token lifetime", `{"endpoint":"token","access_token_ttl":"20s"}`, func(t *testing.T, op *testOP, b *browser) {
			_, m := token(t, op, b)
			c := claimsOf(t, m["access_token"])
			if m["expires_in"] != float64(20) || c["exp"].(float64)-c["iat"].(float64) != 20 {
				t.Fatalf("expires_in %v, exp-iat %v; want 20", m["expires_in"], c["exp"].(float64)-c["iat"].(float64))
			}
		}},
		{"duration scoping", `{"endpoint":"token","error":"temporarily_unavailable","for":"10s"}`, func(t *testing.T, op *testOP, b *browser) {
			if st, _ := token(t, op, b); st != http.StatusServiceUnavailable {
				t.Fatalf("within the duration: %d", st)
			}
			op.clock.Advance(11 * time.Second)
			if st, m := token(t, op, b); st != http.StatusOK {
				t.Fatalf("after the duration: %d %v", st, m)
			}
		}},
		{"client scoping", `{"endpoint":"token","client_id":"bff","error":"http_500"}`, func(t *testing.T, op *testOP, b *browser) {
			if st, m := token(t, op, b); st != http.StatusOK {
				t.Fatalf("shell is hit by bff's fault: %d %v", st, m)
			}
			req, _ := http.NewRequest(http.MethodPost, op.issuer+"oauth/token", strings.NewReader("grant_type=client_credentials"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("bff", "s3cret")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("bff: %d, want 500", resp.StatusCode)
			}
		}},
		{"latency", `{"endpoint":"discovery","latency":"20ms"}`, func(t *testing.T, op *testOP, b *browser) {
			b.get(op.issuer + ".well-known/jwks.json")
			b.get(op.issuer + ".well-known/openid-configuration")
			var delayed []string
			for _, e := range op.Events().Recent() {
				if e.Kind == events.KindFault && strings.HasPrefix(e.Detail, "latency") {
					delayed = append(delayed, e.Endpoint+" "+e.Detail)
				}
			}
			if strings.Join(delayed, ",") != "discovery latency 20ms" {
				t.Fatalf("latency applied to %v, want discovery only", delayed)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := newTestOP(t, registeredConfig())
			b, _ := signedInBrowser(t, op)
			op.installFault(t, tc.fault)
			tc.check(t, op, b)
		})
	}

	t.Run("list and clear", func(t *testing.T) {
		op := newTestOP(t, registeredConfig())
		op.installFault(t, `{"endpoint":"token","error":"http_500","count":3}`)
		var list []map[string]any
		_, body := op.admin(t, http.MethodGet, "faults", "", "")
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list) != 1 || list[0]["remaining"] != float64(3) {
			t.Fatalf("faults: %s", body)
		}
		if st, _ := op.admin(t, http.MethodDelete, "faults", "application/json", ""); st != http.StatusNoContent {
			t.Fatalf("clear: %d", st)
		}
		if _, body := op.admin(t, http.MethodGet, "faults", "", ""); strings.TrimSpace(body) != "[]" {
			t.Fatalf("after clear: %s", body)
		}
		if st, body := op.admin(t, http.MethodPost, "faults", "application/json", `{"endpoint":"token","error":"nope"}`); st != http.StatusBadRequest {
			t.Fatalf("invalid fault accepted: %d %s", st, body)
		}
	})

	t.Run("rotate keys", func(t *testing.T) {
		ks, err := keys.Load(keys.Options{Ephemeral: true, Alg: "ES256"})
		if err != nil {
			t.Fatal(err)
		}
		op := newTestOP(t, registeredConfig(), func(o *Options) { o.Keys = ks })
		old := ks.ActiveKID()
		st, body := op.admin(t, http.MethodPost, "rotate-keys", "application/json", "")
		var r map[string]string
		_ = json.Unmarshal([]byte(body), &r)
		if st != http.StatusOK || r["kid"] == "" || r["kid"] == old || ks.ActiveKID() != r["kid"] {
			t.Fatalf("rotate: %d %s (old kid %s)", st, body, old)
		}
		jwks := ks.JWKS()
		if len(jwks.Key(old)) != 1 || len(jwks.Key(r["kid"])) != 1 {
			t.Fatalf("JWKS must publish the retired and the new key")
		}
		b, _ := signedInBrowser(t, op)
		_, m := token(t, op, b)
		tok, _ := jwt.ParseSigned(str(m["id_token"]), []jose.SignatureAlgorithm{jose.ES256})
		if tok.Headers[0].KeyID != r["kid"] {
			t.Fatalf("new tokens signed by %s, want %s", tok.Headers[0].KeyID, r["kid"])
		}
	})

	t.Run("end sessions", func(t *testing.T) {
		op := newTestOP(t, registeredConfig())
		b, _ := signedInBrowser(t, op)
		st, body := op.admin(t, http.MethodPost, "end-sessions", "application/json", "")
		if st != http.StatusOK || !strings.Contains(body, `"ended":1`) {
			t.Fatalf("end-sessions: %d %s", st, body)
		}
		if q, _ := op.silentCall(t, b); q.Get("error") != "login_required" {
			t.Fatalf("silent auth after end-sessions: %v", q)
		}
	})
}

func TestAdminGuards(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	// a non-loopback caller, served in-process: no traffic leaves the machine
	req := httptest.NewRequest(http.MethodGet, "http://localhost:9400/_ssokit/status", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	rec := httptest.NewRecorder()
	op.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("non-loopback caller: %d, want 403", rec.Code)
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		st, body := op.admin(t, http.MethodPost, "end-sessions", ct, `{}`)
		if st != http.StatusBadRequest || !strings.Contains(body, "X-Ssokit-Admin") {
			t.Errorf("POST with Content-Type %q: %d %s, want 400 naming the header", ct, st, body)
		}
	}
	st, body := op.admin(t, http.MethodPost, "faults", "text/plain", `{"endpoint":"token","error":"http_500"}`)
	if st != http.StatusBadRequest {
		t.Fatalf("text/plain fault installed: %d %s", st, body)
	}
	if _, body := op.admin(t, http.MethodGet, "faults", "", ""); strings.TrimSpace(body) != "[]" {
		t.Fatalf("a refused call installed a fault: %s", body)
	}
	// the custom header is a deliberate, non-simple request
	req2, _ := http.NewRequest(http.MethodPost, op.issuer+"_ssokit/end-sessions", nil)
	req2.Header.Set(AdminHeader, "1")
	resp, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST with %s: %d", AdminHeader, resp.StatusCode)
	}
	if st, _ := op.admin(t, http.MethodGet, "status", "", ""); st != http.StatusOK {
		t.Fatalf("GET status: %d", st)
	}
	// no CORS grant on the admin API, so pages cannot preflight their way in
	pre, _ := http.NewRequest(http.MethodOptions, op.issuer+"_ssokit/faults", nil)
	pre.Header.Set("Origin", "http://localhost:9000")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("admin API grants CORS to %s", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestEventStream reads /_ssokit/events as a client would while a user
// signs in, authenticates silently, exchanges, refreshes, replays a
// refresh token and logs out.
func TestEventStream(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, op.issuer+"_ssokit/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	got := make(chan events.Event, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e events.Event
				if json.Unmarshal([]byte(data), &e) == nil {
					got <- e
				}
			}
		}
		close(got)
	}()

	b, _ := signedInBrowser(t, op)                                         // login
	q, pk := op.silentCall(t, b)                                           // silent
	_, tok := op.exchange(t, "shell", shellCB, q.Get("code"), pk.verifier) // token
	rt := str(tok["refresh_token"])
	refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {rt}}
	if st, m := op.tokenCall(t, refresh, nil); st != http.StatusOK { // refresh
		t.Fatalf("refresh: %d %v", st, m)
	}
	if st, _ := op.tokenCall(t, refresh, nil); st != http.StatusBadRequest { // reuse
		t.Fatalf("replayed refresh token: %d", st)
	}
	b.logout(op, "") // logout

	want := map[string]bool{events.KindLogin: false, events.KindSilent: false, events.KindToken: false,
		events.KindRefresh: false, events.KindReuse: false, events.KindLogout: false}
	missing := len(want)
	for missing > 0 {
		e, ok := <-got
		if !ok {
			t.Fatalf("stream ended; still missing %v", want)
		}
		if seen, tracked := want[e.Kind]; tracked && !seen {
			if e.ClientID == "" && e.Kind != events.KindLogout || e.User != "alice" || e.Time.IsZero() {
				t.Errorf("%s event lacks who/when: %+v", e.Kind, e)
			}
			if e.Kind == events.KindToken && (e.Token == "" || e.TokenType == "") {
				t.Errorf("token event without the token: %+v", e)
			}
			want[e.Kind] = true
			missing--
		}
	}
}

// TestLogoutPageFraming: the logout page may be framed by the requesting
// client's own origins (oidc-client-ts signoutSilent loads it in a hidden
// iframe, with id_token_hint) and by nobody when no client is named; the
// confirmation asked without a hint is never framable.
func TestLogoutPageFraming(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	pk := newPKCE()
	hb := newBrowser(t)
	q := callbackParams(t, hb.signIn(hb.get(op.authURL("shell", shellCB, pk, nil)), "alice", "alice-pw"), shellCB)
	_, tok := op.exchange(t, "shell", shellCB, q.Get("code"), pk.verifier)
	for _, tc := range []struct {
		query, frameAncestors, xfo string
	}{
		{"", "frame-ancestors 'none'", "DENY"},
		{"?client_id=shell", "frame-ancestors 'none'", "DENY"},
		{"?id_token_hint=" + tok["id_token"].(string), "frame-ancestors http://localhost:9000", ""},
	} {
		b, _ := signedInBrowser(t, op)
		p := b.get(op.issuer + "logout" + tc.query)
		if p.status != http.StatusOK || !strings.HasSuffix(p.header.Get("Content-Security-Policy"), tc.frameAncestors) || p.header.Get("X-Frame-Options") != tc.xfo {
			t.Errorf("logout%s: %d CSP %q XFO %q; want %q, XFO %q", tc.query, p.status, p.header.Get("Content-Security-Policy"), p.header.Get("X-Frame-Options"), tc.frameAncestors, tc.xfo)
		}
	}
}

// TestCrossSiteIframeHint: a prompt=none request from a cross-site iframe
// that carries no cookie says why, so the developer learns about
// third-party-cookie blocking from the error itself.
func TestCrossSiteIframeHint(t *testing.T) {
	lax := newTestOP(t, registeredConfig())
	noneCfg := registeredConfig()
	noneCfg.Provider.SessionCookie.SameSite = "none"
	none := newTestOP(t, noneCfg)
	strictCfg := registeredConfig()
	strictCfg.Provider.SessionCookie.SameSite = "strict"
	strict := newTestOP(t, strictCfg)
	for _, tc := range []struct {
		op         *testOP
		site, dest string
		hint       string
	}{
		{lax, "cross-site", "iframe", "SameSite=Lax, which browsers never send to a cross-site iframe"},
		{none, "cross-site", "iframe", "the browser probably blocks third-party cookies"},
		{strict, "cross-site", "iframe", "SameSite=Strict, which browsers never send to a cross-site iframe"},
		{lax, "same-site", "iframe", ""},
		{none, "cross-site", "document", ""},
	} {
		op := tc.op
		req, _ := http.NewRequest(http.MethodGet, op.authURL("shell", shellCB, newPKCE(), url.Values{"prompt": {"none"}, "response_mode": {"web_message"}}), nil)
		req.Header.Set("Sec-Fetch-Site", tc.site)
		req.Header.Set("Sec-Fetch-Dest", tc.dest)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		p := readPage(t, resp)
		m, _ := webMessageOf(t, p)
		hinted := strings.Contains(m["error_description"], "cross-site iframe")
		if m["error"] != "login_required" || hinted != (tc.hint != "") || !strings.Contains(m["error_description"], tc.hint) {
			t.Errorf("%s %s: %v, want hint %q", tc.site, tc.dest, m, tc.hint)
		}
	}
}
