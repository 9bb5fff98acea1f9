package get_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmd/token/internal/optest"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

func run(t *testing.T, b openurl.Opener, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: b, Now: time.Now, Version: "test"}
	code = cli.Run(context.Background(), f, append([]string{"token", "get"}, args...))
	return out.String(), errOut.String(), code
}

const confidential = `
clients:
  - client_id: checkout-bff
    secret: dev-secret
    redirect_uris: [http://localhost:9000/checkout/_ssokit/callback]
`

func TestGetClientCredentials(t *testing.T) {
	issuer := optest.Start(t, optest.Config(t, confidential), nil, time.Now, "")
	out, errOut, code := run(t, nil, "--issuer", issuer, "--client-id", "checkout-bff", "--client-secret", "dev-secret")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var resp struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil || resp.AccessToken == "" {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.EqualFold(resp.TokenType, "bearer") || resp.ExpiresIn <= 0 {
		t.Errorf("token_type %q expires_in %d", resp.TokenType, resp.ExpiresIn)
	}
	// The access token verifies against the same provider.
	ios, in, vout, _ := iostreams.Test()
	in.WriteString(resp.AccessToken)
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now}
	if c := cli.Run(context.Background(), f, []string{"token", "verify", "--issuer", issuer}); c != 0 {
		t.Errorf("verify: exit %d %s", c, vout)
	}

	_, errOut, code = run(t, nil, "--issuer", issuer, "--client-id", "checkout-bff", "--client-secret", "wrong")
	if code != 1 || !strings.Contains(errOut, "error: the provider refused the grant: invalid_client") {
		t.Errorf("wrong secret: exit %d %q", code, errOut)
	}
}

// followBrowser "opens" the URL by following redirects over HTTP, as a
// browser with an auto-login provider would, landing on the loopback listener.
type followBrowser struct {
	mu   sync.Mutex
	urls []string
	wg   sync.WaitGroup
}

func (b *followBrowser) Browse(u string) error {
	b.mu.Lock()
	b.urls = append(b.urls, u)
	b.mu.Unlock()
	b.wg.Go(func() {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
		}
	})
	return nil
}

func TestGetAuthorizationCodePKCE(t *testing.T) {
	issuer := optest.Start(t, nil, nil, time.Now, "alice")
	b := &followBrowser{}
	out, errOut, code := run(t, b, "--issuer", issuer, "--client-id", "cli", "--print", "id_token")
	b.wg.Wait()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(b.urls) != 1 {
		t.Fatalf("browser opened %v", b.urls)
	}
	q, _ := url.Parse(b.urls[0])
	v := q.Query()
	if v.Get("code_challenge_method") != "S256" || v.Get("code_challenge") == "" || v.Get("state") == "" || v.Get("nonce") == "" ||
		!strings.HasPrefix(v.Get("redirect_uri"), "http://127.0.0.1:") {
		t.Errorf("authorization URL %s", b.urls[0])
	}
	u, err := token.Decode(out)
	if err != nil || u.Claims["sub"] == nil || u.Claims["aud"] != "cli" || u.Claims["nonce"] != v.Get("nonce") {
		t.Errorf("id_token %v %v", err, u)
	}
}

func TestGetNoBrowserPrintsURL(t *testing.T) {
	issuer := optest.Start(t, nil, nil, time.Now, "alice")
	stub := &openurl.Stub{}
	ios, _, out, _ := iostreams.Test()
	errOut := &testutil.SyncBuffer{}
	ios.ErrOut = errOut
	f := &cmdutil.Factory{IOStreams: ios, Browser: stub, Now: time.Now}
	done := make(chan int)
	go func() {
		done <- cli.Run(context.Background(), f, []string{"token", "get", "--issuer", issuer, "--client-id", "cli", "--no-browser", "--timeout", "10s"})
	}()
	// The user copies the URL from stderr into a browser.
	var authURL string
	for i := 0; i < 200 && authURL == ""; i++ {
		time.Sleep(10 * time.Millisecond)
		for _, line := range strings.Split(errOut.String(), "\n") {
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "http") {
				authURL = l
			}
		}
	}
	if authURL == "" {
		t.Fatal("no URL printed")
	}
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := <-done; c != 0 {
		t.Fatalf("exit %d", c)
	}
	if len(stub.URLs()) != 0 {
		t.Errorf("browser opened despite --no-browser")
	}
	if !strings.Contains(out.String(), `"id_token"`) {
		t.Errorf("output %s", out)
	}
}

func TestGetErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--client-id", "x"}, 2, "--issuer and --client-id are required"},
		{[]string{"--issuer", dead, "--client-id", "x", "--grant", "client_credentials"}, 2, "client_credentials needs --client-secret"},
		{[]string{"--issuer", dead, "--client-id", "x", "--print", "foo"}, 2, "--print must be"},
		{[]string{"--issuer", dead, "--client-id", "x", "--client-secret", "s"}, 2, "error: network error: fetching " + dead + "/.well-known/openid-configuration"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d %q", tt.args, code, errOut)
		}
	}
}

// fakeOP is a provider whose /authorize answers the redirect with what the
// test asks for, and whose token endpoint hands out an ID token with nonce.
func fakeOP(t *testing.T, redirect func(q url.Values) url.Values, nonce func(q url.Values) string) string {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var lastNonce string
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":%q,"token_endpoint":%q,"jwks_uri":%q}`, srv.URL, srv.URL+"/authorize", srv.URL+"/token", srv.URL+"/jwks")
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		lastNonce = nonce(q)
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+redirect(q).Encode(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("code_verifier") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, 400)
			return
		}
		idt := tokentest.Sign(t, jose.HS256, "", map[string]any{"sub": "alice", "nonce": lastNonce}, nil)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"at","token_type":"Bearer","expires_in":300,"id_token":%q}`, idt)
	})
	return srv.URL
}

func TestGetCodeFlowRefusals(t *testing.T) {
	echoNonce := func(q url.Values) string { return q.Get("nonce") }
	tests := []struct {
		name     string
		redirect func(q url.Values) url.Values
		nonce    func(q url.Values) string
		code     int
		want     string
	}{
		{"ok", func(q url.Values) url.Values { return url.Values{"code": {"c"}, "state": {q.Get("state")}} }, echoNonce, 0, ""},
		{"state mismatch", func(q url.Values) url.Values { return url.Values{"code": {"c"}, "state": {"forged"}} }, echoNonce, 1,
			"error: the redirect's state does not match: refusing the code (possible CSRF)\n"},
		{"access denied", func(q url.Values) url.Values {
			return url.Values{"error": {"access_denied"}, "error_description": {"user said no"}, "state": {q.Get("state")}}
		}, echoNonce, 1, "error: the provider refused the sign-in: access_denied user said no\n"},
		{"no code", func(q url.Values) url.Values { return url.Values{"state": {q.Get("state")}} }, echoNonce, 1, "error: the redirect carried no code\n"},
		{"nonce mismatch", func(q url.Values) url.Values { return url.Values{"code": {"c"}, "state": {q.Get("state")}} },
			func(url.Values) string { return "replayed" }, 1, "error: the ID token's nonce \"replayed\" does not match the one sent\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issuer := fakeOP(t, tt.redirect, tt.nonce)
			b := &followBrowser{}
			out, errOut, code := run(t, b, "--issuer", issuer, "--client-id", "cli", "--timeout", "10s")
			b.wg.Wait()
			if code != tt.code || (tt.want != "" && !strings.HasSuffix(errOut, tt.want)) {
				t.Errorf("exit %d stderr %q", code, errOut)
			}
			if code == 0 && !strings.Contains(out, `"access_token": "at"`) {
				t.Errorf("out %s", out)
			}
		})
	}
}

func TestGetNoRedirectTimesOut(t *testing.T) {
	issuer := fakeOP(t, func(q url.Values) url.Values { return nil }, func(url.Values) string { return "" })
	_, errOut, code := run(t, &openurl.Stub{}, "--issuer", issuer, "--client-id", "cli", "--timeout", "50ms")
	if code != 1 || !strings.HasSuffix(errOut, "error: no redirect within 50ms\n") {
		t.Errorf("exit %d %q", code, errOut)
	}
}

// cancelBrowser stands for the user pressing Ctrl-C while the browser is open.
type cancelBrowser struct{ cancel context.CancelFunc }

func (b cancelBrowser) Browse(string) error { b.cancel(); return nil }

// Ctrl-C while waiting for the sign-in exits quietly with 130 (issue 12).
func TestGetInterruptExits130(t *testing.T) {
	issuer := fakeOP(t, func(q url.Values) url.Values { return nil }, func(url.Values) string { return "" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: cancelBrowser{cancel}, Now: time.Now}
	code := cli.Run(ctx, f, []string{"token", "get", "--issuer", issuer, "--client-id", "cli"})
	if code != 130 || strings.Contains(errOut.String(), "error") || out.Len() != 0 {
		t.Errorf("exit %d stderr %q", code, errOut)
	}
}

const registeredCLI = `
clients:
  - client_id: shell
    redirect_uris: [http://localhost:5173/callback]
`

// A provider that refuses the authorization request (here: a client it
// does not know) fails the command at once with the provider's words,
// before any browser opens, instead of after the 5-minute timeout.
func TestGetFailsFastWhenProviderRefuses(t *testing.T) {
	issuer := optest.Start(t, optest.Config(t, registeredCLI), nil, time.Now, "alice")
	stub := &openurl.Stub{}
	_, errOut, code := run(t, stub, "--issuer", issuer, "--client-id", "cli")
	if code != 1 || !strings.Contains(errOut, "error: the provider refused the sign-in") || !strings.Contains(errOut, `"cli"`) {
		t.Errorf("exit %d stderr %q", code, errOut)
	}
	if len(stub.URLs()) != 0 {
		t.Errorf("opened the browser on a refused request: %v", stub.URLs())
	}
	if strings.Contains(errOut, "<") {
		t.Errorf("raw markup in the message: %q", errOut)
	}
}

// A native client registered with http://127.0.0.1/callback signs in from
// any loopback port (RFC 8252 §7.3), and success is confirmed on stderr.
func TestGetRegisteredNativeClient(t *testing.T) {
	issuer := optest.Start(t, optest.Config(t, registeredCLI+`  - client_id: cli
    redirect_uris: [http://127.0.0.1/callback]
`), nil, time.Now, "alice")
	b := &followBrowser{}
	out, errOut, code := run(t, b, "--issuer", issuer, "--client-id", "cli", "--print", "access_token")
	b.wg.Wait()
	if code != 0 || out == "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	if !strings.Contains(errOut, "Signed in as alice") {
		t.Errorf("no confirmation on stderr: %q", errOut)
	}
}
