package flow

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Test keys, generated once: RSA key generation is slow.
var (
	keyOnce           sync.Once
	fakeKey, otherKey *rsa.PrivateKey
)

// fakeOP is a small OpenID provider for runner tests, with knobs that make
// it misbehave in the ways real providers do.
type fakeOP struct {
	URL string

	// knobs
	rejectPasswords bool   // the login form comes back (wrong password)
	formOnNone      bool   // shows the login form to prompt=none
	consent         bool   // asks for consent after login
	badState        bool   // returns another state
	badNonce        bool   // ID token with another nonce
	badIss          bool   // ID token with another iss
	otherKey        bool   // signs with a key it does not publish
	sameSite        string // session cookie SameSite (default Lax)
	frameDeny       bool   // X-Frame-Options: DENY on its pages
	discoveryIssuer string // the issuer its discovery document names (default its URL)
	jwksFetches     int
	passwords       []string // the passwords the login form received
	noEndpoints     bool     // discovery names no userinfo or end_session endpoint
	userinfoStatus  int      // userinfo answers this status with userinfoBody
	userinfoBody    string
	logoutStatus    int      // the logout page's status (default 200)
	logoutConfirm   bool     // logout asks for confirmation first
	logoutIframe    string   // the front-channel iframe the logout page embeds
	authorizeJSON   bool     // /authorize answers 500 with JSON, not a page
	redirectTo      string   // sends the browser here instead of the redirect_uri
	urlRedirect     bool     // redirects to the redirect_uri as URL parsing normalises it (a bare origin gains "/")
	errorPage       string   // /authorize answers 400 with this HTML page
	secFetchUser    []string // Sec-Fetch-User of each /authorize request, by prompt

	mu       sync.Mutex
	key      *rsa.PrivateKey
	codes    map[string]url.Values // code → authorize params
	sessions map[string]string     // session id → user
}

func newFakeOP(t *testing.T, configure func(*fakeOP)) *fakeOP {
	t.Helper()
	keyOnce.Do(func() {
		fakeKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		otherKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	op := &fakeOP{key: fakeKey, codes: map[string]url.Values{}, sessions: map[string]string{}}
	if configure != nil {
		configure(op)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("/authorize", op.authorize)
	mux.HandleFunc("/login", op.login)
	mux.HandleFunc("/consent", op.consentPost)
	mux.HandleFunc("/token", op.token)
	mux.HandleFunc("/userinfo", op.userinfo)
	mux.HandleFunc("/logout", op.logout)
	mux.HandleFunc("/jwks", op.jwks)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8") // JSON handlers override it
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	op.URL = strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	return op
}

func (op *fakeOP) discovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	iss := op.URL
	if op.discoveryIssuer != "" {
		iss = op.discoveryIssuer
	}
	doc := map[string]string{
		"issuer": iss, "authorization_endpoint": op.URL + "/authorize", "token_endpoint": op.URL + "/token",
		"userinfo_endpoint": op.URL + "/userinfo", "end_session_endpoint": op.URL + "/logout", "jwks_uri": op.URL + "/jwks",
	}
	if op.noEndpoints {
		delete(doc, "userinfo_endpoint")
		delete(doc, "end_session_endpoint")
	}
	json.NewEncoder(w).Encode(doc)
}

func (op *fakeOP) user(r *http.Request) string {
	c, err := r.Cookie("op_session")
	if err != nil {
		return ""
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.sessions[c.Value]
}

func (op *fakeOP) loginForm(w http.ResponseWriter, q url.Values, msg string) {
	if op.frameDeny {
		w.Header().Set("X-Frame-Options", "DENY")
	}
	fmt.Fprintf(w, `<html><title>Sign in</title><p class="err" role="alert">%s</p>
<form method="post" action="/login"><input type="hidden" name="q" value="%s">
<input name="username"><input type="password" name="password"><button>Sign in</button></form></html>`, msg, html.EscapeString(q.Encode()))
}

func (op *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.mu.Lock()
	op.secFetchUser = append(op.secFetchUser, q.Get("prompt")+":"+r.Header.Get("Sec-Fetch-User"))
	op.mu.Unlock()
	if op.errorPage != "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, op.errorPage)
		return
	}
	if op.authorizeJSON {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"error":"server_error"}`)
		return
	}
	if op.user(r) == "" {
		if q.Get("prompt") == "none" && !op.formOnNone {
			op.redirect(w, r, q, url.Values{"error": {"login_required"}})
			return
		}
		op.loginForm(w, q, "")
		return
	}
	op.issueCode(w, r, q, op.user(r))
}

func (op *fakeOP) login(w http.ResponseWriter, r *http.Request) {
	q, _ := url.ParseQuery(r.PostFormValue("q"))
	op.mu.Lock()
	op.passwords = append(op.passwords, r.PostFormValue("password"))
	op.mu.Unlock()
	if op.rejectPasswords {
		op.loginForm(w, q, "Wrong password.")
		return
	}
	sid := fmt.Sprintf("s%d", time.Now().UnixNano())
	op.mu.Lock()
	op.sessions[sid] = r.PostFormValue("username")
	op.mu.Unlock()
	ss := "Lax"
	if op.sameSite != "" {
		ss = op.sameSite
	}
	w.Header().Add("Set-Cookie", "op_session="+sid+"; Path=/; HttpOnly; SameSite="+ss+map[bool]string{true: "; Secure"}[ss == "None"])
	if op.consent {
		fmt.Fprintf(w, `<form method="post" action="/consent"><input type="hidden" name="q" value="%s">
<button name="decision" value="deny">Deny</button><button name="decision" value="allow">Allow</button></form>`, html.EscapeString(q.Encode()))
		return
	}
	op.issueCode(w, r, q, r.PostFormValue("username"))
}

func (op *fakeOP) consentPost(w http.ResponseWriter, r *http.Request) {
	q, _ := url.ParseQuery(r.PostFormValue("q"))
	if r.PostFormValue("decision") != "allow" {
		op.redirect(w, r, q, url.Values{"error": {"access_denied"}})
		return
	}
	op.issueCode(w, r, q, op.user(r))
}

func (op *fakeOP) issueCode(w http.ResponseWriter, r *http.Request, q url.Values, user string) {
	code := fmt.Sprintf("c%d", time.Now().UnixNano())
	q.Set("user", user)
	op.mu.Lock()
	op.codes[code] = q
	op.mu.Unlock()
	op.redirect(w, r, q, url.Values{"code": {code}})
}

func (op *fakeOP) redirect(w http.ResponseWriter, r *http.Request, q, v url.Values) {
	v.Set("state", q.Get("state"))
	if op.badState {
		v.Set("state", "forged")
	}
	to := q.Get("redirect_uri")
	if op.redirectTo != "" {
		to = op.redirectTo
	}
	if op.urlRedirect {
		u, _ := url.Parse(to)
		if u.Path == "" {
			u.Path = "/"
		}
		to = u.String()
	}
	switch q.Get("response_mode") {
	case "fragment":
		http.Redirect(w, r, to+"#"+v.Encode(), http.StatusFound)
	case "form_post":
		fmt.Fprintf(w, `<html><body onload="document.forms[0].submit()"><form method="post" action="%s">`, html.EscapeString(to))
		for k := range v {
			fmt.Fprintf(w, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(v.Get(k)))
		}
		fmt.Fprint(w, `</form></body></html>`)
	default:
		http.Redirect(w, r, to+"?"+v.Encode(), http.StatusFound)
	}
}

func (op *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	q, ok := op.codes[r.PostFormValue("code")]
	delete(op.codes, r.PostFormValue("code"))
	op.mu.Unlock()
	if r.PostFormValue("grant_type") == "refresh_token" {
		q, ok = url.Values{"user": {strings.TrimPrefix(r.PostFormValue("refresh_token"), "rt-")}, "client_id": {r.PostFormValue("client_id")}}, true
	}
	if !ok {
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now().Unix()
	claims := map[string]any{"iss": op.URL, "sub": q.Get("user"), "aud": q.Get("client_id"), "iat": now, "exp": now + 3600, "nonce": q.Get("nonce"), "sid": "sid-" + q.Get("user")}
	if op.badNonce {
		claims["nonce"] = "other"
	}
	if op.badIss {
		claims["iss"] = "https://evil.example"
	}
	key := op.key
	if op.otherKey {
		key = otherKey
	}
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	payload, _ := json.Marshal(claims)
	jws, _ := signer.Sign(payload)
	idt, _ := jws.CompactSerialize()
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + q.Get("user"), "id_token": idt, "refresh_token": "rt-" + q.Get("user"), "expires_in": 3600})
}

func (op *fakeOP) userinfo(w http.ResponseWriter, r *http.Request) {
	if op.userinfoStatus != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(op.userinfoStatus)
		fmt.Fprint(w, op.userinfoBody)
		return
	}
	at := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !strings.HasPrefix(at, "at-") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(401)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"sub": strings.TrimPrefix(at, "at-")})
}

func (op *fakeOP) logout(w http.ResponseWriter, r *http.Request) {
	if op.logoutConfirm && r.Method == http.MethodGet {
		fmt.Fprintf(w, `<html><form method="post" action="/logout?%s"><button name="confirm" value="yes">Sign out</button></form></html>`, html.EscapeString(r.URL.RawQuery))
		return
	}
	if op.logoutStatus != 0 {
		w.WriteHeader(op.logoutStatus)
		fmt.Fprint(w, "<html><title>Logout failed</title>invalid post_logout_redirect_uri</html>")
		return
	}
	if c, err := r.Cookie("op_session"); err == nil {
		op.mu.Lock()
		delete(op.sessions, c.Value)
		op.mu.Unlock()
	}
	w.Header().Add("Set-Cookie", "op_session=; Path=/; Max-Age=0")
	next := r.URL.Query().Get("post_logout_redirect_uri")
	iframe := "http://localhost:5102/logout?sid=1"
	if op.logoutIframe != "" {
		iframe = op.logoutIframe
	}
	fmt.Fprintf(w, `<html><iframe src="%s"></iframe><a href="%s">Continue</a></html>`, html.EscapeString(iframe), html.EscapeString(next))
}

func (op *fakeOP) jwks(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.jwksFetches++
	op.mu.Unlock()
	json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

const fakeApps = `apps:
  shell: {origin: http://localhost:5101}
  account: {origin: http://localhost:5102, frontchannel_logout_uri: http://localhost:5102/logout}
  xsite: {origin: http://127.0.0.1:5103}
users: {alice: {password: pw}}
`

func runFake(t *testing.T, op *fakeOP, profile, flows string) *FlowResult {
	t.Helper()
	f, err := Parse("t.yaml", []byte(fakeApps+"flows:\n  - name: t\n    steps:\n"+flows))
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Issuer: op.URL}
	if profile != "" {
		r.Profiles = []string{profile}
	}
	res, err := r.Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return res.Flows[0]
}

func TestRunnerAgainstMisbehavingProviders(t *testing.T) {
	tests := []struct {
		name      string
		knobs     func(*fakeOP)
		profile   string
		steps     string
		passed    bool
		lastError string // a substring of the failing step's first failure
	}{
		{"the happy path", nil, "", `      - login: {app: shell, user: alice}
        expect: {signature: verified, claims: {sub: alice}}
      - silent: account
        expect: {same_session_as: shell}
      - refresh: account
      - userinfo: account
        expect: {claims: {sub: alice}}
      - logout: shell
        expect: {frontchannel: [account]}
      - silent: shell
        expect: {error: login_required}
`, true, ""},
		{"consent screen", func(o *fakeOP) { o.consent = true }, "", "      - login: {app: shell, user: alice}\n", true, ""},
		{"wrong password", func(o *fakeOP) { o.rejectPasswords = true }, "", "      - login: {app: shell, user: alice}\n", false,
			"the provider showed its login form again after signing in as alice: Wrong password."},
		{"a refused sign-in can be expected", func(o *fakeOP) { o.rejectPasswords = true }, "",
			"      - login: {app: shell, user: alice}\n        expect: {error: login_failed}\n      - login: {app: shell, user: alice}\n        expect: {tokens: false}\n", true, ""},
		{"login form for prompt=none", func(o *fakeOP) { o.formOnNone = true }, "", "      - silent: account\n", false,
			"the provider showed a login form to prompt=none"},
		{"login form for prompt=none, not frameable", func(o *fakeOP) { o.formOnNone, o.frameDeny = true, true }, "", "      - silent: account\n", false,
			"the browser refuses to show the provider's page /authorize?client_id=account&prompt=none&… in an iframe on http://localhost:5102: it sends X-Frame-Options: DENY"},
		{"forged state", func(o *fakeOP) { o.badState = true }, "", "      - login: {app: shell, user: alice}\n", false,
			`the authorization response's state "forged" is not the one sent`},
		{"wrong nonce", func(o *fakeOP) { o.badNonce = true }, "", "      - login: {app: shell, user: alice}\n", false,
			`the ID token's nonce "other" is not the expected`},
		{"wrong iss", func(o *fakeOP) { o.badIss = true }, "", "      - login: {app: shell, user: alice}\n", false,
			`the ID token's iss "https://evil.example" is not the expected`},
		{"unpublished key", func(o *fakeOP) { o.otherKey = true }, "", "      - login: {app: shell, user: alice}\n        expect: {signature: verified}\n", false,
			"ID token signature: signature does not verify with the RSA 2048 key \"k1\""},
		{"redirect without a session", nil, "", "      - redirect: shell\n", false, "expected tokens, got error login_required"},
		{"refresh before login", nil, "", "      - refresh: shell\n", false, "shell holds no tokens to refresh"},
		{"fault against a provider without ssokit's admin API", nil, "", "      - fault: clear\n", false, "fault steps need ssokit's provider"},
		{"cross-site Lax under chrome", nil, "chrome", "      - login: {app: shell, user: alice}\n      - silent: xsite\n", false,
			"expected tokens, got error login_required"},
		{"cross-site None under chrome", func(o *fakeOP) { o.sameSite = "None" }, "chrome", "      - login: {app: shell, user: alice}\n      - silent: xsite\n", true, ""},
		{"cross-site None under firefox", func(o *fakeOP) { o.sameSite = "None" }, "firefox", "      - login: {app: shell, user: alice}\n      - silent: xsite\n", false,
			"expected tokens, got error login_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := runFake(t, newFakeOP(t, tt.knobs), tt.profile, tt.steps)
			if fr.Passed != tt.passed {
				t.Fatalf("passed=%t, want %t: %+v", fr.Passed, tt.passed, steps(fr))
			}
			if tt.lastError == "" {
				return
			}
			for _, s := range fr.Steps {
				if s.Status == StatusFail {
					if !strings.Contains(s.Failures[0], tt.lastError) {
						t.Errorf("failure %q, want it to contain %q", s.Failures[0], tt.lastError)
					}
					return
				}
			}
		})
	}
}

func TestExplanations(t *testing.T) {
	tests := []struct {
		profile, sameSite, want string
	}{
		{"chrome", "Lax", "silent auth failed under chrome: the provider's session cookie (op_session) is SameSite=Lax and the request in an iframe on http://127.0.0.1:5103 is cross-site to http://localhost:"},
		{"chrome", "Strict", "(op_session) is SameSite=Strict and the request in an iframe on http://127.0.0.1:5103 is cross-site"},
		{"safari", "None", "silent auth failed under safari: the provider's session cookie (op_session, SameSite=None) is third-party in an iframe on http://127.0.0.1:5103 and ITP blocks it; mount the provider under the app's site or use refresh tokens"},
		{"chrome-3pc-blocked", "None", "is third-party in an iframe on http://127.0.0.1:5103 and Chrome, blocking third-party cookies, withholds it"},
		{"firefox", "None", "(op_session, SameSite=None) was set at top level, but in an iframe on http://127.0.0.1:5103 Total Cookie Protection gives the provider a separate cookie partition"},
	}
	for _, tt := range tests {
		op := newFakeOP(t, func(o *fakeOP) { o.sameSite = tt.sameSite })
		fr := runFake(t, op, tt.profile, "      - login: {app: shell, user: alice}\n      - silent: xsite\n")
		got := fr.Steps[1].Explanation
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s, SameSite=%s:\n got %q\nwant %q", tt.profile, tt.sameSite, got, tt.want)
		}
	}
	// Nobody signed in: no cookie was withheld, so no policy is blamed.
	fr := runFake(t, newFakeOP(t, nil), "safari", "      - silent: xsite\n        expect: {error: login_required}\n")
	if fr.Steps[0].Explanation != "" {
		t.Errorf("explanation without a withheld cookie: %q", fr.Steps[0].Explanation)
	}
}

func TestUnreachableIssuer(t *testing.T) {
	f, _ := Parse("t.yaml", []byte(fakeApps+"flows: [{steps: [{silent: shell}]}]"))
	_, err := (&Runner{Issuer: "http://127.0.0.1:1/"}).Run(context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), "issuer unreachable") {
		t.Fatalf("err = %v", err)
	}
	s := httptest.NewServer(http.NotFoundHandler())
	defer s.Close()
	_, err = (&Runner{Issuer: s.URL}).Run(context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), "404 Not Found, not a discovery document") {
		t.Fatalf("err = %v", err)
	}
}

// The discovery document must name the issuer asked for (OpenID Connect
// Discovery §4.3), as token.Discover checks everywhere else.
func TestDiscoveryNamingAnotherIssuer(t *testing.T) {
	op := newFakeOP(t, func(o *fakeOP) { o.discoveryIssuer = "https://evil.example" })
	f, _ := Parse("t.yaml", []byte(fakeApps+"flows: [{steps: [{silent: shell}]}]"))
	_, err := (&Runner{Issuer: op.URL}).Run(context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), `names issuer "https://evil.example"`) {
		t.Fatalf("err = %v", err)
	}
}

// signature: checks share one key set, fetched once.
func TestSignatureChecksFetchKeysOnce(t *testing.T) {
	op := newFakeOP(t, nil)
	fr := runFake(t, op, "", `      - login: {app: shell, user: alice}
        expect: {signature: verified}
      - silent: account
        expect: {signature: verified}
      - silent: shell
        expect: {signature: verified}
`)
	if !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
	if op.jwksFetches != 1 {
		t.Fatalf("JWKS fetched %d times for 3 signature checks, want 1", op.jwksFetches)
	}
}

// A bare-origin redirect_uri and the provider's answer at origin + "/" are
// the same URL to a browser (URL parsing gives http URLs the path "/"), as
// node-oidc-provider answers (issue 12).
func TestBareOriginRedirectURI(t *testing.T) {
	op := newFakeOP(t, func(o *fakeOP) { o.urlRedirect = true })
	f, err := Parse("t.yaml", []byte(`apps:
  bare: {origin: http://localhost:5102, redirect_uri: http://localhost:5102}
users: {alice: {password: pw}}
flows:
  - steps:
      - login: {app: bare, user: alice}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Issuer: op.URL}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if fr := res.Flows[0]; !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
}

// A foreign provider's HTML error page reads as its visible text in the
// step's failure, not as markup (node-oidc-provider's "oops!" page).
func TestForeignErrorPageText(t *testing.T) {
	op := newFakeOP(t, func(o *fakeOP) {
		o.errorPage = `<!DOCTYPE html><html><head><title>oops! something went wrong</title><style>h1{x:y}</style></head><body><div><h1>oops! something went wrong</h1><pre><strong>error</strong>: invalid_redirect_uri
<strong>error_description</strong>: redirect_uri did not match any of the client&#39;s registered redirect_uris</pre></div></body></html>`
	})
	fr := runFake(t, op, "", "      - login: {app: shell, user: alice}\n")
	if fr.Passed {
		t.Fatal("passed")
	}
	got := fr.Steps[0].Failures[0]
	want := "error: invalid_redirect_uri · error_description: redirect_uri did not match any of the client's registered redirect_uris"
	if !strings.Contains(got, want) || strings.Contains(got, "<") {
		t.Errorf("failure %q, want it to contain %q and no markup", got, want)
	}
}

// The sign-in the user clicks carries Sec-Fetch-User: ?1 as in Chromium;
// silent authentication (a script, in an iframe) does not.
func TestSecFetchUserOnLogin(t *testing.T) {
	op := newFakeOP(t, nil)
	fr := runFake(t, op, "", "      - login: {app: shell, user: alice}\n      - silent: account\n")
	if !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
	if got := strings.Join(op.secFetchUser, ","); got != ":?1,none:" {
		t.Errorf("Sec-Fetch-User at /authorize (prompt:value): %s, want :?1,none:", got)
	}
}

func steps(fr *FlowResult) []string {
	var out []string
	for _, s := range fr.Steps {
		out = append(out, fmt.Sprintf("%s:%s %s %v", s.Label, s.Status, s.Outcome, s.Failures))
	}
	return out
}
