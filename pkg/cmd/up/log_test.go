package up_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmd/up"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/stack"
	"github.com/ssokit/ssokit/templates"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)" id="login">`)
)

// runUpAndSignIn runs `up` with args, fetches discovery and JWKS, signs
// alice in and returns what up wrote on stderr.
func runUpAndSignIn(t *testing.T, args ...string) string {
	t.Helper()
	return runUp(t, func(s *stack.Stack) { signIn(t, s.Issuer()) }, args...)
}

// runUp runs `up` (one user, one client, no apps) with args, calls during
// once it is up, stops it and returns what it wrote on stderr.
func runUp(t *testing.T, during func(*stack.Stack), args ...string) string {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	errOut := &lockedBuffer{}
	ios.ErrOut = errOut
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, Demo: templates.Demo()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan *stack.Stack, 1)
	cmd := up.NewCmdUp(f, func(ctx context.Context, o *up.Options) error {
		o.Started = func(s *stack.Stack) { started <- s }
		return up.Run(ctx, f, o)
	})
	cfg := filepath.Join(t.TempDir(), "ssokit.yaml")
	yaml := "provider:\n  ephemeral_keys: true\nusers:\n  - username: alice\nclients:\n  - client_id: web\n    redirect_uris: [http://localhost:5999/cb]\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.SetArgs(append([]string{"-c", cfg, "--no-apps", "--provider-addr", "127.0.0.1:0", "--proxy-addr", "127.0.0.1:0"}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var s *stack.Stack
	select {
	case s = <-started:
	case err := <-done:
		t.Fatalf("up stopped: %v\n%s", err, errOut)
	case <-time.After(30 * time.Second):
		t.Fatalf("up did not start:\n%s", errOut)
	}
	during(s)
	cancel()
	<-done
	return errOut.String()
}

func signIn(t *testing.T, issuer string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) string {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	issuer = strings.TrimSuffix(issuer, "/")
	get(issuer + "/.well-known/openid-configuration")
	get(issuer + "/.well-known/jwks.json")
	sum := sha256.Sum256([]byte("verifier-verifier-verifier-verifier-verifier-0123"))
	q := url.Values{"client_id": {"web"}, "redirect_uri": {"http://localhost:5999/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "nonce": {"n"}, "code_challenge_method": {"S256"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
	page := get(issuer + "/authorize?" + q.Encode())
	m := actionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no login form:\n%s", page)
	}
	form := url.Values{"username": {"alice"}}
	for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	action := html.UnescapeString(m[1])
	if !strings.HasPrefix(action, "http") {
		u, _ := url.Parse(issuer + "/")
		r, _ := u.Parse(action)
		action = r.String()
	}
	resp, err := c.PostForm(action, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "code=") {
		t.Fatalf("sign-in answered %d, Location %q; want a code", resp.StatusCode, loc)
	}
}

var logLineRE = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} provider `)

// Issue 12: up's log is one format, and quiet: the provider's discovery
// and JWKS hits are left out, a sign-in is logged in the proxy's compact
// style, not as slog key=value text.
func TestUpLogIsCompactAndQuiet(t *testing.T) {
	out := runUpAndSignIn(t)
	var provider []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "level=") || strings.Contains(l, "msg=") {
			t.Errorf("slog text line in up's log: %q", l)
		}
		if logLineRE.MatchString(l) {
			provider = append(provider, l)
		}
	}
	all := strings.Join(provider, "\n")
	for _, quiet := range []string{"discovery", "jwks"} {
		if strings.Contains(all, quiet) {
			t.Errorf("%s hit logged by default:\n%s", quiet, all)
		}
	}
	if !regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{3} provider +POST login 30\d code client=web \S+$`).MatchString(all) {
		t.Errorf("no compact sign-in line in up's log:\n%s", out)
	}
}

// --verbose brings the discovery and JWKS hits back, in the same format;
// --log-format json stays JSON for machines.
func TestUpLogVerboseAndJSON(t *testing.T) {
	out := runUpAndSignIn(t, "--verbose")
	for _, want := range []string{" GET  discovery 200 ", " GET  jwks 200 "} {
		if !strings.Contains(out, want) {
			t.Errorf("--verbose: no %q line:\n%s", want, out)
		}
	}
	out = runUpAndSignIn(t, "--log-format", "json")
	if !strings.Contains(out, `"endpoint":"discovery"`) || !strings.Contains(out, `"endpoint":"login"`) {
		t.Errorf("--log-format json does not log every request as JSON:\n%s", out)
	}
}

// Issue 10 §5: up warns like provider and proxy (one warning, in cmdutil)
// when a listener is reachable from other machines.
func TestUpWarnsWhenTheProxyIsNotLoopback(t *testing.T) {
	out := runUp(t, func(*stack.Stack) {}, "--proxy-addr", "0.0.0.0:0")
	if !strings.Contains(out, "WARNING: the proxy listens on ") {
		t.Errorf("no warning for a proxy on all interfaces:\n%s", out)
	}
	if strings.Contains(out, "WARNING: the provider") {
		t.Errorf("warning for a loopback provider:\n%s", out)
	}
}
