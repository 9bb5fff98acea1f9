package config

import (
	"strings"
	"testing"
)

// Lifetimes are checked where they are written, with file:line.
func TestLifetimesChecked(t *testing.T) {
	src := `provider:
  tokens:
    access_token: -5m
    refresh_reuse_interval: 10m
clients:
  - client_id: shell
    redirect_uris: [http://localhost:9000/cb]
    tokens:
      refresh_reuse_interval: 10s
  - client_id: tab
    redirect_uris: [http://localhost:9000/cb]
    tokens:
      refresh_reuse_interval: -1s
`
	_, err := Parse("ssokit.yaml", []byte(src))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		"ssokit.yaml:3:19: provider.tokens.access_token: -5m0s is negative",
		"ssokit.yaml:4:29: provider.tokens.refresh_reuse_interval: 10m0s is longer than 5m0s",
		"ssokit.yaml:13:31: clients[1].tokens.refresh_reuse_interval: -1s is negative",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "clients[0]") {
		t.Errorf("a 10s interval was refused:\n%v", err)
	}
}
