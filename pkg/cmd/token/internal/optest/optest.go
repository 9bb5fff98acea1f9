// Package optest starts ssokit's real OpenID provider on a loopback
// httptest server for the token commands' end-to-end tests.
package optest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/provider"
)

// Start runs a provider whose issuer is the server URL with a trailing
// slash, signing with ks (ephemeral keys when nil).
func Start(t testing.TB, cfg *config.Config, ks *keys.Set, now func() time.Time, autoLogin string) (issuer string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer = "http://" + srv.Listener.Addr().String() + "/"
	p, err := provider.New(provider.Options{Issuer: issuer, Config: cfg, Keys: ks, Now: now, AutoLogin: autoLogin})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(func() { srv.Close(); p.Close() })
	return issuer
}

// Config parses a ssokit.yaml for a test.
func Config(t testing.TB, yaml string) *config.Config {
	t.Helper()
	c, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// StartTenants runs a multi-tenant provider (provider.Tenants) and returns
// the root issuer: with no clients or tenants configured, any
// <root>{name}/ and <root>realms/{name} is a tenant on first use.
func StartTenants(t testing.TB, cfg *config.Config, now func() time.Time, autoLogin string) (root string, ts *provider.Tenants) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	root = "http://" + srv.Listener.Addr().String() + "/"
	ts, err := provider.NewTenants(provider.TenantsOptions{Options: provider.Options{Issuer: root, Config: cfg, Now: now, AutoLogin: autoLogin}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ts
	srv.Start()
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return root, ts
}
