package stack

import (
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

func TestBannerText(t *testing.T) {
	s := &Stack{
		cfg: &config.Config{
			Users: []config.User{{Username: "carol"}, {Username: "dave"}},
			Apps: []config.App{
				{Name: "shell", Path: "/", Upstream: "http://localhost:5101"},
				{Name: "checkout", Path: "/checkout", Upstream: "http://localhost:5103", Auth: "required", ClientID: "bff"},
			},
		},
		proxyURL: "http://localhost:9000",
		issuer:   "http://localhost:9400/",
		adminURL: "http://localhost:9400",
	}
	var b strings.Builder
	s.Banner(&b)
	want := "ssokit up\n\n  apps\n" +
		"    shell      http://localhost:9000/  → http://localhost:5101\n" +
		"    checkout   http://localhost:9000/checkout/  → http://localhost:5103  [auth gate: bff]\n" +
		"\n  provider   http://localhost:9400/  (discovery http://localhost:9400/.well-known/openid-configuration)\n" +
		"  users      carol, dave\n" +
		"\n  Dashboard: http://localhost:9400/_ssokit/  (sessions as sequence diagrams, tokens, actions; this machine only)\n" +
		"  Watch tokens live: ssokit inspect --follow http://localhost:9400\n  Ctrl-C stops everything.\n\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestBannerDemoMountedAndTLS(t *testing.T) {
	s := &Stack{
		cfg:      &config.Config{}, // no users: the built-in ones are listed
		demo:     true,
		proxyURL: "https://localhost:9000",
		issuer:   "https://localhost:9000/idp", // mounted under the proxy, no trailing slash
		adminURL: "https://localhost:9400",
		CA:       &LocalCA{Path: "/home/u/.config/ssokit/tls/ssokit-ca.pem"},
	}
	var b strings.Builder
	s.Banner(&b)
	got := b.String()
	names := make([]string, 0, 2)
	for _, u := range config.DefaultUsers() {
		names = append(names, u.Username)
	}
	for _, want := range []string{
		"ssokit up (built-in demo: no ssokit.yaml here)\n",
		"(discovery https://localhost:9000/idp/.well-known/openid-configuration)",
		"  users      " + strings.Join(names, ", ") + "\n",
		"  tls        certificates from the local CA /home/u/.config/ssokit/tls/ssokit-ca.pem\n",
		"Open https://localhost:9000/ and sign in; then open https://localhost:9000/account/",
		// mounted: the events come from the admin listener, the keys from the issuer
		"ssokit inspect --follow https://localhost:9400 --issuer https://localhost:9000/idp\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("banner lacks %q:\n%s", want, got)
		}
	}
}

func TestRoutesFromConfigEdgeCases(t *testing.T) {
	if RoutesFromConfig(nil) != nil {
		t.Error("nil config should give no routes")
	}
	cfg := &config.Config{
		Issuer: "http://localhost:9400/",
		Clients: []config.Client{
			{ClientID: "plain", Secret: "s", RedirectURIs: []string{"http://localhost:9000/elsewhere/_ssokit/callback", "::not a url"}},
			{ClientID: "root", RedirectURIs: []string{"http://localhost:9000/shop/_ssokit/callback/extra", "http://localhost:9000/shop/_ssokit/callback"},
				PostLogoutRedirectURIs: []string{"http://localhost:9000/shopping", "http://localhost:9000/shop/bye/now"}},
		},
		Apps: []config.App{
			{Name: "unregistered", Path: "/a", Auth: "required", ClientID: "ghost"},
			{Name: "plain", Path: "/p/", Auth: "required", ClientID: "plain"},
			{Name: "shop", Path: "/shop/", Auth: "required", ClientID: "root"},
			{Name: "open", Path: "/o", Auth: "none", ClientID: "plain"},
		},
	}
	got := RoutesFromConfig(cfg)
	if len(got) != 4 {
		t.Fatalf("%d routes", len(got))
	}
	// A client that is not registered still gets a gate (the proxy reports it), without a secret.
	if a := got[0].Auth; a == nil || a.Issuer != "http://localhost:9400/" || a.ClientID != "ghost" || a.ClientSecret != "" || a.RedirectURL != "" {
		t.Errorf("unregistered: %+v", a)
	}
	// No URI under the app's path: the gate derives one from the request.
	if a := got[1].Auth; a == nil || a.ClientSecret != "s" || a.RedirectURL != "" || a.PostLogoutRedirectURL != "" {
		t.Errorf("plain: %+v", a)
	}
	// The callback must match exactly; the logout URI may lie under the
	// path, but /shopping is not under /shop.
	if a := got[2].Auth; a == nil || a.RedirectURL != "http://localhost:9000/shop/_ssokit/callback" || a.PostLogoutRedirectURL != "http://localhost:9000/shop/bye/now" {
		t.Errorf("shop: %+v", a)
	}
	if got[3].Auth != nil {
		t.Errorf("auth: none got a gate: %+v", got[3].Auth)
	}
}

func TestTrimSlash(t *testing.T) {
	for in, want := range map[string]string{"/": "/", "/a/": "/a", "/a": "/a", "": ""} {
		if got := trimSlash(in); got != want {
			t.Errorf("trimSlash(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostPort(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}, "localhost:9000"},
		{&net.TCPAddr{IP: net.IPv4(127, 3, 2, 1), Port: 80}, "localhost:80"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9400}, "localhost:9400"},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 9000}, "192.168.1.5:9000"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 9000}, "0.0.0.0:9000"},
		{&net.UnixAddr{Name: "/tmp/s.sock", Net: "unix"}, "/tmp/s.sock"},
	}
	for _, tt := range tests {
		if got := hostPort(tt.addr); got != tt.want {
			t.Errorf("hostPort(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestFirstAndPorts(t *testing.T) {
	if first() != "" || first("", "") != "" || first("", "b", "c") != "b" {
		t.Error("first does not return the first non-empty value")
	}
	if got := portOf(&net.TCPAddr{IP: net.IPv6loopback, Port: 8443}); got != "8443" {
		t.Errorf("portOf = %q", got)
	}
	for _, tt := range []struct{ hostPort, scheme, want string }{
		{"localhost:9000", "http", "9000"}, {"localhost", "http", "80"}, {"localhost", "https", "443"}, {"[::1]:81", "https", "81"},
	} {
		u := mustURL(t, tt.scheme+"://"+tt.hostPort+"/")
		if got := urlPort(u); got != tt.want {
			t.Errorf("urlPort(%s) = %q, want %q", u, got, tt.want)
		}
	}
	for in, want := range map[string]string{"http://localhost:5101": "localhost:5101", "http://localhost": "localhost:80", "https://127.0.0.1": "127.0.0.1:443", "https://[::1]/x": "[::1]:443"} {
		if got := upstreamHostPort(mustURL(t, in)); got != want {
			t.Errorf("upstreamHostPort(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestAddrFix(t *testing.T) {
	tests := []struct {
		name string
		s    *Stack
		flag string
		want string
	}{
		{"from the flag", &Stack{cfg: &config.Config{Path: "/p/ssokit.yaml"}}, "127.0.0.1:1", "pass another --proxy-addr"},
		{"demo", &Stack{cfg: &config.Config{}, demo: true}, "", "pass --proxy-addr 127.0.0.1:PORT (the built-in demo has no ssokit.yaml)"},
		{"config without a file", &Stack{cfg: &config.Config{}}, "", "pass --proxy-addr 127.0.0.1:PORT (the built-in demo has no ssokit.yaml)"},
		{"config file", &Stack{cfg: &config.Config{Path: "/p/ssokit.yaml"}}, "", "change proxy.addr in /p/ssokit.yaml (or pass --proxy-addr)"},
	}
	for _, tt := range tests {
		if got := tt.s.addrFix("proxy", tt.flag); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAppDir(t *testing.T) {
	cfgPath := filepath.Join("/work", "site", "ssokit.yaml")
	abs := filepath.Join("/", "elsewhere")
	tests := []struct{ configPath, cwd, want string }{
		{"", "account", "account"},            // no config file: as given
		{"ssokit.yaml", "account", "account"}, // config in the current directory
		{cfgPath, "account", filepath.Join("/work", "site", "account")},
		{cfgPath, "../other", filepath.Join("/work", "other")},
		{cfgPath, "", filepath.Join("/work", "site")},
		{cfgPath, abs, abs},
	}
	for _, tt := range tests {
		if got := appDir(tt.configPath, tt.cwd); got != tt.want {
			t.Errorf("appDir(%q, %q) = %q, want %q", tt.configPath, tt.cwd, got, tt.want)
		}
	}
	if cwdOrDot("") != "." || cwdOrDot("web") != "web" {
		t.Error("cwdOrDot")
	}
}

func TestReloadSummaryPlurals(t *testing.T) {
	cfg := &config.Config{
		Users:   []config.User{{Username: "a"}, {Username: "b"}, {Username: "c"}},
		Clients: []config.Client{{ClientID: "x"}, {ClientID: "y"}},
	}
	if got, want := reloadSummary(cfg), "3 users, 2 clients, 0 apps"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
