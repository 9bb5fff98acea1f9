package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// validateMessages is Validate as "field: message" lines.
func validateMessages(c *Config) []string {
	var got []string
	for _, e := range c.Validate() {
		got = append(got, e.Field+": "+e.Msg)
	}
	return got
}

// Each rule of Validate on its own, with the message that says how to fix it.
func TestValidateRules(t *testing.T) {
	conf := &Config{
		Provider: Provider{SigningAlg: "RS265", Mount: "auth/", SessionCookie: SessionCookie{SameSite: "lx"}},
		Clients: []Client{
			{ClientID: "spa"}, // public, no redirect URI
			{ClientID: "web", Secret: "s",
				RedirectURIs:           []string{"http://localhost:9000/cb#frag", "/relative"},
				PostLogoutRedirectURIs: []string{"localhost:9000"},
				WebOrigins:             []string{"*", "http://localhost:9000/app", "http://localhost:9000/", "http://localhost:9001"},
				FrontchannelLogoutURI:  "nope",
				BackchannelLogoutURI:   "http://localhost:9000/bc"},
			{ClientID: "svc", Secret: "x"},
			{ClientID: "pub", RedirectURIs: []string{"http://localhost:1/cb"}},
		},
		Apps: []App{
			{Name: "a", Path: "account", Upstream: "http://localhost:5102"},
			{Name: "b", Path: "/shop", Upstream: "ftp://localhost"},
			{Name: "c", Path: "/shop/", Upstream: "http://localhost:5103"},
			{Name: "d", Path: "/d", Upstream: "http://localhost:5104", Auth: "requird"},
			{Name: "e", Path: "/e", Upstream: "http://localhost:5105", Auth: "required"},
			{Name: "f", Path: "/f", Upstream: "http://localhost:5106", Auth: "required", ClientID: "ghost"},
			{Name: "g", Path: "/g", Upstream: "http://localhost:5107", Auth: "required", ClientID: "pub"},
			{Name: "h", Path: "/h", Upstream: "http://localhost:5108", Auth: "required", ClientID: "svc"},
			{Name: "i", Path: "/i", Upstream: "https://", Auth: "none"},
		},
	}
	got := validateMessages(conf)
	want := []string{
		`provider.signing_alg: "RS265" is not supported; use RS256 (default, needed by the Auth0 SDK) or ES256; did you mean "RS256"?`,
		`provider.session_cookie.same_site: "lx" is not lax, strict or none; did you mean "lax"?`,
		`provider.mount: "auth/" must be a path like /auth (leading slash, no trailing slash)`,
		`clients[0].redirect_uris: public client "spa" needs at least one redirect_uri`,
		`clients[1].redirect_uris[0]: "http://localhost:9000/cb#frag" must not contain a fragment (RFC 6749 §3.1.2)`,
		`clients[1].redirect_uris[1]: "/relative" is not an absolute URL like http://localhost:9000/app/callback`,
		`clients[1].post_logout_redirect_uris[0]: "localhost:9000" is not an absolute URL like http://localhost:9000/app/callback`,
		`clients[1].web_origins[0]: "*" is not an origin like http://localhost:9000 (scheme and host, no path, no wildcard)`,
		`clients[1].web_origins[1]: "http://localhost:9000/app" is not an origin like http://localhost:9000 (scheme and host, no path, no wildcard)`,
		`clients[1].frontchannel_logout_uri: "nope" is not an absolute URL like http://localhost:9000/app/callback`,
		`apps[0].path: "account" must start with / (e.g. /account)`,
		`apps[1].upstream: "ftp://localhost" is not an http(s) URL like http://localhost:5102`,
		`apps[2].path: "/shop/" is already routed to app "b"`,
		`apps[3].auth: "requird" is not required, spa or none; did you mean "required"?`,
		`apps[4].client_id: app "e" has auth: required and needs client_id naming a confidential client`,
		`apps[5].client_id: client "ghost" is not defined under clients:`,
		`apps[6].client_id: client "pub" must have a secret: the proxy's auth gate is a confidential client`,
		`apps[8].upstream: "https://" is not an http(s) URL like http://localhost:5102`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestValidateAcceptsEveryAllowedValue(t *testing.T) {
	for _, p := range []Provider{
		{SigningAlg: "RS256", SessionCookie: SessionCookie{SameSite: "Strict"}, Mount: "/auth"},
		{SigningAlg: "ES256", SessionCookie: SessionCookie{SameSite: "none"}},
		{SessionCookie: SessionCookie{SameSite: "LAX"}},
	} {
		if got := validateMessages(&Config{Provider: p}); len(got) != 0 {
			t.Errorf("%+v: %q", p, got)
		}
	}
	for _, m := range []string{"/", "/auth/", "auth"} {
		if got := validateMessages(&Config{Provider: Provider{Mount: m}}); len(got) != 1 {
			t.Errorf("mount %q: %q, want one problem", m, got)
		}
	}
}

func TestDefaults(t *testing.T) {
	var nilConf *Config
	if nilConf.IssuerOrDefault() != DefaultIssuer || (&Config{}).IssuerOrDefault() != DefaultIssuer {
		t.Error("no issuer configured: want DefaultIssuer")
	}
	if got := (&Config{Issuer: "http://auth.test/"}).IssuerOrDefault(); got != "http://auth.test/" {
		t.Errorf("configured issuer: %q", got)
	}
	users := nilConf.UsersOrDefault()
	if len(users) != 2 || users[0].Username != "alice" || users[1].Username != "bob" {
		t.Fatalf("default users %+v", users)
	}
	// Each call is a fresh copy: a caller that edits one cannot change
	// what the next provider starts with.
	users[0].Claims["email"] = "mallory@example.com"
	if DefaultUsers()[0].Claims["email"] != "alice@example.com" {
		t.Error("DefaultUsers shares its claims maps between calls")
	}
	own := &Config{Users: []User{{Username: "carol"}}}
	if got := own.UsersOrDefault(); len(got) != 1 || got[0].Username != "carol" {
		t.Errorf("configured users: %+v", got)
	}
}

// Client returns a pointer into the config, so a caller sees the
// registered client itself.
func TestClientLookup(t *testing.T) {
	c := &Config{Clients: []Client{{ClientID: "a"}, {ClientID: "b", Secret: "s"}}}
	cl, ok := c.Client("b")
	if !ok || cl.Secret != "s" || cl != &c.Clients[1] {
		t.Errorf("Client(b) = %+v %v", cl, ok)
	}
	if cl, ok := c.Client("B"); ok || cl != nil {
		t.Errorf("client ids are exact: Client(B) = %+v", cl)
	}
}

func TestErrorFormatting(t *testing.T) {
	errs := Errors{
		{File: "ssokit.yaml", Line: 3, Column: 5, Field: "clients[0].secret", Msg: "bad"},
		{File: "ssokit.yaml", Msg: "empty"},
	}
	want := "ssokit.yaml:3:5: clients[0].secret: bad\nssokit.yaml: empty"
	if errs.Error() != want {
		t.Errorf("got %q, want %q", errs.Error(), want)
	}
}

func TestKeyLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssokit.yaml")
	src := "# comment\nissuer: http://localhost:9400/\nprovider:\n  issuer: nested\nissuer_extra: 1\nusers :\n  - username: a\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"issuer": 2, "provider": 3, "users": 6, "apps": 0, "issuer_extra": 5} {
		if got := KeyLine(path, key); got != want {
			t.Errorf("KeyLine(%q) = %d, want %d", key, got, want)
		}
	}
	if got := KeyLine(filepath.Join(t.TempDir(), "missing.yaml"), "issuer"); got != 0 {
		t.Errorf("missing file: %d", got)
	}
}
