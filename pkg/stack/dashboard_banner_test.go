package stack

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

// TestBannerLinksTheDashboard: `up` names the dashboard on the provider's
// own listener (the admin listener when mounted), never on the apps' origin,
// and that URL serves it.
func TestBannerLinksTheDashboard(t *testing.T) {
	cfg := &config.Config{Provider: config.Provider{Mount: "/auth"},
		Apps: []config.App{{Name: "shell", Path: "/", Upstream: freeUpstream(t, "shell")}}}
	s := startStack(t, cfg, io.Discard)
	var banner strings.Builder
	s.Banner(&banner)
	want := "Dashboard: " + s.AdminURL() + "/_ssokit/"
	if !strings.Contains(banner.String(), want) {
		t.Fatalf("banner lacks %q:\n%s", want, banner.String())
	}
	if code, body := get(t, s.AdminURL()+"/_ssokit/"); code != http.StatusOK || !strings.Contains(body, "ssokit dashboard") {
		t.Errorf("dashboard on the admin listener: %d", code)
	}
	if code, _ := get(t, s.ProxyURL()+"/auth/_ssokit/"); code != http.StatusNotFound {
		t.Errorf("dashboard through the apps' origin: %d, want 404", code)
	}
}
