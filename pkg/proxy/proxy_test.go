package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/internal/golden"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// echo is what the test upstream reports about the request it received.
type echo struct {
	Upstream string      `json:"upstream"`
	Method   string      `json:"method"`
	Path     string      `json:"path"`
	RawPath  string      `json:"raw_path"`
	Query    string      `json:"query"`
	Host     string      `json:"host"`
	Header   http.Header `json:"header"`
	Body     string      `json:"body"`
}

// echoUpstream starts an upstream that answers every request with its echo.
func echoUpstream(t testing.TB, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echo{
			Upstream: name, Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath,
			Query: r.URL.RawQuery, Host: r.Host, Header: r.Header, Body: string(body),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// startProxy serves a proxy with routes and returns its URL.
func startProxy(t testing.TB, opts Options) (*Proxy, *httptest.Server) {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

// noRedirect is an HTTP client that reports redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

func getEcho(t testing.TB, url string, header ...string) echo {
	t.Helper()
	resp, body := get(t, url, header...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", url, resp.StatusCode, body)
	}
	var e echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("GET %s: not an echo: %v: %s", url, err, body)
	}
	return e
}

func TestRoutingTable(t *testing.T) {
	shell := echoUpstream(t, "shell")
	account := echoUpstream(t, "account")
	settings := echoUpstream(t, "settings")
	api := echoUpstream(t, "api")
	_, px := startProxy(t, Options{Routes: []Route{
		{Prefix: "/", Upstream: shell.URL},
		{Prefix: "/account", Upstream: account.URL},
		{Prefix: "/account/settings/", Upstream: settings.URL},
		{Name: "api", Prefix: "/api", Upstream: api.URL + "/v2", StripPrefix: true},
	}})

	tests := []struct {
		path         string
		wantUpstream string
		wantPath     string
	}{
		{"/", "shell", "/"},
		{"/index.html", "shell", "/index.html"},
		{"/accounts", "shell", "/accounts"}, // segment boundary: not /account
		{"/account", "account", "/account"},
		{"/account/", "account", "/account/"},
		{"/account/profile", "account", "/account/profile"},
		{"/account/settings", "settings", "/account/settings"},
		{"/account/settings/theme", "settings", "/account/settings/theme"},
		{"/account/settingsx", "account", "/account/settingsx"},
		{"/api", "api", "/v2/"},
		{"/api/users/1", "api", "/v2/users/1"},
		{"/apis", "shell", "/apis"},
		{"/@vite/client", "shell", "/@vite/client"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			e := getEcho(t, px.URL+tt.path+"?q=1")
			if e.Upstream != tt.wantUpstream || e.Path != tt.wantPath {
				t.Errorf("GET %s reached %s %s, want %s %s", tt.path, e.Upstream, e.Path, tt.wantUpstream, tt.wantPath)
			}
			if e.Query != "q=1" {
				t.Errorf("query = %q, want q=1", e.Query)
			}
		})
	}
}

func TestStripPrefixKeepsEscapes(t *testing.T) {
	up := echoUpstream(t, "files")
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/files", Upstream: up.URL, StripPrefix: true}}})
	e := getEcho(t, px.URL+"/files/a%2Fb/c%20d")
	if e.Path != "/a/b/c d" || e.RawPath != "/a%2Fb/c%20d" {
		t.Errorf("path %q raw %q, want /a/b/c d and /a%%2Fb/c%%20d", e.Path, e.RawPath)
	}
	if got := e.Header.Get("X-Forwarded-Prefix"); got != "/files" {
		t.Errorf("X-Forwarded-Prefix = %q, want /files", got)
	}
}

func TestNonCanonicalPathRedirects(t *testing.T) {
	public := echoUpstream(t, "public")
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/public", Upstream: public.URL}}})
	for path, want := range map[string]string{
		"/public/../admin":      "/admin",
		"/public/%2e%2e/admin":  "/admin",
		"/public//x":            "/public/x",
		"/public/./x/?a=b":      "/public/x/?a=b",
		"/public/x/..%2F..%2Fy": "/y",
	} {
		resp, _ := get(t, px.URL+path)
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
			t.Errorf("GET %s: %d Location %q, want 308 %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

func TestForwardingHeaders(t *testing.T) {
	up := echoUpstream(t, "app")
	_, px := startProxy(t, Options{Routes: []Route{
		{Prefix: "/rewrite", Upstream: up.URL},
		{Prefix: "/keep", Upstream: up.URL, PreserveHost: true, Headers: map[string]string{"X-Env": "dev", "X-Forwarded-Prefix": "/custom"}},
	}})
	upHost := strings.TrimPrefix(up.URL, "http://")
	pxHost := strings.TrimPrefix(px.URL, "http://")
	spoof := []string{
		"X-Forwarded-For", "6.6.6.6", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https",
		"Forwarded", "for=6.6.6.6", "X-Forwarded-User", "admin", "X-Forwarded-Email", "admin@example.com",
		"X-Real-Ip", "6.6.6.6", "X-Auth-Request-User", "admin", "X-Env", "prod",
		"Authorization", "Bearer from-the-spa",
	}

	e := getEcho(t, px.URL+"/rewrite/", spoof...)
	if e.Host != upHost {
		t.Errorf("Host = %q, want the upstream's %q", e.Host, upHost)
	}
	want := map[string]string{
		"X-Forwarded-For":     "127.0.0.1",
		"X-Forwarded-Host":    pxHost,
		"X-Forwarded-Proto":   "http",
		"Forwarded":           `for=127.0.0.1;host="` + pxHost + `";proto=http`,
		"X-Forwarded-User":    "",
		"X-Forwarded-Email":   "",
		"X-Real-Ip":           "",
		"X-Auth-Request-User": "",
		"X-Env":               "prod", // not configured on this route: passes
		"Authorization":       "Bearer from-the-spa",
	}
	for name, value := range want {
		if got := strings.Join(e.Header.Values(name), ","); got != value {
			t.Errorf("/rewrite: upstream saw %s = %q, want %q", name, got, value)
		}
	}

	e = getEcho(t, px.URL+"/keep/", spoof...)
	if e.Host != pxHost {
		t.Errorf("PreserveHost: Host = %q, want the client's %q", e.Host, pxHost)
	}
	if got := e.Header.Get("X-Env"); got != "dev" {
		t.Errorf("route header X-Env = %q, want dev (configured value replaces the client's)", got)
	}
	if got := e.Header.Get("X-Forwarded-Prefix"); got != "/custom" {
		t.Errorf("route header X-Forwarded-Prefix = %q, want /custom", got)
	}
}

func TestHopByHopHeadersStripped(t *testing.T) {
	up := echoUpstream(t, "app")
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: up.URL}}})
	e := getEcho(t, px.URL+"/",
		"Connection", "X-Secret, keep-alive", "X-Secret", "hop", "Keep-Alive", "timeout=5",
		"Proxy-Connection", "keep-alive", "Te", "trailers, deflate", "Upgrade", "h2c")
	for _, h := range []string{"X-Secret", "Keep-Alive", "Proxy-Connection", "Upgrade", "Connection"} {
		if v := e.Header.Values(h); len(v) > 0 {
			t.Errorf("upstream saw hop-by-hop header %s: %q", h, v)
		}
	}
	// TE: trailers is the one value a proxy forwards, so the upstream may
	// send trailers (gRPC needs them).
	if got := e.Header.Get("Te"); got != "trailers" {
		t.Errorf("Te = %q, want trailers", got)
	}
}

func TestPOSTBodyAndMethod(t *testing.T) {
	up := echoUpstream(t, "app")
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: up.URL}}})
	resp, err := http.Post(px.URL+"/form", "text/plain", strings.NewReader("hello upstream"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e echo
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if e.Method != http.MethodPost || e.Body != "hello upstream" {
		t.Errorf("upstream saw %s %q, want POST %q", e.Method, e.Body, "hello upstream")
	}
}

// closedPortURL returns a loopback URL nothing listens on.
func closedPortURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestBadGateway(t *testing.T) {
	down := closedPortURL(t)
	_, px := startProxy(t, Options{Routes: []Route{{Name: "account", Prefix: "/account", Upstream: down}}})

	resp, body := get(t, px.URL+"/account/", "Accept", "text/html")
	if resp.StatusCode != http.StatusBadGateway || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, Content-Type %q; want 502 HTML", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"account", "/account", down, "Nothing is listening on " + strings.TrimPrefix(down, "http://"), "connection refused"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("502 page lacks %q:\n%s", want, body)
		}
	}

	resp, body = get(t, px.URL+"/account/api", "Accept", "application/json")
	var page errorPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("502 for Accept: application/json is not JSON: %v\n%s", err, body)
	}
	if resp.StatusCode != 502 || page.Error != "bad_gateway" || page.Route != "account" || page.Upstream != down || !strings.Contains(page.Hint, "Start the dev server") {
		t.Errorf("502 JSON = %+v", page)
	}
}

func TestUpstreamHints(t *testing.T) {
	cases := []struct {
		name     string
		upstream func(t *testing.T) string
		want     string
	}{
		{"refused", func(t *testing.T) string { return closedPortURL(t) }, "Nothing is listening"},
		{"dns", func(*testing.T) string { return "http://no-such-host.invalid:5101" }, "does not resolve"},
		{"https to http", func(t *testing.T) string {
			return strings.Replace(echoUpstream(t, "plain").URL, "http://", "https://", 1)
		}, "speaks plain HTTP"},
		{"hang up", func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, _, _ := http.NewResponseController(w).Hijack()
				conn.Close()
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}, "closed the connection"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: tc.upstream(t)}}})
			resp, body := get(t, px.URL+"/", "Accept", "application/json")
			var page errorPage
			_ = json.Unmarshal(body, &page)
			if resp.StatusCode != 502 || !strings.Contains(page.Hint, tc.want) {
				t.Errorf("status %d hint %q, want 502 and a hint with %q (detail %q)", resp.StatusCode, page.Hint, tc.want, page.Detail)
			}
		})
	}
}

func TestNotFoundListsRoutes(t *testing.T) {
	up := echoUpstream(t, "app")
	_, px := startProxy(t, Options{Routes: []Route{
		{Name: "account", Prefix: "/account", Upstream: "http://localhost:5102"},
		{Name: "shell", Prefix: "/shell", Upstream: up.URL},
	}})
	resp, body := get(t, px.URL+"/nowhere")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	for _, want := range []string{"No route for this path", "/nowhere", `href="/account"`, "http://localhost:5102", `href="/shell"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("404 page lacks %q", want)
		}
	}
	resp, body = get(t, px.URL+"/nowhere", "Accept", "application/json")
	var page errorPage
	if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != 404 {
		t.Fatalf("404 JSON: status %d err %v: %s", resp.StatusCode, err, body)
	}
	if len(page.Routes) != 2 || page.Routes[0].Prefix != "/shell" || page.Routes[1].Prefix != "/account" {
		t.Errorf("404 JSON routes = %+v", page.Routes)
	}
}

// TestPagesGolden pins the HTML and JSON of the error pages.
func TestPagesGolden(t *testing.T) {
	p, err := New(Options{Routes: []Route{
		{Name: "shell", Prefix: "/", Upstream: "http://localhost:5101"},
		{Name: "account", Prefix: "/account", Upstream: "http://127.0.0.1:1"},
		{Name: "checkout", Prefix: "/checkout", Upstream: "http://localhost:5103", Auth: &Auth{Issuer: "http://localhost:9400/", ClientID: "checkout-bff"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// A table with no catch-all, for the 404 page.
	p404, err := New(Options{Routes: []Route{
		{Name: "account", Prefix: "/account", Upstream: "http://localhost:5102"},
		{Name: "checkout", Prefix: "/checkout", Upstream: "http://localhost:5103", Auth: &Auth{Issuer: "http://localhost:9400/", ClientID: "checkout-bff"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file   string
		h      http.Handler
		path   string
		accept string
	}{
		{"502.html", p, "/account/x", "text/html"},
		{"502.json", p, "/account/x", "application/json"},
		{"404.html", p404, "/nowhere", "text/html"},
		{"404.json", p404, "/nowhere", "application/json"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://localhost:9000"+tc.path, nil)
			req.Header.Set("Accept", tc.accept)
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, req)
			golden.Equal(t, filepath.Join("testdata", tc.file), rec.Body.Bytes())
		})
	}
}

func TestAccessLog(t *testing.T) {
	up := echoUpstream(t, "app")
	log := &testutil.SyncBuffer{}
	clock := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	var calls atomic.Int64
	now := func() time.Time { return clock.Add(time.Duration(calls.Add(1)) * 1500 * time.Microsecond) }
	_, px := startProxy(t, Options{
		Routes:    []Route{{Name: "account", Prefix: "/account", Upstream: up.URL}},
		AccessLog: log,
		Now:       now,
	})
	get(t, px.URL+"/account/me?token=secret")
	waitLines(t, log, 1)
	get(t, px.URL+"/other%1B[31m")
	lines := waitLines(t, log, 2)
	if len(lines) != 2 {
		t.Fatalf("access log has %d lines, want 2:\n%s", len(lines), log.String())
	}
	f := strings.Fields(lines[0])
	if len(f) != 7 || f[0] != "09:30:00.001" || f[1] != "account" || f[2] != "GET" || f[3] != "/account/me" || f[4] != "200" || !strings.HasSuffix(f[5], "B") || f[6] != "1.5ms" {
		t.Errorf("line 1 = %q; want time, route, method, path without query, status, bytes, latency", lines[0])
	}
	if strings.Contains(log.String(), "secret") {
		t.Error("access log holds the query string; it may carry codes and tokens")
	}
	if !strings.Contains(lines[1], " - ") || !strings.Contains(lines[1], " 404 ") || strings.Contains(lines[1], "\x1b") {
		t.Errorf("line 2 = %q; want route -, status 404, escapes quoted", lines[1])
	}
}

func TestAccessLogColor(t *testing.T) {
	up := echoUpstream(t, "app")
	log := &testutil.SyncBuffer{}
	_, px := startProxy(t, Options{
		Routes:    []Route{{Name: "account", Prefix: "/account", Upstream: up.URL}, {Name: "shell", Prefix: "/shell", Upstream: closedPortURL(t)}},
		AccessLog: log, Color: true,
	})
	get(t, px.URL+"/account/")
	waitLines(t, log, 1)
	get(t, px.URL+"/account/")
	waitLines(t, log, 2)
	get(t, px.URL+"/shell/")
	lines := waitLines(t, log, 3)
	colorOf := func(line string) string {
		i := strings.Index(line, "\x1b[")
		if i < 0 {
			return ""
		}
		return line[i : i+strings.Index(line[i:], "m")+1]
	}
	if colorOf(lines[0]) == "" || colorOf(lines[0]) != colorOf(lines[1]) {
		t.Errorf("an app keeps one colour: %q vs %q", lines[0], lines[1])
	}
	if !strings.Contains(lines[2], "\x1b[31m502\x1b[0m") {
		t.Errorf("5xx status is red: %q", lines[2])
	}
}

// waitLines waits until the log holds n lines and returns them.
func waitLines(t testing.TB, b *testutil.SyncBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := strings.TrimSpace(b.String())
		var lines []string
		if s != "" {
			lines = strings.Split(s, "\n")
		}
		if len(lines) >= n {
			if len(lines) > n {
				t.Fatalf("access log has %d lines, want %d:\n%s", len(lines), n, s)
			}
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log has %d lines after 5s, want %d:\n%s", len(lines), n, s)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestFormatters(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 999: "999B", 1200: "1.2kB", 3_400_000: "3.4MB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{850 * time.Microsecond: "850µs", 3100 * time.Microsecond: "3.1ms", 1200 * time.Millisecond: "1.20s"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSetRoutesSwapsAtomically(t *testing.T) {
	a := echoUpstream(t, "a")
	b := echoUpstream(t, "b")
	p, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: a.URL}}})
	if e := getEcho(t, px.URL+"/x"); e.Upstream != "a" {
		t.Fatalf("before reload: %s", e.Upstream)
	}
	err := p.SetRoutes([]Route{{Prefix: "/", Upstream: "not a url"}})
	if !errors.Is(err, ErrInvalidRoutes) {
		t.Fatalf("SetRoutes(bad) = %v, want ErrInvalidRoutes", err)
	}
	if e := getEcho(t, px.URL+"/x"); e.Upstream != "a" {
		t.Errorf("a rejected reload changed the table: reached %s", e.Upstream)
	}
	if err := p.SetRoutes([]Route{{Prefix: "/", Upstream: b.URL}}); err != nil {
		t.Fatal(err)
	}
	if e := getEcho(t, px.URL+"/x"); e.Upstream != "b" {
		t.Errorf("after reload reached %s, want b", e.Upstream)
	}
	if got := p.Routes(); len(got) != 1 || got[0].Name != "root" || got[0].Upstream != b.URL {
		t.Errorf("Routes() = %+v", got)
	}
}

func TestRedirectsStayOnTheProxy(t *testing.T) {
	mk := func(prefix, upstream string, strip bool) *route {
		rts, err := normalize([]Route{{Prefix: prefix, Upstream: upstream, StripPrefix: strip}})
		if err != nil {
			t.Fatal(err)
		}
		rt := &route{Route: rts[0]}
		rt.upstream = mustParse(t, upstream)
		return rt
	}
	tests := []struct {
		rt        *route
		loc, want string
	}{
		{mk("/account", "http://localhost:5102", false), "http://localhost:5102/account/login?x=1", "/account/login?x=1"},
		{mk("/account", "http://localhost:5102", false), "/account/login", "/account/login"},
		{mk("/account", "http://localhost:5102", false), "http://localhost:9400/authorize?a=b", "http://localhost:9400/authorize?a=b"},
		{mk("/account", "http://localhost:5102", false), "login", "login"},
		{mk("/api", "http://localhost:8080", true), "/login", "/api/login"},
		{mk("/api", "http://localhost:8080", true), "http://localhost:8080/", "/api/"},
		{mk("/api", "http://localhost:8080", true), "http://localhost:8080", "/api"},
		{mk("/api", "http://localhost:8080/v2", true), "http://localhost:8080/v2/users", "/api/users"},
		{mk("/", "http://localhost:5101", false), "http://LOCALHOST:5101", "/"},
		{mk("/", "http://localhost:5101", false), "https://localhost:5101/x", "https://localhost:5101/x"},
	}
	for _, tt := range tests {
		got := tt.loc
		if fixed, ok := tt.rt.rewriteLocation(tt.loc); ok {
			got = fixed
		}
		if got != tt.want {
			t.Errorf("route %s → %s (strip %v): Location %q became %q, want %q", tt.rt.Prefix, tt.rt.Upstream, tt.rt.StripPrefix, tt.loc, got, tt.want)
		}
	}

	// End to end: an upstream that redirects to its own origin.
	var upURL string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, upURL+"/login", http.StatusFound)
	}))
	t.Cleanup(up.Close)
	upURL = up.URL
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/api", Upstream: up.URL, StripPrefix: true}}})
	resp, _ := get(t, px.URL+"/api/private")
	if loc := resp.Header.Get("Location"); loc != "/api/login" {
		t.Errorf("Location through the proxy = %q, want /api/login", loc)
	}
}

func TestForwardedHeader(t *testing.T) {
	for _, tc := range []struct{ remote, host, want string }{
		{"127.0.0.1:5555", "localhost:9000", `for=127.0.0.1;host="localhost:9000";proto=http`},
		{"[::1]:5555", "example.test", `for="[::1]";host=example.test;proto=http`},
		{"127.0.0.1:5555", `we"ird\`, `for=127.0.0.1;host="we\"ird\\";proto=http`},
		{"pipe", "", `host="";proto=http`},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr, r.Host = tc.remote, tc.host
		if got := forwarded(r); got != tc.want {
			t.Errorf("forwarded(%s, %s) = %s, want %s", tc.remote, tc.host, got, tc.want)
		}
	}
}

func TestLoopDetected(t *testing.T) {
	p, px := startProxy(t, Options{})
	if err := p.SetRoutes([]Route{{Name: "self", Prefix: "/", Upstream: px.URL}}); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, px.URL+"/x", "Accept", "application/json", "Via", "1.1 corporate-proxy")
	var page errorPage
	_ = json.Unmarshal(body, &page)
	if resp.StatusCode != http.StatusLoopDetected || page.Route != "self" || !strings.Contains(page.Hint, "not at the proxy's") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	// The upstream sees the client's Via and the proxy's.
	up := echoUpstream(t, "app")
	_ = p.SetRoutes([]Route{{Prefix: "/", Upstream: up.URL}})
	e := getEcho(t, px.URL+"/", "Via", "1.1 corporate-proxy")
	if via := e.Header.Values("Via"); len(via) != 2 || via[0] != "1.1 corporate-proxy" || !strings.HasPrefix(via[1], "1.1 ssokit-") {
		t.Errorf("Via = %q", via)
	}
}

func TestAppColorStable(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"shell", "account", "checkout", "orders", "admin", "root"} {
		c := AppColor(name)
		if c != AppColor(name) || !slices.Contains(palette, c) {
			t.Errorf("AppColor(%q) = %q", name, c)
		}
		seen[c] = true
	}
	if len(seen) < 3 {
		t.Errorf("six apps share %d colours", len(seen))
	}
}
