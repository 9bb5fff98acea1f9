package provider_test

import (
	"net"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// TestKeycloakJSZeroConfigRealms: with no config at all, the unmodified
// keycloak-js set up with only {url, realm} finds its realm on first use
// (check-sso start-up, login(), updateToken()); a second realm in the same
// browser is another issuer whose check-sso finds nobody signed in: the
// session of realm demo does not cross to realm other.
//
//	bash .ci/setup.d/15-keycloak.sh
//	CI=true go test ./pkg/provider/ -run 'KeycloakJSZeroConfigRealms' -v
func TestKeycloakJSZeroConfigRealms(t *testing.T) {
	browser := browserCtx(t, false)
	nm := testutil.NodeModules(t, "keycloak")
	ks, err := rsaKeys()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	base := "http://localhost:" + port
	ts, err := provider.NewTenants(provider.TenantsOptions{Options: provider.Options{Issuer: base + "/", Keys: ks}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ts
	srv.Start()
	t.Cleanup(func() { srv.Close(); ts.Close() })
	realm := func(name string) func() map[string]string {
		return func() map[string]string { return map[string]string{"url": base, "realm": name} }
	}
	a := newKCApp(t, "app-a", "localhost", nm, realm("demo"))
	b := newKCApp(t, "app-b", "localhost", nm, realm("other"))
	a.srv.Start()
	b.srv.Start()

	tab := newProfile(t, browser)
	do(t, tab, "open app A", chromedp.Navigate(a.origin+"/kc/"))
	if r := eval[kcReady](t, tab, `app.ready`); !r.OK || r.Authenticated {
		t.Fatalf("A's init before sign-in: %+v", r)
	}
	signInByRedirect(t, tab, &testApp{origin: a.origin}, "/kc/", "alice")
	r := eval[kcReady](t, tab, `app.ready`)
	if !r.OK || !r.Authenticated || r.Sub != "alice" {
		t.Fatalf("A after login: %+v", r)
	}
	if iss := eval[string](t, tab, `kc.tokenParsed.iss`); iss != base+"/realms/demo" {
		t.Fatalf("A's token iss %q", iss)
	}
	if up := eval[sdkResult](t, tab, `app.update()`); !up.OK || up.AccessToken == r.AccessToken {
		t.Fatalf("updateToken(-1): %+v", up)
	}

	// realm other, same browser: signed out there
	tabB := newTab(t, tab)
	do(t, tabB, "open app B", chromedp.Navigate(b.origin+"/kc/"))
	if rb := eval[kcReady](t, tabB, `app.ready`); !rb.OK || rb.Authenticated {
		t.Fatalf("realm other's check-sso with realm demo's session: %+v", rb)
	}
	var names []string
	for _, ti := range ts.List() {
		if ti.Profile != provider.ProfileKeycloak || !ti.Lazy {
			t.Errorf("tenant %+v", ti)
		}
		names = append(names, ti.Name)
	}
	if !slices.Equal(names, []string{"demo", "other"}) {
		t.Errorf("tenants %v, want demo and other", names)
	}
}
