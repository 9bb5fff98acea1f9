package provider

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// TestBannerClients: zero-config accepts any client_id and says so; with
// registered clients the banner must not promise that.
func TestBannerClients(t *testing.T) {
	for _, tt := range []struct {
		name      string
		cfg       *config.Config
		want, not string
	}{
		{"zero-config", &config.Config{}, "any client_id", "registered"},
		{"config", &config.Config{Clients: []config.Client{{ClientID: "shell", RedirectURIs: []string{"http://localhost:5101/"}}}},
			"client_id shell (registered in the config)", "any client_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := provider.New(provider.Options{Issuer: "http://localhost:9400/", Config: tt.cfg, Keys: testutil.Keys()})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var b bytes.Buffer
			PrintBanner(&b, p, tt.cfg, testutil.Keys(), "")
			if !strings.Contains(b.String(), tt.want) || strings.Contains(b.String(), tt.not) {
				t.Errorf("banner:\n%s\nwant %q, not %q", b.String(), tt.want, tt.not)
			}
			// Issue 11: audience and client_credentials scopes are not
			// restricted (no API registry yet); the banner says so.
			if !strings.Contains(b.String(), "Dashboard: http://localhost:9400/_ssokit/") {
				t.Errorf("banner does not link the dashboard:\n%s", b.String())
			}
			if !strings.Contains(b.String(), "audiences  any: there is no API registry yet") {
				t.Errorf("banner does not say audiences are unrestricted:\n%s", b.String())
			}
		})
	}
}
