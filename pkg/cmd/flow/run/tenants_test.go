package run_test

import (
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// TestFlowAgainstTenantIssuers: `flow run --issuer` works against a tenant
// of a multi-tenant provider, a generic tenant and a Keycloak realm alike
// (discovery, login, silent, fault via the tenant's admin API, refresh,
// userinfo, logout); the root issuer is untouched.
func TestFlowAgainstTenantIssuers(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	// localhost: same-site with the apps, so silent auth sees the cookie
	root := "http://localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port) + "/"
	ts, err := provider.NewTenants(provider.TenantsOptions{Options: provider.Options{Issuer: root, Keys: testutil.Keys()}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ts
	srv.Start()
	t.Cleanup(func() { srv.Close(); ts.Close() })
	for _, iss := range []string{root + "acme/", root + "realms/demo"} {
		code, out, errOut := ssokit(t, "flow", "run", "testdata/tenant.yaml", "--issuer", iss)
		if code != 0 || !strings.Contains(out, "1 passed, 0 failed") {
			t.Fatalf("%s: exit %d\n%s\n%s", iss, code, out, errOut)
		}
	}
	if len(ts.List()) != 2 {
		t.Errorf("tenants %+v", ts.List())
	}
	if ts.Root().Keys().ActiveKID() != testutil.Keys().ActiveKID() {
		t.Error("a tenant's rotate_keys fault rotated the root's key")
	}
}
