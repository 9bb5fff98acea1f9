package stack

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
)

// TestMountedProviderKeepsTheAdminAPIOffTheAppsOrigin: with provider.mount
// the provider shares the apps' origin, so any script of any app could read
// every token from /auth/_ssokit/events and install faults (issue 11). The
// admin API is served on the provider's own listener only.
func TestMountedProviderKeepsTheAdminAPIOffTheAppsOrigin(t *testing.T) {
	cfg := &config.Config{Provider: config.Provider{Mount: "/auth"},
		Apps: []config.App{{Name: "shell", Path: "/", Upstream: freeUpstream(t, "shell")}}}
	s := startStack(t, cfg, io.Discard)
	for _, path := range []string{"/auth/_ssokit/status", "/auth/_ssokit/events?replay=1", "/auth/_ssokit/faults"} {
		code, body := get(t, s.ProxyURL()+path)
		if code != http.StatusNotFound || !strings.Contains(body, "own admin listener") {
			t.Errorf("%s through the apps' origin: %d %q, want 404 naming the admin listener", path, code, body)
		}
	}
	if strings.HasPrefix(s.AdminURL(), s.ProxyURL()) {
		t.Fatalf("admin URL %s is on the apps' origin %s", s.AdminURL(), s.ProxyURL())
	}
	code, body := get(t, s.AdminURL()+"/_ssokit/status")
	if code != http.StatusOK || !strings.Contains(body, s.Issuer()) {
		t.Fatalf("admin API on its own listener: %d %s", code, body)
	}
	// that listener serves the admin API only
	if code, _ := get(t, s.AdminURL()+"/.well-known/openid-configuration"); code != http.StatusNotFound {
		t.Errorf("the admin listener served discovery: %d", code)
	}
	// the banner points inspect at the admin listener, and at the issuer for keys
	var banner strings.Builder
	s.Banner(&banner)
	if want := "ssokit inspect --follow " + s.AdminURL() + " --issuer " + s.Issuer(); !strings.Contains(banner.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, banner.String())
	}
	// the provider itself still works through the proxy
	if code, _ := get(t, s.ProxyURL()+"/auth/.well-known/openid-configuration"); code != http.StatusOK {
		t.Errorf("mounted discovery: %d", code)
	}
}

func TestStackRefusesReboundHosts(t *testing.T) {
	s, err := Start(context.Background(), Options{Config: &config.Config{AllowedHosts: []string{"team.dev.test"},
		Apps: []config.App{{Name: "shell", Path: "/", Upstream: freeUpstream(t, "shell")}}},
		ProviderAddr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Keys: testKeys(), AllowedHosts: []string{"ci-runner"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, base := range []string{s.AdminURL() + "/_ssokit/status", s.ProxyURL() + "/x"} {
		for host, want := range map[string]int{"attacker.example": 403, "team.dev.test": 200, "ci-runner": 200, "localhost": 200} {
			req, _ := http.NewRequest(http.MethodGet, base, nil)
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s with Host %s: %d, want %d", base, host, resp.StatusCode, want)
			}
		}
	}
}

// TestCloseWithAnEventSubscriber: `inspect --follow` connected made Ctrl-C
// wait out the 5 s grace (issue 12). Close must end the stream at once; the
// test's own deadline is only a guard.
func TestCloseWithAnEventSubscriber(t *testing.T) {
	s := startStack(t, &config.Config{Apps: []config.App{{Name: "shell", Path: "/", Upstream: freeUpstream(t, "shell")}}}, io.Discard)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.AdminURL()+events.Path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	// the stream ends (EOF) because the server closed it, not the client
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("stream: %v", err)
	}
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close did not return with a subscriber connected")
	}
}
