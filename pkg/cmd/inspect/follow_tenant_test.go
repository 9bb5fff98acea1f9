package inspect_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/provider"
)

// TestFollowTenant: `inspect --follow <tenant issuer>` reads that tenant's
// events only (named with its tenant), and its tokens verify against that
// tenant's keys, not the root's.
func TestFollowTenant(t *testing.T) {
	bff := config.Client{ClientID: "bff", Secret: "s3cret", RedirectURIs: []string{"http://localhost:9000/cb"}}
	cfg := &config.Config{Clients: []config.Client{bff}, Tenants: []config.Tenant{
		{Name: "acme", Clients: []config.Client{bff}}, {Name: "beta", Clients: []config.Client{bff}}}}
	srv := httptest.NewUnstartedServer(nil)
	root := "http://" + srv.Listener.Addr().String() + "/"
	ts, err := provider.NewTenants(provider.TenantsOptions{Options: provider.Options{Issuer: root, Config: cfg}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ts
	srv.Start()
	defer func() { srv.Close(); ts.Close() }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	acme := root + "acme/"
	evs, status := events.Follow(ctx, &http.Client{}, events.StreamURL(acme, true))
	if s := <-status; !s.Connected {
		t.Fatalf("not connected: %v", s.Err)
	}
	for _, iss := range []string{root + "beta/", acme} { // beta's first: it must not show up
		resp, err := http.PostForm(iss+"oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"bff"}, "client_secret": {"s3cret"}})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s token endpoint: %v %v", iss, err, resp.Status)
		}
		resp.Body.Close()
	}
	var ev events.Event
	for ev.Token == "" {
		select {
		case ev = <-evs:
			if ev.Tenant != "acme" {
				t.Fatalf("acme's stream carried %+v", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no token event")
		}
	}
	if res, err := verifier(t, acme).Verify(ctx, ev.Token, false); err != nil || !res.Valid {
		t.Fatalf("verify at acme: %v %+v", err, res)
	}
	if res, err := verifier(t, root).Verify(ctx, ev.Token, false); err == nil && res.Valid {
		t.Fatalf("acme's token verified with the root's keys: %+v", res)
	}
}
