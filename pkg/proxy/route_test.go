package proxy

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestValidateRoutes(t *testing.T) {
	auth := &Auth{Issuer: "http://localhost:9400/", ClientID: "bff"}
	tests := []struct {
		name   string
		routes []Route
		want   []string // substrings of the error; nil: valid
	}{
		{"catch-all and nested", []Route{{Prefix: "/", Upstream: "http://localhost:5101"}, {Prefix: "/account", Upstream: "http://localhost:5102"}, {Prefix: "/account/settings", Upstream: "http://localhost:5103"}}, nil},
		{"trailing slash dropped", []Route{{Prefix: "/account/", Upstream: "http://localhost:5102"}}, nil},
		{"upstream with path", []Route{{Prefix: "/api", Upstream: "https://127.0.0.1:8443/v1"}}, nil},
		{"gated nest gated", []Route{{Prefix: "/shop", Upstream: "http://localhost:1", Auth: auth}, {Prefix: "/shop/cart", Upstream: "http://localhost:2", Auth: auth}}, nil},
		{"no routes", nil, nil},

		{"empty prefix", []Route{{Upstream: "http://localhost:5101"}}, []string{`prefix "" is empty; use "/"`}},
		{"relative prefix", []Route{{Prefix: "account", Upstream: "http://localhost:5101"}}, []string{`must start with "/"`}},
		{"query in prefix", []Route{{Prefix: "/a?x=1", Upstream: "http://localhost:5101"}}, []string{"without query or fragment"}},
		{"dot segments", []Route{{Prefix: "/a/../b", Upstream: "http://localhost:5101"}}, []string{"not a clean path"}},
		{"double slash", []Route{{Prefix: "//a", Upstream: "http://localhost:5101"}}, []string{"not a clean path"}},
		{"escapes", []Route{{Prefix: "/a%20b", Upstream: "http://localhost:5101"}}, []string{"percent-escapes"}},
		{"path parameter", []Route{{Prefix: "/a;v=1", Upstream: "http://localhost:5101"}}, []string{"must not hold ';'"}},
		{"trailing dot", []Route{{Prefix: "/a./b", Upstream: "http://localhost:5101"}}, []string{`segment ending in '.' ("a.")`}},
		{"space", []Route{{Prefix: "/a b", Upstream: "http://localhost:5101"}}, []string{`holds ' '`}},
		{"no upstream", []Route{{Prefix: "/a"}}, []string{`route "a" (/a): upstream "" is empty`}},
		{"no scheme", []Route{{Prefix: "/a", Upstream: "localhost:5101"}}, []string{"must start with http:// or https://"}},
		{"ws scheme", []Route{{Prefix: "/a", Upstream: "ws://localhost:5101"}}, []string{"must start with http:// or https://"}},
		{"no host", []Route{{Prefix: "/a", Upstream: "http://:5101"}}, []string{"has no host"}},
		{"bad port", []Route{{Prefix: "/a", Upstream: "http://localhost:51o1"}}, []string{"is not a URL"}},
		{"credentials", []Route{{Prefix: "/a", Upstream: "http://u:p@localhost:5101"}}, []string{"must not hold credentials"}},
		{"query in upstream", []Route{{Prefix: "/a", Upstream: "http://localhost:5101/?x=1"}}, []string{"must not hold a query"}},
		{"duplicate prefix", []Route{{Prefix: "/a", Upstream: "http://localhost:1"}, {Name: "b", Prefix: "/a/", Upstream: "http://localhost:2"}}, []string{`route "b" (/a): prefix /a is already routed to http://localhost:1 (route "a")`}},
		{"duplicate name", []Route{{Name: "x", Prefix: "/a", Upstream: "http://localhost:1"}, {Name: "x", Prefix: "/b", Upstream: "http://localhost:2"}}, []string{`name "x" is already used by the route for /a`}},
		{"case overlap", []Route{{Prefix: "/Account", Upstream: "http://localhost:1"}, {Name: "acct", Prefix: "/account", Upstream: "http://localhost:2"}}, []string{"differ only in case"}},
		{"bad name", []Route{{Name: "my app", Prefix: "/a", Upstream: "http://localhost:1"}}, []string{`name "my app" may hold only`}},
		{"bad header name", []Route{{Prefix: "/a", Upstream: "http://localhost:1", Headers: map[string]string{"X Env": "1"}}}, []string{`header "X Env" holds ' '`}},
		{"header injection", []Route{{Prefix: "/a", Upstream: "http://localhost:1", Headers: map[string]string{"X-Env": "1\r\nX-Admin: 1"}}}, []string{"must not hold CR, LF"}},
		{"host header", []Route{{Prefix: "/a", Upstream: "http://localhost:1", Headers: map[string]string{"host": "x"}}}, []string{"use preserve_host"}},
		{"framing header", []Route{{Prefix: "/a", Upstream: "http://localhost:1", Headers: map[string]string{"Transfer-Encoding": "chunked"}}}, []string{"hop-by-hop"}},
		{"auth without client", []Route{{Prefix: "/a", Upstream: "http://localhost:1", Auth: &Auth{Issuer: "http://localhost:9400/"}}}, []string{"auth needs a client_id"}},
		{"auth bad issuer", []Route{{Prefix: "/a", Upstream: "http://localhost:1", Auth: &Auth{Issuer: "localhost:9400", ClientID: "x"}}}, []string{`auth issuer "localhost:9400"`}},
		{"ungated inside gated", []Route{{Name: "shop", Prefix: "/shop", Upstream: "http://localhost:1", Auth: auth}, {Prefix: "/shop/api", Upstream: "http://localhost:2"}}, []string{`is inside gated route "shop" (/shop) but has no auth`}},
		{"inside gate endpoints", []Route{{Name: "shop", Prefix: "/shop", Upstream: "http://localhost:1", Auth: auth}, {Prefix: "/shop/_ssokit/x", Upstream: "http://localhost:2", Auth: auth}}, []string{"which the auth gate of route \"shop\" reserves"}},
		{"every error at once", []Route{{Prefix: "a", Upstream: "x"}, {Prefix: "/b", Upstream: ""}}, []string{`must start with "/"`, `must start with http://`, `route "b" (/b): upstream "" is empty`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateRoutes(tt.routes)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateRoutes = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateRoutes = nil, want an error with %q", tt.want)
			}
			if !errors.Is(err, ErrInvalidRoutes) {
				t.Errorf("error %v does not wrap ErrInvalidRoutes", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestDefaultNames(t *testing.T) {
	for prefix, want := range map[string]string{"/": "root", "/account": "account", "/shop/cart/": "shop-cart", "/@admin": "-admin"} {
		got, err := normalize([]Route{{Prefix: prefix, Upstream: "http://localhost:1"}})
		if err != nil || got[0].Name != want {
			t.Errorf("name for %q = %+v, %v; want %q", prefix, got, err, want)
		}
	}
}

func TestSafeReturn(t *testing.T) {
	for _, tc := range []struct{ rd, prefix, want string }{
		{"/shop/cart?id=1", "/shop", "/shop/cart?id=1"},
		{"/shop", "/shop", "/shop"},
		{"", "/shop", "/shop/"},
		{"https://evil.example/shop", "/shop", "/shop/"},
		{"//evil.example/shop", "/shop", "/shop/"},
		{"/\\evil.example", "/", "/"},
		{"/shop/../admin", "/shop", "/shop/"},
		{"/shopping", "/shop", "/shop/"},
		{"/anything", "/", "/anything"},
		{"javascript:alert(1)", "/", "/"},
	} {
		if got := safeReturn(tc.rd, tc.prefix); got != tc.want {
			t.Errorf("safeReturn(%q, %q) = %q, want %q", tc.rd, tc.prefix, got, tc.want)
		}
	}
}

// FuzzSafeReturn: whatever the rd parameter holds, the gate returns the
// browser to a same-origin path under the route.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/shop/x", "//evil", "/\\evil", "https://evil", "/shop/%2e%2e/x", "/shop/..%2f..%2fx", "\t//evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rd string) {
		got := safeReturn(rd, "/shop")
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeReturn(%q) = %q, not a URL: %v", rd, got, err)
		}
		if u.Scheme != "" || u.Host != "" || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t") {
			t.Fatalf("safeReturn(%q) = %q leaves the origin", rd, got)
		}
		if !underPrefix(cleanPath(u.Path), "/shop") {
			t.Fatalf("safeReturn(%q) = %q leaves the route", rd, got)
		}
	})
}

// FuzzRouting: any request path either redirects to its clean form, or is
// routed to a route it lies under, or answers 404, or is refused (400)
// because it holds a NUL or could be read as the gated /shop; no path that
// a lenient upstream reads as /shop gets past the gate; the proxy never
// panics.
func FuzzRouting(f *testing.F) {
	for _, s := range []string{"/", "/account", "/accounts", "/account/../admin", "/a%2F..%2Fb", "//x", "/account/./x", "/%00", "/account%2Fx",
		"/SHOP/x", "/shop;a=1", "/shop./x", "/shop%00/x", "/shop%2fx", "/x/..;/shop", "/sho%E2%84%AA"} {
		f.Add(s)
	}
	p, err := New(Options{Routes: []Route{
		{Prefix: "/account", Upstream: "http://127.0.0.1:1"},
		{Prefix: "/api", Upstream: "http://127.0.0.1:1", StripPrefix: true},
		{Prefix: "/shop", Upstream: "http://127.0.0.1:1", Auth: &Auth{Issuer: "http://127.0.0.1:1", ClientID: "shop"}},
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path string) {
		u, err := url.ParseRequestURI(path)
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "http://localhost:9000/", nil)
		req.URL = u
		req.RequestURI = path
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if lp := lenientPath(path); underPrefix(lp, "/shop") && rec.Code != http.StatusUnauthorized && rec.Code != http.StatusBadRequest && rec.Code != http.StatusPermanentRedirect {
			t.Fatalf("%q, read as %q by a lenient upstream, answered %d: past the gate", path, lp, rec.Code)
		}
		switch rec.Code {
		case http.StatusBadRequest:
			if !strings.Contains(u.Path, "\x00") && !strings.Contains(lenientPath(path), "shop") {
				t.Fatalf("%q refused though it holds no NUL and cannot be read as /shop", path)
			}
		case http.StatusUnauthorized:
			if !underPrefix(u.Path, "/shop") {
				t.Fatalf("%q gated but not under /shop", path)
			}
		case http.StatusPermanentRedirect:
			loc := rec.Header().Get("Location")
			lu, err := url.Parse(loc)
			if err != nil || lu.Host != "" || strings.HasPrefix(loc, "//") || cleanPath(lu.Path) != lu.Path {
				t.Fatalf("%q redirected to %q, not a clean same-origin path", path, loc)
			}
		case http.StatusBadGateway:
			if !underPrefix(u.Path, "/account") && !underPrefix(u.Path, "/api") {
				t.Fatalf("%q reached an upstream it is not under", path)
			}
		case http.StatusNotFound:
			if underPrefix(u.Path, "/account") || underPrefix(u.Path, "/api") || underPrefix(u.Path, "/shop") {
				t.Fatalf("%q is under a route but answered 404", path)
			}
		default:
			t.Fatalf("%q answered %d", path, rec.Code)
		}
	})
}
