package stack

import (
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/proxy"
)

// TestRoutesFromConfig: the apps of ssokit.yaml become proxy routes; an
// auth: required app gets a gate with its client's secret and registered URIs.
func TestRoutesFromConfig(t *testing.T) {
	cfg := &config.Config{
		Clients: []config.Client{{ClientID: "bff", Secret: "s3cret",
			RedirectURIs:           []string{"http://localhost:9000/other/cb", "http://localhost:9000/checkout/_ssokit/callback"},
			PostLogoutRedirectURIs: []string{"http://localhost:9000/checkout/bye"}}},
		Apps: []config.App{
			{Name: "shell", Path: "/", Upstream: "http://localhost:5101"},
			{Name: "api", Path: "/api/", Upstream: "http://localhost:8080", StripPrefix: true, KeepHost: true, Headers: map[string]string{"X-Env": "dev"}},
			{Name: "checkout", Path: "/checkout", Upstream: "http://localhost:5103", Auth: "required", ClientID: "bff"},
		},
	}
	got := RoutesFromConfig(cfg)
	if len(got) != 3 {
		t.Fatalf("got %d routes", len(got))
	}
	if r := got[1]; r.Name != "api" || r.Prefix != "/api/" || !r.StripPrefix || !r.PreserveHost || r.Headers["X-Env"] != "dev" || r.Auth != nil {
		t.Errorf("api route = %+v", r)
	}
	a := got[2].Auth
	if a == nil || a.Issuer != config.DefaultIssuer || a.ClientID != "bff" || a.ClientSecret != "s3cret" ||
		a.RedirectURL != "http://localhost:9000/checkout/_ssokit/callback" || a.PostLogoutRedirectURL != "http://localhost:9000/checkout/bye" {
		t.Errorf("checkout auth = %+v", a)
	}
	if err := proxy.ValidateRoutes(got); err != nil {
		t.Errorf("routes from a valid config do not validate: %v", err)
	}
}
