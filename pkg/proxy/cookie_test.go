package proxy

import (
	"io"
	"net/http"
	"slices"
	"testing"
)

// TestProviderCookiesStayOffUpstreams: cookies ignore ports, so on
// localhost the browser sends the provider's session cookie (and every
// gate's) to the proxy with each request; no dev server may receive them.
func TestProviderCookiesStayOffUpstreams(t *testing.T) {
	up := echoUpstream(t, "app")
	_, px := startProxy(t, Options{Routes: []Route{{Prefix: "/", Upstream: up.URL}}})
	for _, tc := range []struct {
		cookies []string
		want    []string
	}{
		{[]string{"a=1; ssokit_session=S; ssokit_bs=x; __Host-ssokit_proxy_x_login=y; ssokit_proxy_checkout=z; theme=dark"}, []string{"a=1; theme=dark"}},
		{[]string{"ssokit_session=S", "theme=dark", "__Host-ssokit_csrf=c;__Secure-ssokit_x=1"}, []string{"theme=dark"}},
		{[]string{"ssokit_session=S; ssokit_csrf=c"}, nil},
		{[]string{"my_ssokit_session=1; ssokitish=2"}, []string{"my_ssokit_session=1; ssokitish=2"}},
	} {
		req, _ := http.NewRequest(http.MethodGet, px.URL+"/", nil)
		for _, c := range tc.cookies {
			req.Header.Add("Cookie", c)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		e := decodeEcho(t, resp, body)
		if got := e.Header.Values("Cookie"); !slices.Equal(got, tc.want) {
			t.Errorf("Cookie %q reached the upstream as %q, want %q", tc.cookies, got, tc.want)
		}
	}
}
