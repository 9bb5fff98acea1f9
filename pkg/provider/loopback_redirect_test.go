package provider

import (
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

// RFC 8252 §7.3: for a registered loopback IP redirect URI (http, 127.0.0.1
// or [::1]) any port is allowed at request time, since a native app takes
// whatever port the OS gives it. Everything else still matches exactly.
func TestLoopbackIPRedirectAnyPort(t *testing.T) {
	reg, err := newRegistry(&config.Config{Clients: []config.Client{
		{ClientID: "cli", RedirectURIs: []string{"http://127.0.0.1/callback", "http://[::1]:8000/cb"}},
		{ClientID: "spa", RedirectURIs: []string{"http://localhost:5173/callback"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cli, _ := reg.lookup("cli")
	spa, _ := reg.lookup("spa")
	tests := []struct {
		c    *client
		uri  string
		want bool
	}{
		{cli, "http://127.0.0.1/callback", true},
		{cli, "http://127.0.0.1:53211/callback", true},
		{cli, "http://[::1]:40000/cb", true},
		{cli, "http://[::1]/cb", true},
		{cli, "http://127.0.0.1:53211/other", false},        // the path is exact
		{cli, "http://127.0.0.1:53211/callback?x=1", false}, // so is the query
		{cli, "https://127.0.0.1:53211/callback", false},    // and the scheme
		{cli, "http://localhost:53211/callback", false},     // a name is not the IP literal
		{cli, "http://127.0.0.2:53211/callback", false},
		{cli, "http://[::1]:40000/callback", false}, // the port is free, not the host/path pairing
		{spa, "http://localhost:5173/callback", true},
		{spa, "http://localhost:5174/callback", false}, // localhost stays exact (RFC 8252 §8.3)
	}
	for _, tt := range tests {
		if got := reg.redirectAllowed(tt.c, tt.uri); got != tt.want {
			t.Errorf("%s %s: allowed=%t, want %t", tt.c.ClientID, tt.uri, got, tt.want)
		}
	}
}
