package proxy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ssokit/ssokit/pkg/proxy"
)

// A shell at /, an account app at /account: the longest prefix wins.
func ExampleNew() {
	p, err := proxy.New(proxy.Options{Routes: []proxy.Route{
		{Name: "shell", Prefix: "/", Upstream: "http://localhost:5101"},
		{Name: "account", Prefix: "/account", Upstream: "http://localhost:5102"},
		{Name: "api", Prefix: "/api", Upstream: "http://localhost:8080", StripPrefix: true},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range p.Routes() {
		fmt.Printf("%-8s %-8s → %s\n", r.Name, r.Prefix, r.Upstream)
	}
	// Output:
	// account  /account → http://localhost:5102
	// api      /api     → http://localhost:8080
	// shell    /        → http://localhost:5101
}

// Every problem is reported at once, naming the route.
func ExampleValidateRoutes() {
	err := proxy.ValidateRoutes([]proxy.Route{
		{Prefix: "/account", Upstream: "localhost:5102"},
		{Prefix: "/account/", Upstream: "http://localhost:5103"},
		{Name: "checkout", Prefix: "/checkout", Upstream: "http://localhost:5104", Auth: &proxy.Auth{Issuer: "http://localhost:9400/", ClientID: "checkout-bff"}},
		{Prefix: "/checkout/api", Upstream: "http://localhost:8080"},
	})
	fmt.Println(err)
	// Output:
	// route "account" (/account): upstream "localhost:5102" must start with http:// or https://
	// route "account" (/account): prefix /account is already routed to localhost:5102 (route "account"); each prefix can have one upstream
	// route "checkout-api" (/checkout/api): prefix /checkout/api is inside gated route "checkout" (/checkout) but has no auth itself, so its requests would skip the sign-in; give it auth too or move it
}

// SetRoutes swaps the table while the proxy serves; a bad table is refused
// and the old one stays.
func ExampleProxy_SetRoutes() {
	p, _ := proxy.New(proxy.Options{})
	err := p.SetRoutes([]proxy.Route{{Prefix: "shop", Upstream: "http://localhost:5105"}})
	fmt.Println(err)
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost:9000/shop", nil))
	fmt.Println(rec.Code)
	// Output:
	// route shop: prefix "shop" must start with "/"
	// 404
}
