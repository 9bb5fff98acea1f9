package provider

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// testKeys is the suite-wide shared RSA key set.
var testKeys = testutil.Keys

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testOP struct {
	*Provider
	srv    *httptest.Server
	issuer string
	clock  *fakeClock
}

// newTestOP starts a provider on a loopback httptest server whose issuer
// is the server's URL with a trailing slash.
func newTestOP(t testing.TB, cfg *config.Config, mod ...func(*Options)) *testOP {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	clock := &fakeClock{t: time.Now()}
	o := Options{Issuer: issuer, Config: cfg, Keys: testKeys(), Now: clock.Now}
	for _, m := range mod {
		m(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(func() { srv.Close(); p.Close() })
	return &testOP{Provider: p, srv: srv, issuer: issuer, clock: clock}
}

// browser is a cookie-keeping HTTP client that stops at the app's redirect
// URI, the way a real browser hands the code to the app.
type browser struct {
	*http.Client
	t testing.TB
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t}
	b.Client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return b
}

// page is a fetched response with its body.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) get(rawURL string) page {
	b.t.Helper()
	resp, err := b.Get(rawURL)
	if err != nil {
		b.t.Fatal(err)
	}
	return readPage(b.t, resp)
}

func (b *browser) postForm(rawURL string, v url.Values) page {
	b.t.Helper()
	resp, err := b.PostForm(rawURL, v)
	if err != nil {
		b.t.Fatal(err)
	}
	return readPage(b.t, resp)
}

func readPage(t testing.TB, resp *http.Response) page {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

var (
	formRE   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" id="login">(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// loginForm extracts the login form's action and hidden fields.
func loginForm(t testing.TB, p page) (string, url.Values) {
	t.Helper()
	m := formRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no login form in page (status %d):\n%s", p.status, p.body)
	}
	v := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
		v.Set(h[1], html.UnescapeString(h[2]))
	}
	return html.UnescapeString(m[1]), v
}

// signIn completes a login form shown at p as user.
func (b *browser) signIn(p page, user, password string) page {
	b.t.Helper()
	action, v := loginForm(b.t, p)
	v.Set("username", user)
	v.Set("password", password)
	return b.postForm(action, v)
}

type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	return pkce{verifier: v, challenge: oidc.PKCEChallengeS256(v)}
}

// authURL builds an authorization URL with PKCE for a public client.
func (op *testOP) authURL(clientID, redirect string, pk pkce, extra url.Values) string {
	v := url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid profile email offline_access"}, "state": {"st-" + clientID}, "nonce": {"n-" + clientID},
		"code_challenge": {pk.challenge}, "code_challenge_method": {"S256"},
	}
	for k, vs := range extra {
		v[k] = vs
	}
	for k, vs := range v {
		if len(vs) == 1 && vs[0] == "" {
			delete(v, k)
		}
	}
	return op.issuer + "authorize?" + v.Encode()
}

// callbackParams parses the query of a redirect to the app.
func callbackParams(t testing.TB, p page, redirect string) url.Values {
	t.Helper()
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, redirect) {
		t.Fatalf("want a redirect to %s, got %d %q\n%s", redirect, p.status, p.location, p.body)
	}
	u, err := url.Parse(p.location)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// exchange redeems a code as a public client.
func (op *testOP) exchange(t testing.TB, clientID, redirect, code, verifier string) (int, map[string]any) {
	t.Helper()
	return op.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"redirect_uri": {redirect}, "code": {code}, "code_verifier": {verifier}}, nil)
}

func (op *testOP) tokenCall(t testing.TB, v url.Values, mod func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, op.issuer+"oauth/token", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := decodeJSON(resp.Body, &m); err != nil {
		t.Fatalf("token response is not JSON: %v", err)
	}
	return resp.StatusCode, m
}

func decodeJSON(r io.Reader, v any) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return errors.New("empty body")
	}
	return json.Unmarshal(b, v)
}
