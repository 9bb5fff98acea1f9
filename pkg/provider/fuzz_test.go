package provider

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

// FuzzParseAuthorize: no query string panics the authorization request
// parser, and an error that redirects always has a trusted redirect_uri.
func FuzzParseAuthorize(f *testing.F) {
	for _, s := range []string{
		"client_id=shell&redirect_uri=http%3A%2F%2Flocalhost%3A9000%2Fshell%2Fcallback&response_type=code&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scope=openid",
		"client_id=x&redirect_uri=http://127.0.0.1:1/cb&response_type=code&prompt=none%20login",
		"client_id=x&redirect_uri=http://[::1]:1/cb#frag&response_mode=web_message",
		"client_id=x&client_id=y",
		"max_age=-1&client_id=x&redirect_uri=http://localhost/cb&response_type=code&code_challenge=a&code_challenge_method=S256",
		"%zz",
	} {
		f.Add(s)
	}
	zero, _ := newRegistry(&config.Config{})
	reg, _ := newRegistry(registeredConfig())
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, r := range []*registry{zero, reg} {
			req, c, aerr := parseAuthorize(q, r, true)
			if aerr == nil || !aerr.Redirect {
				continue
			}
			if c == nil || !r.redirectAllowed(c, req.RedirectURI) {
				t.Fatalf("error redirect to untrusted %q for %q", req.RedirectURI, raw)
			}
		}
	})
}

// FuzzParseTokenBody: any body with any content type parses or errors.
func FuzzParseTokenBody(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "grant_type=authorization_code&code=abc&code_verifier=xyz&client_id=shell")
	f.Add("application/json", `{"grant_type":"refresh_token","refresh_token":"r","client_id":"c","n":1,"b":true,"x":null}`)
	f.Add("application/json; charset=utf-8", `{"a":{"nested":1}}`)
	f.Add("text/plain", "a=b")
	f.Add("", "a=b&a=c")
	f.Fuzz(func(t *testing.T, ct, body string) {
		v, err := parseTokenBody(ct, []byte(body))
		if err == nil && v == nil {
			t.Fatal("nil values without error")
		}
		if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatal("empty error")
		}
	})
}
