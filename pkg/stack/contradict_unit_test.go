package stack

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

func tcpAddr(port int) net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port} }

func TestContradictionsIssuerPort(t *testing.T) {
	tests := []struct {
		name         string
		cfg          config.Config
		providerFlag string
		port         int
		want         []string // substrings of the one warning; nil for none
	}{
		{"issuer on the listening port", config.Config{Issuer: "http://localhost:9400/"}, "", 9400, nil},
		{"no issuer: derived from the address", config.Config{}, "", 9400, nil},
		{"mounted provider is not checked", config.Config{Issuer: "http://localhost:9000/idp", Provider: config.Provider{Mount: "/idp"}}, "", 9400, nil},
		{"https issuer without a port is on 443", config.Config{Issuer: "https://localhost/"}, "", 443, nil},
		{"http issuer without a port is on 80", config.Config{Issuer: "http://localhost/"}, "", 8080,
			[]string{"the provider listens on port 8080 (provider.addr), but issuer is http://localhost/, on port 80", "Set issuer: to http://localhost:8080/"}},
		{"moved by the flag", config.Config{Issuer: "http://localhost:9400/"}, "127.0.0.1:9500", 9500,
			[]string{"(--provider-addr 127.0.0.1:9500)", "on port 9400", `"Moving the stack"`}},
	}
	for _, tt := range tests {
		got := contradictions(&tt.cfg, tt.providerFlag, "", tcpAddr(tt.port), nil)
		if tt.want == nil {
			if len(got) != 0 {
				t.Errorf("%s: unexpected %q", tt.name, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("%s: %d warnings %q, want 1", tt.name, len(got), got)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(got[0], w) {
				t.Errorf("%s: %q lacks %q", tt.name, got[0], w)
			}
		}
	}
	// Without a provider listener (nothing bound) there is nothing to compare.
	if got := contradictions(&config.Config{Issuer: "http://localhost:1/"}, "", "", nil, nil); len(got) != 0 {
		t.Errorf("nil listener: %q", got)
	}
}

func TestContradictionsProxyMove(t *testing.T) {
	clients := []config.Client{
		{ClientID: "remote", RedirectURIs: []string{"https://app.example.com:9000/cb"}},
		{ClientID: "other-port", RedirectURIs: []string{"http://localhost:5173/cb"}},
		{ClientID: "shell", RedirectURIs: []string{"http://127.0.0.1:9000/cb", "http://localhost:9000/x"}},
		{ClientID: "second", RedirectURIs: []string{"http://localhost:9000/y"}},
	}
	cfg := &config.Config{Clients: clients}
	got := contradictions(cfg, "", "127.0.0.1:9100", nil, tcpAddr(9100))
	// Only the first loopback URI on the old port is named: one warning is enough to act on.
	if len(got) != 1 || !strings.Contains(got[0], "--proxy-addr 127.0.0.1:9100 moves the apps to port 9100, but client shell registers redirect_uri http://127.0.0.1:9000/cb on the configured proxy port 9000, under clients:") {
		t.Errorf("got %q", got)
	}

	// Port 0 in the flag: the port actually bound is named.
	got = contradictions(cfg, "", "127.0.0.1:0", nil, tcpAddr(41234))
	if len(got) != 1 || !strings.Contains(got[0], "moves the apps to port 41234") {
		t.Errorf("port 0: %q", got)
	}

	// The flag naming the configured port is no move.
	if got := contradictions(cfg, "", "localhost:9000", nil, tcpAddr(9000)); len(got) != 0 {
		t.Errorf("same port: %q", got)
	}
	// No flag: the config's own address is in force.
	if got := contradictions(cfg, "", "", nil, tcpAddr(9100)); len(got) != 0 {
		t.Errorf("no flag: %q", got)
	}
	// proxy.addr moves the baseline the flag is compared with.
	moved := &config.Config{Clients: clients, Proxy: config.Proxy{Addr: "127.0.0.1:9100"}}
	if got := contradictions(moved, "", "127.0.0.1:9100", nil, tcpAddr(9100)); len(got) != 0 {
		t.Errorf("flag agreeing with proxy.addr: %q", got)
	}
}

func TestContradictionsNameTheFileAndLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ssokit.yaml")
	if err := os.WriteFile(path, []byte("# x\n\nissuer:   http://localhost:9400/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Path: path, Issuer: "http://localhost:9400/",
		Clients: []config.Client{{ClientID: "c", RedirectURIs: []string{"http://localhost:9000/cb"}}}}
	got := contradictions(cfg, "", "127.0.0.1:9100", tcpAddr(9401), tcpAddr(9100))
	if len(got) != 2 {
		t.Fatalf("got %q", got)
	}
	if !strings.Contains(got[0], "issuer ("+path+":3)") {
		t.Errorf("issuer warning lacks file:line: %q", got[0])
	}
	// The file has no clients: key (they came from elsewhere): the file alone is named.
	if !strings.Contains(got[1], "under clients ("+path+")") {
		t.Errorf("clients warning: %q", got[1])
	}
}

func TestEnvContradictionsReadsEnvFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(app, env string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, app), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, app, ".env"), []byte(env), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const issuer = "http://localhost:9400/"
	write("same", "ISSUER=http://localhost:9400\n")                                    // no trailing slash, same issuer
	write("quoted", "  VITE_SSOKIT_ISSUER = 'http://localhost:9400/'  \n")             // spaces and single quotes
	write("empty", "ISSUER=\nVITE_SSOKIT_ISSUER=\"\"\n")                               // empty values are not contradictions
	write("other", "OTHER_ISSUER=http://localhost:1/\n# ISSUER=http://localhost:1/\n") // other keys and comments
	write("auth0", "VITE_AUTH0_DOMAIN=http://localhost:9401\n")                        // compared with the issuer's origin
	write("crlf", "X=1\r\nISSUER=http://localhost:9500/\r\n")
	write("big", "ISSUER=http://localhost:1/\n"+strings.Repeat("#", 64<<10)) // over 64 KiB: skipped
	cfg := &config.Config{Path: filepath.Join(dir, "ssokit.yaml")}
	for _, name := range []string{"same", "quoted", "empty", "other", "auth0", "crlf", "big", "missing"} {
		cfg.Apps = append(cfg.Apps, config.App{Name: name, Cwd: name})
	}
	cfg.Apps = append(cfg.Apps, config.App{Name: "remote"}) // no cwd: nothing to read
	got := envContradictions(cfg, issuer)
	if len(got) != 2 {
		t.Fatalf("got %d warnings, want 2 (auth0, crlf):\n%s", len(got), strings.Join(got, "\n"))
	}
	if want := filepath.Join(dir, "auth0", ".env") + ":1: VITE_AUTH0_DOMAIN is http://localhost:9401, but the provider's issuer is " + issuer + ": app auth0 signs in against the wrong provider address; set it to http://localhost:9400"; !strings.HasPrefix(got[0], want) {
		t.Errorf("got  %s\nwant %s", got[0], want)
	}
	if want := filepath.Join(dir, "crlf", ".env") + ":2: ISSUER is http://localhost:9500/,"; !strings.HasPrefix(got[1], want) {
		t.Errorf("got  %s\nwant %s", got[1], want)
	}
}
