package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"
)

// lenientUpstream serves a secret page under /checkout and a public page
// elsewhere, after normalising the request target the way real servers
// do: Express and Windows file servers ignore case, Tomcat and Jetty drop
// ;path-parameters, Windows drops trailing dots and spaces of a segment,
// servers that decode %2F (or treat \ as /) see a separator, and C string
// handling stops at a NUL. A proxy that routes on the raw path while such
// an upstream normalises it lets the secret page out through the ungated
// route.
func lenientUpstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := lenientPath(r.RequestURI)
		if underPrefix(p, "/checkout") {
			fmt.Fprintf(w, "secret checkout page for %q", r.Header.Get("X-Forwarded-User"))
			return
		}
		fmt.Fprint(w, "public page")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// lenientPath is the path of requestURI as the most lenient upstreams
// read it (see lenientUpstream).
func lenientPath(requestURI string) string {
	p, _, _ := strings.Cut(requestURI, "?")
	segs := strings.Split(p, "/")
	for i, s := range segs {
		s, _, _ = strings.Cut(s, ";") // Tomcat: path parameters
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
		s, _, _ = strings.Cut(s, "\x00") // C strings end at NUL
		if s != "." && s != ".." {
			s = strings.TrimRight(s, ". ") // Windows
		}
		segs[i] = s
	}
	return path.Clean(strings.ToLower(strings.ReplaceAll(strings.Join(segs, "/"), `\`, "/")))
}

// rawGet sends target byte for byte as the request line's target, as curl
// --path-as-is or a raw socket does (Go's client would re-escape it).
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\nConnection: close\r\n\r\n", target, addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestGateCannotBeBypassedWithPathVariants: /checkout is gated, / is not,
// and both go to one upstream that normalises paths. No spelling of a
// gated path may reach the upstream without a session: the proxy either
// gates it (401 for this API-style client) or refuses it (400).
func TestGateCannotBeBypassedWithPathVariants(t *testing.T) {
	op := newFakeOP(t, time.Now)
	up := lenientUpstream(t)
	_, px := startProxy(t, Options{Routes: []Route{
		{Name: "checkout", Prefix: "/checkout", Upstream: up.URL,
			Auth: &Auth{Issuer: op.issuer(), ClientID: op.clientID, ClientSecret: op.clientSecret}},
		{Name: "shell", Prefix: "/", Upstream: up.URL},
	}})
	addr := strings.TrimPrefix(px.URL, "http://")

	// The upstream really does serve the secret page for each variant.
	for _, target := range []string{"/CHECKOUT/x", "/checkout;x=1"} {
		resp, _ := get(t, up.URL+target)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("upstream %s: %d", target, resp.StatusCode)
		}
	}

	for target, want := range map[string]int{
		"/checkout/x":           http.StatusUnauthorized,
		"/CHECKOUT/x":           http.StatusBadRequest,
		"/Checkout":             http.StatusBadRequest,
		"/checkout;x=1":         http.StatusBadRequest,
		"/checkout;x=1/x":       http.StatusBadRequest,
		"/checkout./x":          http.StatusBadRequest,
		"/checkout../x":         http.StatusBadRequest,
		"/checkout%20/x":        http.StatusBadRequest,
		"/checkout%2e/x":        http.StatusBadRequest,
		"/checkout%00/x":        http.StatusBadRequest,
		"/checkout%2fx":         http.StatusBadRequest,
		"/checkout%2Fx":         http.StatusBadRequest,
		"/checkout%5cx":         http.StatusBadRequest,
		`/checkout\x`:           http.StatusBadRequest,
		"/x/..;/checkout/x":     http.StatusBadRequest,
		"/chec%E2%84%AAout/x":   http.StatusBadRequest,   // the Kelvin sign, lower-cased to k
		"/%63heckout/x":         http.StatusUnauthorized, // Go decodes it to /checkout/x: gated
		"/checkout/x;jsession=": http.StatusUnauthorized, // inside the route: gated, passes
		"/shop;v=2/cart":        http.StatusOK,           // ungated either way: passes untouched
		"/shop./":               http.StatusOK,
		"/shop/a%2Fb":           http.StatusOK, // %2F inside one route either way
		"/checkout/a%2Fb":       http.StatusUnauthorized,
	} {
		status, body := rawGet(t, addr, target)
		if status != want {
			t.Errorf("GET %s: %d %.200s, want %d", target, status, body, want)
		}
		if strings.Contains(body, "secret") {
			t.Errorf("GET %s reached the gated page without a session: %s", target, body)
		}
	}
}

// BenchmarkAmbiguousCheck measures the path check every request pays when
// a gated route exists, on a typical asset path.
func BenchmarkAmbiguousCheck(b *testing.B) {
	p, err := New(Options{Routes: []Route{
		{Prefix: "/checkout", Upstream: "http://127.0.0.1:1", Auth: &Auth{Issuer: "http://127.0.0.1:1", ClientID: "c"}},
		{Prefix: "/account", Upstream: "http://127.0.0.1:1"},
		{Prefix: "/", Upstream: "http://127.0.0.1:1"},
	}})
	if err != nil {
		b.Fatal(err)
	}
	t := p.table.Load()
	u, _ := url.Parse("/account/assets/index-3f2a1b.js?v=1")
	rt := t.match(u.Path)
	b.ReportAllocs()
	for b.Loop() {
		if t.ambiguous(u, rt) != nil {
			b.Fatal("refused")
		}
	}
}
