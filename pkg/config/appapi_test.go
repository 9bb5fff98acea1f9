package config

import (
	"strings"
	"testing"
)

// An app's api: entries are checked where they are written.
func TestAppAPIsChecked(t *testing.T) {
	src := `clients:
  - {client_id: shop-bff, secret: s, redirect_uris: ["http://localhost:9000/shop/_ssokit/callback"]}
apps:
  - name: shop
    path: /shop
    upstream: http://localhost:5104
    auth: spa
    client_id: shop-bff
    api:
      - {path: api, upstream: "http://localhost:5204"}
      - {path: /_ssokit/x, upstream: "http://localhost:5204"}
      - {path: /orders, upstream: "localhost:5205"}
      - {path: /orders/, upstream: "http://localhost:5205"}
  - name: page
    path: /page
    upstream: http://localhost:5105
    api: [{path: /api, upstream: "http://localhost:5205"}]
`
	_, err := Parse("ssokit.yaml", []byte(src))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		`ssokit.yaml:10:16: apps[0].api[0].path: "api" must be a path under the app such as /api`,
		`ssokit.yaml:11:16: apps[0].api[1].path: "/_ssokit/x" is inside /_ssokit, which the auth gate reserves`,
		`ssokit.yaml:12:35: apps[0].api[2].upstream: "localhost:5205" is not an http(s) URL`,
		`ssokit.yaml:13:16: apps[0].api[3].path: "/orders/" is listed twice`,
		`apps[1].api: app "page" lists api: but has auth: ""; APIs with the session's token need auth: spa`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
