package provider_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// TestDNSRebindingInChromium plays issue 11's attack in a real browser:
// Chromium resolves attacker.example to 127.0.0.1 (as a rebound DNS answer
// would), so a page on http://attacker.example:PORT is, to the browser,
// same-origin with the provider on 127.0.0.1:PORT. Its script must not read
// the event stream (which carries tokens) nor install a fault.
func TestDNSRebindingInChromium(t *testing.T) {
	cfg := &config.Config{Clients: []config.Client{{ClientID: "bff", Secret: "s3cret", RedirectURIs: []string{"http://localhost:9000/bff/cb"}}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	op, err := provider.New(provider.Options{Issuer: "http://localhost:" + port + "/", Config: cfg, Keys: testutil.Keys()})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: op}}
	srv.Start()
	t.Cleanup(func() { srv.Close(); op.Close() })

	// a token is issued, so the event stream has one to leak
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("bff", "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("client_credentials: %v %v", err, resp)
	}
	resp.Body.Close()

	ctx := testutil.NewChrome(t, testutil.ChromeOptions{HostResolverRules: "MAP attacker.example 127.0.0.1"})
	do(t, ctx, "open the attacker's page", chromedp.Navigate("http://attacker.example:"+port+"/"))
	// the attacker's script, running in the origin http://attacker.example:PORT
	read := eval[string](t, ctx, `(async () => {
		const r = await fetch('/_ssokit/events?replay=1');
		if (r.status !== 200) return r.status + ' ' + await r.text();
		const rd = r.body.getReader();
		let s = '';
		while (!s.includes('"token":')) {
			const {value, done} = await rd.read();
			if (done) break;
			s += new TextDecoder().decode(value);
		}
		rd.cancel();
		return '200 ' + s;
	})()`)
	if !strings.HasPrefix(read, "403 ") || strings.Contains(read, `"token":`) {
		t.Errorf("a rebound page read the event stream: %.300s", read)
	}
	install := eval[string](t, ctx, `fetch('/_ssokit/faults', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({endpoint: 'token', error: 'http_500'})}).then(r => r.status + ' ' + r.statusText)`)
	if !strings.HasPrefix(install, "403") {
		t.Errorf("a rebound page installed a fault: %s", install)
	}
	// the same browser on the provider's real name still works
	do(t, ctx, "open the provider", chromedp.Navigate("http://localhost:"+port+"/"))
	if got := eval[string](t, ctx, `fetch('/_ssokit/status').then(r => String(r.status))`); got != "200" {
		t.Errorf("status from the provider's own origin: %s", got)
	}
}
