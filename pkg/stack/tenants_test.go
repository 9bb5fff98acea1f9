package stack

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

// TestUpServesTenants: `up` serves every tenant on the provider's
// listener, lists them in the banner, and a reload adds one.
func TestUpServesTenants(t *testing.T) {
	cfg := &config.Config{
		Apps:    []config.App{{Name: "shell", Path: "/", Upstream: freeUpstream(t, "shell")}},
		Tenants: []config.Tenant{{Name: "acme"}, {Name: "demo", Profile: config.ProfileKeycloak}},
	}
	s := startStack(t, cfg, io.Discard)
	base := strings.TrimSuffix(s.Issuer(), "/")
	for path, iss := range map[string]string{
		"/acme/.well-known/openid-configuration":        base + "/acme/",
		"/realms/demo/.well-known/openid-configuration": base + "/realms/demo",
	} {
		if code, body := get(t, base+path); code != http.StatusOK || !strings.Contains(body, `"issuer": "`+iss+`"`) {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	var banner strings.Builder
	s.Banner(&banner)
	for _, want := range []string{"  tenants    acme       " + base + "/acme/  (generic)", "             demo       " + base + "/realms/demo  (keycloak)"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner.String())
		}
	}
	next := *cfg
	next.Tenants = append(append([]config.Tenant{}, cfg.Tenants...), config.Tenant{Name: "beta", Profile: config.ProfileAuth0})
	if err := s.Reload(&next); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, base+"/beta/.well-known/openid-configuration"); code != http.StatusOK {
		t.Errorf("beta after reload: %d", code)
	}
}

// TestMountedTenantsKeepTheAdminAPIOffTheAppsOrigin: with provider.mount a
// tenant is served under the proxy too (<mount>/{name}/…), and its admin
// API, like the root's, only on the provider's own listener.
func TestMountedTenantsKeepTheAdminAPIOffTheAppsOrigin(t *testing.T) {
	cfg := &config.Config{Provider: config.Provider{Mount: "/auth"},
		Apps:    []config.App{{Name: "shell", Path: "/", Upstream: freeUpstream(t, "shell")}},
		Tenants: []config.Tenant{{Name: "acme"}}}
	s := startStack(t, cfg, io.Discard)
	if code, body := get(t, s.ProxyURL()+"/auth/acme/.well-known/openid-configuration"); code != http.StatusOK || !strings.Contains(body, `"issuer": "`+s.ProxyURL()+`/auth/acme/"`) {
		t.Errorf("mounted tenant discovery: %d %s", code, body)
	}
	if code, body := get(t, s.ProxyURL()+"/auth/acme/_ssokit/status"); code != http.StatusNotFound || !strings.Contains(body, "own admin listener") {
		t.Errorf("tenant admin API on the apps' origin: %d %s", code, body)
	}
	if code, body := get(t, s.AdminURL()+"/acme/_ssokit/status"); code != http.StatusOK || !strings.Contains(body, `"tenant":"acme"`) {
		t.Errorf("tenant admin API on the admin listener: %d %s", code, body)
	}
}
