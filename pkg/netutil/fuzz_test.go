package netutil

import (
	"net"
	"strings"
	"testing"
)

// FuzzHostPolicy feeds arbitrary Host headers (they come from the network):
// no panic, and an allowed Host is always a loopback name, an IP address or
// a configured name.
func FuzzHostPolicy(f *testing.F) {
	for _, s := range []string{"localhost:9400", "attacker.example:9400", "[::1]:1", "[::1", "a.dev.test", "localhost.attacker.example", "127.0.0.1.nip.io", "", ":", "[]"} {
		f.Add(s)
	}
	p := NewHostPolicy("auth.example.test", ".dev.test")
	f.Fuzz(func(t *testing.T, host string) {
		if !p.Allows(host) || host == "" {
			return
		}
		h := Hostname(host)
		if !IsLoopbackHost(h) && net.ParseIP(h) == nil && h != "auth.example.test" && h != "dev.test" && !strings.HasSuffix(h, ".dev.test") {
			t.Fatalf("Host %q (%q) allowed", host, h)
		}
	})
}
