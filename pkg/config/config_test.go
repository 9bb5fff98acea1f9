package config

import (
	"os"
	"strings"
	"testing"
)

func TestLoadReportsEveryErrorWithPosition(t *testing.T) {
	_, err := Load("testdata/bad.yaml")
	if err == nil {
		t.Fatal("bad config accepted")
	}
	want := []string{
		`testdata/bad.yaml:4:15: users[1].username: user "alice" is defined twice`,
		`testdata/bad.yaml:7:21: clients[0].redirect_uris[0]: "not-a-url" is not an absolute URL`,
		`testdata/bad.yaml:8:19: clients[0].web_origins[0]: "*" is not an origin`,
		`testdata/bad.yaml:11:11: apps[0].path: "shell" must start with /`,
		`testdata/bad.yaml:17:16: apps[1].client_id: client "shell" must have a secret`,
	}
	got := err.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
}

func TestStrictUnknownField(t *testing.T) {
	_, err := Parse("ssokit.yaml", []byte("issuer: http://localhost:9400/\nclients:\n  - client_id: a\n    redirect_uri: http://localhost/cb\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "ssokit.yaml:4:") || !strings.Contains(err.Error(), "redirect_uri") {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse("ssokit.yaml", []byte("issuer: [unclosed\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "ssokit.yaml:") {
		t.Fatalf("syntax error: %v", err)
	}
}

func TestValidConfig(t *testing.T) {
	c, err := Parse("ok.yaml", []byte(`
issuer: http://localhost:9400/
provider: {signing_alg: ES256, session_cookie: {same_site: none}, tokens: {access_token: 20s}}
users:
  - username: alice
    password: alice
    claims: {name: Alice Doe, roles: [admin]}
clients:
  - client_id: shell
    redirect_uris: [http://localhost:9000/shell/callback]
    web_origins: [http://localhost:9000]
  - client_id: checkout-bff
    secret: dev-secret
    redirect_uris: [http://localhost:9000/checkout/_ssokit/callback]
apps:
  - {name: checkout, path: /checkout, upstream: http://localhost:5103, auth: required, client_id: checkout-bff}
faults:
  - {endpoint: token, error: temporarily_unavailable, count: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Provider.Tokens.AccessToken.Seconds() != 20 || c.Users[0].Claims["name"] != "Alice Doe" || len(c.Clients) != 2 {
		t.Fatalf("decoded %+v", c)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("issuer: http://localhost:9400/\n"))
	f.Add([]byte("clients:\n  - client_id: a\n    redirect_uris: [x]\n"))
	f.Add([]byte("apps: [{name: a, path: /a, upstream: 'http://x'}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("fuzz.yaml", b)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestAllowedHosts(t *testing.T) {
	c, err := Parse("ok.yaml", []byte("allowed_hosts: [auth.dev.test, .dev.test, \"*\"]\n"))
	if err != nil || len(c.AllowedHosts) != 3 {
		t.Fatalf("allowed_hosts: %v %+v", err, c)
	}
	_, err = Parse("bad.yaml", []byte("allowed_hosts:\n  - http://auth.dev.test/\n"))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:2:") || !strings.Contains(err.Error(), "is not a host name") {
		t.Fatalf("a URL in allowed_hosts: %v", err)
	}
}

// TestParseReportsEveryMistakeOnce: a misspelt key no longer hides the
// other errors, each error shows its line with a caret, and misspellings
// of keys and of known values get a "did you mean".
func TestParseReportsEveryMistakeOnce(t *testing.T) {
	_, err := Parse("ssokit.yaml", []byte(`provider:
  signing_alg: RS265
  session_cookie: {same_site: lox}
clients:
  - client_id: shell
    redirect_uris: [http://localhost:9000/callback]
    web_origin: [http://localhost:9000]
  - client_id: legacy
    redirect_uri: http://localhost:9000/legacy/callback
apps:
  - {name: shell, path: /shell, upstream: http://localhost:5101, stripp: true}
  - {name: api, path: /api, upstream: http://localhost:5102, auth: requried}
`))
	if err == nil {
		t.Fatal("accepted")
	}
	want := []string{
		`ssokit.yaml:2:16: provider.signing_alg: "RS265" is not supported; use RS256 (default, needed by the Auth0 SDK) or ES256; did you mean "RS256"?
     2 |   signing_alg: RS265
       |                ^~~~~`,
		`ssokit.yaml:3:31: provider.session_cookie.same_site: "lox" is not lax, strict or none; did you mean "lax"?`,
		`ssokit.yaml:7:5: unknown key "web_origin" in clients[0] (want one of client_id, secret, redirect_uris, post_logout_redirect_uris, web_origins, frontchannel_logout_uri, backchannel_logout_uri, tokens); did you mean "web_origins"?
     7 |     web_origin: [http://localhost:9000]
       |     ^~~~~~~~~~`,
		`ssokit.yaml:9:5: unknown key "redirect_uri" in clients[1]`,
		`ssokit.yaml:11:66: unknown key "stripp" in apps[0]`,
		`did you mean "strip_prefix"?`,
		`ssokit.yaml:12:68: apps[1].auth: "requried" is not required, spa or none; did you mean "required"?`,
	}
	got := err.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing\n%s\nin:\n%s", w, got)
		}
	}
	// "public client legacy needs at least one redirect_uri" would be the
	// misspelt redirect_uri again.
	if n := strings.Count(got, "ssokit.yaml:"); n != 6 {
		t.Errorf("%d errors, want 6 (one per mistake):\n%s", n, got)
	}
}

// TestParseNamesTheFieldOfAWrongValue: a value of the wrong shape is one
// error naming the field, not the decoder's Go type names.
func TestParseNamesTheFieldOfAWrongValue(t *testing.T) {
	for src, want := range map[string]string{
		"faults:\n  - {endpoint: token, count: abc}\n":                           `s.yaml:2:30: faults[0].count must be a whole number, got "abc"`,
		"users: [{username: a, claims: 3}]\n":                                    `s.yaml:1:31: users[0].claims must be a mapping (key: value), got "3"`,
		"issuer: [x]\n":                                                          `s.yaml:1:9: issuer must be a single value, got a list`,
		"apps: [{name: a, path: /a, upstream: 'http://x', strip_prefix: yes}]\n": `s.yaml:1:64: apps[0].strip_prefix must be true or false, got "yes"`,
		"provider:\n  tokens: {access_token: soon}\n":                            `s.yaml:2:26: provider.tokens.access_token must be a duration such as 20s, 15m or 8h, got "soon"`,
		"clients: {client_id: a}\n":                                              `s.yaml:1:10: clients must be a list, got a mapping`,
		"a: 1\n---\nb: 2\n":                                                      `s.yaml:3:1: ssokit.yaml holds one YAML document`,
	} {
		_, err := Parse("s.yaml", []byte(src))
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), "s.yaml:") != 1 {
			t.Errorf("%q:\n%v\nwant one error starting %s", src, err, want)
		}
	}
}

func TestLoadRefusesMissingAndHugeFiles(t *testing.T) {
	if _, err := Load("testdata/does-not-exist.yaml"); err == nil || !strings.Contains(err.Error(), "read config") {
		t.Errorf("missing file: %v", err)
	}
	path := t.TempDir() + "/ssokit.yaml"
	if err := os.WriteFile(path, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "the limit is") {
		t.Errorf("huge file: %v", err)
	}
}

func TestEmptyFileIsZeroConfig(t *testing.T) {
	for _, src := range []string{"", "# nothing yet\n"} {
		c, err := Parse("ssokit.yaml", []byte(src))
		if err != nil || c == nil || c.Path != "ssokit.yaml" || len(c.Clients) != 0 {
			t.Errorf("%q: %+v %v", src, c, err)
		}
	}
}
