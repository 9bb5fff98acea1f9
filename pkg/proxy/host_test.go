package proxy

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDNSRebindingIsRefused: a page on http://attacker.example:9000 rebound
// to 127.0.0.1 reached every app through the proxy (and a mounted
// provider). Only loopback names, IP addresses and allowed hosts pass.
func TestDNSRebindingIsRefused(t *testing.T) {
	up := echoUpstream(t, "app")
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: up.URL}}, AllowedHosts: []string{"dev.example.test"}})
	for host, want := range map[string]int{
		"attacker.example:9000": http.StatusForbidden,
		"localhost:9000":        http.StatusOK,
		"shell.localhost:9000":  http.StatusOK,
		"127.0.0.1:9000":        http.StatusOK,
		"dev.example.test:9000": http.StatusOK,
	} {
		req, _ := http.NewRequest(http.MethodGet, px.URL+"/account", nil)
		req.Host = host
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d %s, want %d", host, resp.StatusCode, body, want)
		}
		if want == http.StatusForbidden && (strings.Contains(string(body), `"upstream"`) || !strings.Contains(string(body), "--allowed-host attacker.example")) {
			t.Errorf("refusal for %s reached the app or does not say how to allow it: %s", host, body)
		}
	}
}
