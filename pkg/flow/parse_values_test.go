package flow

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// What a valid file's values become, defaults included.
func TestParseValuesAndDefaults(t *testing.T) {
	f, err := Parse("f.yaml", []byte(`provider: http://localhost:9400/
browser: safari
timeout: 3s
signing_alg: ES256
session_cookie: {same_site: none}
apps:
  shell: {origin: "http://localhost:5101/"}
  spa:
    client_id: spa-client
    redirect_uri: http://127.0.0.1:5102/auth/cb
    mode: popup
    response_mode: form_post
    scope: openid
    post_logout_redirect_uri: http://127.0.0.1:5102/bye
    frontchannel_logout_uri: http://127.0.0.1:5102/fc
users:
  alice: {}
  bob: {password: secret, claims: {groups: [admin], level: 2}}
flows:
  - steps:
      - login: {app: shell, user: bob}
        timeout: 1500ms
        expect:
          tokens: true
          claims_match: {email: "^bob@"}
          lifetime: {min: 1m, max: 1h}
          signature: verified
          refresh_token: false
          same_sub_as: spa
  - name: second
    browser: firefox
    steps:
      - logout: spa
        expect: {frontchannel: [shell, spa]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Provider != "http://localhost:9400/" || f.Browser != "safari" || f.Timeout != 3*time.Second || f.SigningAlg != "ES256" || f.SessionSameSite != "none" || f.Path != "f.yaml" {
		t.Errorf("file: %+v", f)
	}
	shell, spa := f.App("shell"), f.App("spa")
	if shell.ClientID != "shell" || shell.Origin != "http://localhost:5101" || shell.RedirectURI != "http://localhost:5101/callback" ||
		shell.Mode != "iframe" || shell.Scope != "openid profile email offline_access" || shell.ResponseMode != "" {
		t.Errorf("shell's defaults: %+v", shell)
	}
	if spa.ClientID != "spa-client" || spa.Origin != "http://127.0.0.1:5102" || spa.Mode != "popup" || spa.ResponseMode != "form_post" ||
		spa.Scope != "openid" || spa.PostLogoutRedirectURI != "http://127.0.0.1:5102/bye" || spa.FrontchannelLogoutURI != "http://127.0.0.1:5102/fc" {
		t.Errorf("spa: %+v", spa)
	}
	if f.App("nobody") != nil || f.User("nobody") != nil {
		t.Error("lookups of undeclared names found something")
	}
	if a, b := f.User("alice"), f.User("bob"); a.Password != "alice" || b.Password != "secret" || fmt.Sprint(b.Claims["level"]) != "2" {
		t.Errorf("users: %+v %+v", a, b)
	}
	first, second := f.Flows[0], f.Flows[1]
	if first.Name != "flow 1" || first.Browser != "" || second.Name != "second" || second.Browser != "firefox" {
		t.Errorf("flows: %+v %+v", first, second)
	}
	st := first.Steps[0]
	e := st.Expect
	if st.Timeout != 1500*time.Millisecond || e == nil || e.Tokens == nil || !*e.Tokens || !e.Signature ||
		e.RefreshToken == nil || *e.RefreshToken || e.SameSubAs != "spa" || e.LifetimeMin != time.Minute || e.LifetimeMax != time.Hour {
		t.Errorf("step: %+v, expect %+v", st, e)
	}
	if re := e.ClaimsMatch["email"]; re == nil || !re.MatchString("bob@example.com") {
		t.Errorf("claims_match: %v", e.ClaimsMatch)
	}
	if fc := second.Steps[0].Expect.Frontchannel; len(fc) != 2 || fc[0] != "shell" || fc[1] != "spa" {
		t.Errorf("frontchannel: %q", fc)
	}
}

// Values that parse as YAML but mean nothing to a flow, each reported at
// its place with what to write instead.
func TestParseValueErrors(t *testing.T) {
	const apps = "apps: {a: {origin: 'http://localhost:1'}}\nusers: {u: {}}\n"
	const oneStep = "flows: [{steps: [{silent: a}]}]\n"
	tests := []struct{ name, src, want string }{
		{"signing_alg", apps + "signing_alg: HS256\n" + oneStep, "signing_alg"},
		{"same_site", apps + "session_cookie: {same_site: relaxed}\n" + oneStep, "same_site"},
		{"session_cookie key", apps + "session_cookie: {samesite: lax}\n" + oneStep, `unknown key "samesite"`},
		{"browser", apps + "browser: chrom\n" + oneStep, `did you mean "chrome"?`},
		{"mode", "apps: {a: {origin: 'http://localhost:1', mode: popop}}\n" + oneStep, `mode must be iframe or popup (how the app runs silent authentication), got "popop"; did you mean "popup"?`},
		{"response_mode", "apps: {a: {origin: 'http://localhost:1', response_mode: hash}}\n" + oneStep, "response_mode"},
		{"origin with a path", "apps: {a: {origin: 'http://localhost:1/app'}}\n" + oneStep, "origin must be scheme://host[:port]"},
		{"no origin", "apps: {a: {scope: openid}}\n" + oneStep, "app a needs an origin or a redirect_uri"},
		{"redirect_uri relative", "apps: {a: {redirect_uri: /cb}}\n" + oneStep, "redirect_uri must be an absolute http(s) URL without a fragment"},
		{"logout URI with a fragment", "apps: {a: {origin: 'http://localhost:1', frontchannel_logout_uri: 'http://localhost:1/fc#x'}}\n" + oneStep, "frontchannel_logout_uri must be an absolute"},
		{"app key", "apps: {a: {origin: 'http://localhost:1', client: x}}\n" + oneStep, `did you mean "client_id"?`},
		{"apps empty", "apps: {}\n" + oneStep, "apps is empty"},
		{"user claims", "apps: {a: {origin: 'http://localhost:1'}}\nusers: {u: {claims: [x]}}\n" + oneStep, "claims of user u must be a mapping"},
		{"user key", "apps: {a: {origin: 'http://localhost:1'}}\nusers: {v: {pasword: x}}\n" + oneStep, `did you mean "password"?`},
		{"two flows, one name", apps + "flows: [{name: x, steps: [{silent: a}]}, {name: x, steps: [{silent: a}]}]\n", `two flows are named "x"`},
		{"flow without steps", apps + "flows: [{name: x}]\n", `flow "x" has no steps`},
		{"flow key", apps + "flows: [{name: x, step: [], steps: [{silent: a}]}]\n", `did you mean "steps"?`},
		{"two kinds in a step", apps + "flows: [{steps: [{silent: a, refresh: a}]}]\n", `a step does one thing: "silent" and "refresh" are two steps`},
		{"no kind", apps + "flows: [{steps: [{timeout: 1s}]}]\n", "the step says no action"},
		{"tokens and error", apps + "flows: [{steps: [{silent: a, expect: {tokens: true, error: login_required}}]}]\n", `expect asks for tokens and for error "login_required" at once`},
		{"bad regexp", apps + "flows: [{steps: [{silent: a, expect: {claims_match: {sub: '('}}}]}]\n", "claims_match sub: bad regular expression"},
		{"lifetime upside down", apps + "flows: [{steps: [{silent: a, expect: {lifetime: {min: 2h, max: 1h}}}]}]\n", "lifetime min 2h0m0s is above max 1h0m0s"},
		{"lifetime key", apps + "flows: [{steps: [{silent: a, expect: {lifetime: {minimum: 1h}}}]}]\n", `unknown key "minimum"`},
		{"signature value", apps + "flows: [{steps: [{silent: a, expect: {signature: maybe}}]}]\n", `signature takes one value, verified; got "maybe"`},
		{"claims not a mapping", apps + "flows: [{steps: [{silent: a, expect: {claims: sub}}]}]\n", "claims must be a mapping of claim: value"},
		{"unknown app in expect", apps + "flows: [{steps: [{silent: a, expect: {same_session_as: b}}]}]\n", `unknown app "b" (declared: a)`},
		{"unknown app in frontchannel", apps + "flows: [{steps: [{logout: a, expect: {frontchannel: [a, c]}}]}]\n", `unknown app "c"`},
		{"expect key", apps + "flows: [{steps: [{silent: a, expect: {claim: {}}}]}]\n", `did you mean "claims"?`},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

// Every problem of a file is reported at once, each at its line.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse("f.yaml", []byte(`apps:
  a: {origin: 'http://localhost:1', mode: popop}
flows:
  - steps:
      - silent: b
      - wait: 2h
`))
	pe, ok := err.(*ParseError)
	if !ok {
		t.Fatalf("err = %v, want a *ParseError", err)
	}
	var lines []int
	for _, d := range pe.Diags {
		lines = append(lines, d.Pos.Line)
	}
	if len(lines) != 3 || lines[0] != 2 || lines[1] != 5 || lines[2] != 6 {
		t.Errorf("problems at lines %v, want 2, 5, 6: %v", lines, err)
	}
}
