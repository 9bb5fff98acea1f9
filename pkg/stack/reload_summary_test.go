package stack

import (
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

// TestReloadSummary: counts read right, and a config without users counts
// the built-in alice and bob who still sign in.
func TestReloadSummary(t *testing.T) {
	one := &config.Config{
		Users:   []config.User{{Username: "carol"}},
		Clients: []config.Client{{ClientID: "shell"}},
		Apps:    []config.App{{Name: "shell"}},
	}
	if got, want := reloadSummary(one), "1 user, 1 client, 1 app"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := reloadSummary(&config.Config{}), "2 users (built-in), 0 clients, 0 apps"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
