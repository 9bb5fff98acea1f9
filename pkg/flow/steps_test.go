package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// parseSteps parses one flow of the given steps against fakeApps.
func parseSteps(t *testing.T, steps string) []*Step {
	t.Helper()
	f, err := Parse("t.yaml", []byte(fakeApps+"flows:\n  - name: t\n    steps:\n"+steps))
	if err != nil {
		t.Fatal(err)
	}
	return f.Flows[0].Steps
}

// Every step kind builds its own type at parse time, which names it in
// reports and says what it yields.
func TestStepTypesFromParse(t *testing.T) {
	tests := []struct {
		yaml   string
		kind   string
		label  string
		yields string
	}{
		{"login: {app: shell, user: alice}", StepLogin, "login shell as alice", "tokens"},
		{"login: {app: shell, user: alice, password: wrong}", StepLogin, "login shell as alice", "tokens"},
		{"redirect: shell", StepRedirect, "redirect shell", "tokens"},
		{"redirect: {app: shell, user: alice}", StepRedirect, "redirect shell as alice", "tokens"},
		{"silent: account", StepSilent, "silent account", "tokens"},
		{"silent: {app: account}", StepSilent, "silent account", "tokens"},
		{"refresh: shell", StepRefresh, "refresh shell", "tokens"},
		{"userinfo: shell", StepUserinfo, "userinfo shell", "claims"},
		{"logout: shell", StepLogout, "logout shell", "success"},
		{"wait: 2s", StepWait, "wait 2s", "success"},
		{"wait: {duration: 1m30s}", StepWait, "wait 1m30s", "success"},
		{"fault: clear", StepFault, "fault clear", "success"},
		{"fault: rotate_keys", StepFault, "fault rotate keys", "success"},
		{"fault: end_sessions", StepFault, "fault end sessions", "success"},
		{"fault: {endpoint: token, error: temporarily_unavailable, count: 2}", StepFault, "fault token error=temporarily_unavailable ×2", "success"},
		{"fault: {error: server_error}", StepFault, "fault * error=server_error", "success"},
	}
	for _, tt := range tests {
		st := parseSteps(t, "      - "+tt.yaml+"\n")[0]
		if st.Kind != tt.kind {
			t.Errorf("%s: kind %q, want %q", tt.yaml, st.Kind, tt.kind)
		}
		if got := st.act.label(); got != tt.label {
			t.Errorf("%s: label %q, want %q", tt.yaml, got, tt.label)
		}
		if got := st.act.yields(); got != tt.yields {
			t.Errorf("%s: yields %q, want %q", tt.yaml, got, tt.yields)
		}
	}
}

func TestStepArguments(t *testing.T) {
	st := parseSteps(t, `      - login: {app: shell, user: alice, password: wrong}
      - redirect: {app: account, user: alice}
      - wait: {duration: 250ms}
      - fault: {endpoint: authorize, client_id: shell, error: login_required, count: 1}
`)
	if l := st[0].act.(*loginStep); l.App != "shell" || l.User != "alice" || l.Password != "wrong" {
		t.Errorf("login: %+v", l)
	}
	if r := st[1].act.(*redirectStep); r.App != "account" || r.User != "alice" || r.Password != "" {
		t.Errorf("redirect: %+v", r)
	}
	if w := st[2].act.(*waitStep); w.Duration != 250*time.Millisecond {
		t.Errorf("wait: %+v", w)
	}
	want := map[string]any{"endpoint": "authorize", "client_id": "shell", "error": "login_required", "count": 1}
	got, _ := json.Marshal(st[3].act.(*faultStep).Body)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(got, wantJSON) {
		t.Errorf("fault body %s, want %s", got, wantJSON)
	}
}

// Each kind accepts only its own arguments: user and password are for the
// steps that may sign in.
func TestStepArgumentErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"silent: {app: shell, user: alice}", `unknown key "user" in silent step`},
		{"refresh: {app: shell, password: x}", `unknown key "password" in refresh step`},
		{"logout: {}", "logout needs an app: logout: {app: NAME}"},
		{"login: shell", "login needs a user: login: {app: shell, user: NAME}"},
		{"login: {app: shell, user: bob}", `unknown user "bob": declare it under users: (declared: alice)`},
		{"userinfo: shel", `unknown app "shel" (declared: shell, account, xsite); did you mean "shell"?`},
		{"wait: {for: 2s}", `unknown key "for" in wait`},
		{"wait: 2h", "wait is longer than an hour"},
		{"fault: {}", "fault is empty"},
		{"fault: reboot", "fault must be a mapping such as {endpoint: token"},
		{"fault: {endpoint: tokn, error: server_error}", "fault"},
	}
	for _, tt := range tests {
		_, err := Parse("t.yaml", []byte(fakeApps+"flows:\n  - name: t\n    steps:\n      - "+tt.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.yaml, err, tt.want)
		}
	}
}

func TestAppContext(t *testing.T) {
	iframe, popup := &App{Mode: "iframe"}, &App{Mode: "popup"}
	for _, tt := range []struct {
		app  *App
		in   browser.ContextKind
		want browser.ContextKind
	}{
		{iframe, browser.TopLevel, browser.TopLevel},
		{iframe, browser.IFrame, browser.IFrame},
		{popup, browser.TopLevel, browser.Popup},
		{popup, browser.IFrame, browser.Popup},
	} {
		if got := tt.app.context(tt.in); got != tt.want {
			t.Errorf("%s app, %v: got %v, want %v", tt.app.Mode, tt.in, got, tt.want)
		}
	}
}

// stepContexts returns the browsing context of each step's first request.
func stepContexts(fr *FlowResult) []string {
	var out []string
	for _, s := range fr.Steps {
		if len(s.Trace) > 0 {
			out = append(out, s.Trace[0].Context)
		}
	}
	return out
}

// Where each step runs its authorization request: login at top level,
// silent in an iframe, both in a popup for a popup app.
func TestAuthorizationContexts(t *testing.T) {
	op := newFakeOP(t, nil)
	f, err := Parse("t.yaml", []byte(`apps:
  shell: {origin: http://localhost:5101}
  pop: {origin: http://localhost:5105, mode: popup}
users: {alice: {}}
flows:
  - steps:
      - login: {app: shell, user: alice}
      - silent: shell
      - redirect: shell
      - silent: pop
      - login: {app: pop, user: alice}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Issuer: op.URL}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	fr := res.Flows[0]
	if !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
	want := []string{"top-level", "iframe", "top-level", "popup", "popup"}
	if got := stepContexts(fr); !slices.Equal(got, want) {
		t.Errorf("contexts %q, want %q", got, want)
	}
	if got := fr.Steps[4].Outcome; !strings.Contains(got, "no login form: already signed in") {
		t.Errorf("second login: outcome %q, want the already-signed-in note", got)
	}
	if got := fr.Steps[0].Outcome; got != "tokens (sub alice, sid sid-alic…, refresh token)" {
		t.Errorf("first login: outcome %q", got)
	}
}

func TestLoginPasswordOverride(t *testing.T) {
	op := newFakeOP(t, nil)
	fr := runFake(t, op, "", `      - login: {app: shell, user: alice}
      - logout: shell
      - login: {app: shell, user: alice, password: not-pw}
`)
	if !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
	if !slices.Equal(op.passwords, []string{"pw", "not-pw"}) {
		t.Errorf("passwords sent %q, want the user's, then the step's", op.passwords)
	}
}

// A redirect step with a user signs in; without one it ends with
// login_required, which it may expect.
func TestRedirectStep(t *testing.T) {
	fr := runFake(t, newFakeOP(t, nil), "", `      - redirect: shell
        expect: {error: login_required}
      - redirect: {app: shell, user: alice}
        expect: {tokens: true, claims: {sub: alice}}
      - redirect: account
        expect: {same_session_as: shell}
`)
	if !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
}

func TestUserinfoStep(t *testing.T) {
	fr := runFake(t, newFakeOP(t, nil), "", `      - userinfo: shell
`)
	if fr.Passed || !strings.Contains(fr.Steps[0].Failures[0], "shell holds no access token (sign it in first)") {
		t.Errorf("userinfo before login: %v", steps(fr))
	}
	fr = runFake(t, newFakeOP(t, nil), "", `      - login: {app: shell, user: alice}
      - userinfo: shell
        expect: {claims: {sub: alice}}
`)
	if !fr.Passed || fr.Steps[1].Outcome != "1 claims" {
		t.Errorf("userinfo: %v", steps(fr))
	}
}

// A logout forgets the app's tokens, and those of the apps whose
// front-channel logout URI the provider loaded.
func TestLogoutStep(t *testing.T) {
	fr := runFake(t, newFakeOP(t, nil), "", `      - login: {app: shell, user: alice}
      - silent: account
      - logout: shell
        expect: {frontchannel: [account]}
      - refresh: account
`)
	if fr.Passed {
		t.Fatalf("refresh after a front-channel logout passed: %v", steps(fr))
	}
	if got := fr.Steps[2].Outcome; got != "front-channel logout: account; back at shell" {
		t.Errorf("logout outcome %q", got)
	}
	if got := fr.Steps[3].Failures[0]; !strings.Contains(got, "account holds no tokens to refresh") {
		t.Errorf("refresh after logout: %q", got)
	}
}

func TestRefreshKeepsTokensTheProviderOmits(t *testing.T) {
	fr := runFake(t, newFakeOP(t, nil), "", `      - login: {app: shell, user: alice}
      - refresh: shell
        expect: {refresh_token: true, claims: {sub: alice}}
      - refresh: shell
`)
	if !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
}

// adminRecorder stands in for ssokit's admin API.
type adminRecorder struct {
	mu     sync.Mutex
	calls  []string
	status int
	answer string
}

func (a *adminRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.calls = append(a.calls, r.Method+" "+r.URL.Path+" "+string(b))
	a.mu.Unlock()
	st := a.status
	if st == 0 {
		st = http.StatusNoContent
	}
	return &http.Response{StatusCode: st, Status: http.StatusText(st), Body: io.NopCloser(strings.NewReader(a.answer)), Header: http.Header{}, Request: r}, nil
}

func TestFaultStepRequests(t *testing.T) {
	op := newFakeOP(t, nil)
	admin := &adminRecorder{}
	f, err := Parse("t.yaml", []byte(fakeApps+`flows:
  - steps:
      - fault: {endpoint: token, error: temporarily_unavailable, count: 1}
      - fault: rotate_keys
      - fault: end_sessions
      - fault: clear
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Issuer: op.URL + "/", Admin: admin}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	fr := res.Flows[0]
	if !fr.Passed {
		t.Fatalf("%v", steps(fr))
	}
	want := []string{
		`POST /_ssokit/faults {"count":1,"endpoint":"token","error":"temporarily_unavailable"}`,
		"POST /_ssokit/rotate-keys ",
		"POST /_ssokit/end-sessions ",
		"DELETE /_ssokit/faults ",
	}
	if !slices.Equal(admin.calls, want) {
		t.Errorf("admin calls:\n%q\nwant\n%q", admin.calls, want)
	}
	var outcomes []string
	for _, s := range fr.Steps {
		outcomes = append(outcomes, s.Outcome)
	}
	if w := []string{"installed", "signing key rotated", "every session ended", "faults cleared"}; !slices.Equal(outcomes, w) {
		t.Errorf("outcomes %q, want %q", outcomes, w)
	}
}

func TestFaultStepRefused(t *testing.T) {
	op := newFakeOP(t, nil)
	for _, tt := range []struct {
		status int
		want   string
	}{
		{http.StatusNotFound, "fault steps need ssokit's provider (its admin API at " + op.URL + "/_ssokit/ answered 404): nope"},
		{http.StatusBadRequest, "the provider refused the fault: Bad Request nope"},
	} {
		f, _ := Parse("t.yaml", []byte(fakeApps+"flows: [{steps: [{fault: clear}]}]"))
		res, err := (&Runner{Issuer: op.URL, Admin: &adminRecorder{status: tt.status, answer: "nope"}}).Run(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Flows[0].Steps[0].Failures; len(got) != 1 || got[0] != tt.want {
			t.Errorf("%d: failures %q, want %q", tt.status, got, tt.want)
		}
	}
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

func TestFaultStepUnreachable(t *testing.T) {
	op := newFakeOP(t, nil)
	f, _ := Parse("t.yaml", []byte(fakeApps+"flows: [{steps: [{fault: end_sessions}]}]"))
	res, err := (&Runner{Issuer: op.URL, Admin: failingTransport{}}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Flows[0].Steps[0].Failures[0]; got != "fault: "+op.URL+"/_ssokit/end-sessions: connection refused" {
		t.Errorf("failure %q", got)
	}
}

// A wait ends when the step's time is up, with the timeout's own message.
func TestWaitStepTimesOut(t *testing.T) {
	fr := runFake(t, newFakeOP(t, nil), "", "      - wait: 30m\n        timeout: 20ms\n      - silent: shell\n")
	if fr.Passed {
		t.Fatal("a 30m wait passed within a 20ms timeout")
	}
	if got := fr.Steps[0].Failures; len(got) != 1 || got[0] != "timed out after 20ms (the step timeout; set timeout: on the step or the file to change it)" {
		t.Errorf("failures %q", got)
	}
	if fr.Steps[1].Status != StatusSkip {
		t.Errorf("the step after a failure: %s, want skip", fr.Steps[1].Status)
	}
}

func TestWaitStepRunsOut(t *testing.T) {
	fr := runFake(t, newFakeOP(t, nil), "", "      - wait: 1ms\n")
	if !fr.Passed || fr.Steps[0].Outcome != "" || fr.Steps[0].Label != "wait 1ms" {
		t.Errorf("%v", steps(fr))
	}
}

func TestFaultLabel(t *testing.T) {
	for _, tt := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"clear": true}, "clear"},
		{map[string]any{"rotate_keys": true}, "rotate keys"},
		{map[string]any{"endpoint": "userinfo", "status": "503", "latency": "2s"}, "userinfo latency=2s status=503"},
		{map[string]any{"error": "invalid_grant", "client_id": "shell", "count": 3}, "* client_id=shell error=invalid_grant ×3"},
	} {
		if got := faultLabel(tt.body); got != tt.want {
			t.Errorf("faultLabel(%v) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestOutcomeDescribe(t *testing.T) {
	for _, tt := range []struct {
		o    outcome
		want string
	}{
		{outcome{err: errors.New("boom")}, "failed"},
		{outcome{authErr: &oidc.Error{Code: "login_required", Description: "no session"}}, "error login_required: no session"},
		{outcome{tokens: &tokenSet{IDClaims: map[string]any{"sub": "alice", "sid": "0123456789"}}}, "tokens (sub alice, sid 01234567…)"},
		{outcome{tokens: &tokenSet{IDClaims: map[string]any{"sid": "short"}, RefreshToken: "r"}}, "tokens (sid short, refresh token)"},
		{outcome{tokens: &tokenSet{}}, "tokens"},
		{outcome{claims: map[string]any{"sub": "a", "email": "b"}}, "2 claims"},
		{outcome{frontchannel: []string{"a", "b"}, notes: []string{"signed out"}}, "front-channel logout: a, b; signed out"},
		{outcome{}, ""},
	} {
		if got := tt.o.describe(); got != tt.want {
			t.Errorf("describe() = %q, want %q", got, tt.want)
		}
	}
}

func TestBearerError(t *testing.T) {
	for h, want := range map[string]string{
		`Bearer error="invalid_token", error_description="expired"`: "invalid_token",
		`Bearer realm="x", error="insufficient_scope"`:              "insufficient_scope",
		`Bearer realm="x"`:           "",
		`Bearer error="unterminated`: "",
		"":                           "",
	} {
		if got := bearerError(h); got != want {
			t.Errorf("bearerError(%q) = %q, want %q", h, got, want)
		}
	}
}

func page(t *testing.T, rawURL, body string) *browser.Page {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return &browser.Page{URL: u, Status: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte(body)}
}

func TestLinks(t *testing.T) {
	p := page(t, "http://op.test/auth/logout", `<a href="/back?a=1&amp;b=2">x</a> <a href="http://localhost:5101/">y</a><a href="broken`)
	var got []string
	for _, u := range links(p) {
		got = append(got, u.String())
	}
	if want := []string{"http://op.test/back?a=1&b=2", "http://localhost:5101/"}; !slices.Equal(got, want) {
		t.Errorf("links %q, want %q", got, want)
	}
}

func TestFormErrorAndPageSummary(t *testing.T) {
	p := page(t, "http://op.test/login", `<html><title>Sign in</title><p role="alert">Wrong password.</p><form></form></html>`)
	if got := formError(p); got != "Wrong password." {
		t.Errorf("formError = %q", got)
	}
	if got := pageSummary(p); got != "page Sign in · Wrong password." {
		t.Errorf("pageSummary = %q", got)
	}
	bare := page(t, "http://op.test/x", "plain failure")
	if got := pageSummary(bare); got != "plain failure" {
		t.Errorf("pageSummary without title = %q", got)
	}
	if got := formError(bare); got != "plain failure" {
		t.Errorf("formError without an alert = %q", got)
	}
}

func TestStepsNeedTheirEndpoints(t *testing.T) {
	fr := runFake(t, newFakeOP(t, func(o *fakeOP) { o.noEndpoints = true }), "", `      - login: {app: shell, user: alice}
      - userinfo: shell
`)
	if got := fr.Steps[1].Failures; len(got) != 1 || got[0] != "the provider's discovery document has no userinfo_endpoint" {
		t.Errorf("userinfo: %q", got)
	}
	fr = runFake(t, newFakeOP(t, func(o *fakeOP) { o.noEndpoints = true }), "", "      - logout: shell\n")
	if got := fr.Steps[0].Failures; len(got) != 1 || got[0] != "the provider's discovery document has no end_session_endpoint" {
		t.Errorf("logout: %q", got)
	}
}

// userinfo's errors: a JSON error body or the bare status; a body that is
// no JSON object is the provider's mistake.
func TestUserinfoErrors(t *testing.T) {
	for _, tt := range []struct {
		status      int
		body        string
		outcome     string
		failureHint string
	}{
		{401, `{"error":"invalid_token","error_description":"expired"}`, "error invalid_token: expired", "expected claims, got error invalid_token"},
		{403, ``, "error http_403", "expected claims, got error http_403"},
		{200, `["not", "an", "object"]`, "failed", `userinfo answered with no JSON object: ["not", "an", "object"]`},
	} {
		op := newFakeOP(t, func(o *fakeOP) { o.userinfoStatus, o.userinfoBody = tt.status, tt.body })
		fr := runFake(t, op, "", "      - login: {app: shell, user: alice}\n      - userinfo: shell\n")
		s := fr.Steps[1]
		if s.Outcome != tt.outcome || len(s.Failures) != 1 || !strings.Contains(s.Failures[0], tt.failureHint) {
			t.Errorf("%d %s: outcome %q, failures %q", tt.status, tt.body, s.Outcome, s.Failures)
		}
	}
	// A logout drops the app's tokens.
	fr := runFake(t, newFakeOP(t, nil), "", `      - login: {app: shell, user: alice}
      - logout: shell
      - userinfo: shell
`)
	if got := fr.Steps[2].Failures; len(got) != 1 || !strings.Contains(got[0], "shell holds no access token") {
		t.Errorf("userinfo after logout: %q", got)
	}
}

func TestLogoutConfirmationAndFailures(t *testing.T) {
	fr := runFake(t, newFakeOP(t, func(o *fakeOP) { o.logoutConfirm = true }), "", `      - login: {app: shell, user: alice}
      - logout: shell
        expect: {frontchannel: [account]}
      - silent: shell
        expect: {error: login_required}
`)
	if !fr.Passed {
		t.Errorf("logout with a confirmation: %v", steps(fr))
	}
	fr = runFake(t, newFakeOP(t, func(o *fakeOP) { o.logoutStatus = http.StatusBadRequest }), "", "      - logout: shell\n")
	if got := fr.Steps[0].Failures; len(got) != 1 || got[0] != "logout ended on 400 at /logout?client_id=shell&… (page Logout failed invalid post_logout_redirect_uri)" {
		t.Errorf("failed logout: %q", got)
	}
	// A front-channel iframe that cannot load is noted, not fatal.
	fr = runFake(t, newFakeOP(t, func(o *fakeOP) { o.logoutIframe = "http://127.0.0.1:1/fc" }), "", "      - logout: shell\n")
	if !fr.Passed || !strings.Contains(fr.Steps[0].Outcome, "front-channel iframe http://127.0.0.1:1/fc failed: ") {
		t.Errorf("unreachable front-channel iframe: %v", steps(fr))
	}
}

// The authorization response arrives as the app's response_mode asks: in
// the query, the fragment, or a form posted to the redirect_uri.
func TestResponseModes(t *testing.T) {
	for _, mode := range []string{"query", "fragment", "form_post"} {
		op := newFakeOP(t, nil)
		f, err := Parse("t.yaml", []byte(`apps: {shell: {origin: "http://localhost:5101", response_mode: `+mode+`}}
users: {alice: {}}
flows: [{steps: [{login: {app: shell, user: alice}, expect: {claims: {sub: alice}}}, {silent: shell}]}]
`))
		if err != nil {
			t.Fatal(err)
		}
		res, err := (&Runner{Issuer: op.URL}).Run(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if fr := res.Flows[0]; !fr.Passed {
			t.Errorf("%s: %v", mode, steps(fr))
		}
	}
}

func TestAuthorizationDeadEnds(t *testing.T) {
	for _, tt := range []struct {
		name  string
		knobs func(*fakeOP)
		want  string
	}{
		{"not a page", func(o *fakeOP) { o.authorizeJSON = true },
			`the provider answered 500 at /authorize?client_id=shell&… instead of redirecting to the app: {"error":"server_error"}`},
		{"elsewhere on the app", func(o *fakeOP) { o.redirectTo = "http://localhost:5101/other" },
			"the provider sent the browser to http://localhost:5101/other?code="},
	} {
		fr := runFake(t, newFakeOP(t, tt.knobs), "", "      - login: {app: shell, user: alice}\n")
		if fr.Passed || !strings.Contains(fr.Steps[0].Failures[0], tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, steps(fr), tt.want)
		}
	}
}
