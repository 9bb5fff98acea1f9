package flow

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestShortURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://op.test":                           "/",
		"http://op.test/authorize":                 "/authorize",
		"http://op.test/authorize?client_id=shell": "/authorize?client_id=shell",
		"http://op.test/authorize?state=s&client_id=shell&prompt=none&code_challenge=x": "/authorize?client_id=shell&prompt=none&…",
		"http://app.test/callback?code=secret&state=s":                                  "/callback?…",
		"http://app.test/callback?error=login_required&state=s":                         "/callback?error=login_required&…",
		"http://app.test/cb?response_mode=fragment":                                     "/cb?response_mode=fragment",
	} {
		if got := shortURL(mustURL(t, in)); got != want {
			t.Errorf("shortURL(%s) = %q, want %q", in, got, want)
		}
	}
	if got := shortURL(nil); got != "" {
		t.Errorf("shortURL(nil) = %q", got)
	}
}

// a flowRun for an issuer mounted under /auth on an app's origin.
func mountedRun(t *testing.T) *flowRun {
	f, err := Parse("t.yaml", []byte(`apps:
  shell: {origin: http://localhost:5101}
  account: {origin: http://localhost:5102, redirect_uri: http://localhost:5101/account/callback}
users: {alice: {}}
flows: [{steps: [{silent: shell}]}]
`))
	if err != nil {
		t.Fatal(err)
	}
	return &flowRun{file: f, issuerURL: mustURL(t, "http://localhost:5101/auth/")}
}

func TestPartyAndIntercepts(t *testing.T) {
	fr := mountedRun(t)
	for _, tt := range []struct {
		url        string
		party      string
		intercepts bool
	}{
		{"http://localhost:5101/auth", "provider", false},
		{"http://localhost:5101/auth/authorize?x=1", "provider", false},
		{"http://localhost:5101/authx", "shell", true}, // not under the mount
		{"http://localhost:5101/callback", "shell", true},
		{"http://localhost:5101/account/callback", "account", true}, // a redirect_uri names its app
		{"http://LOCALHOST:5102/", "account", true},
		{"http://127.0.0.1:5101/", "127.0.0.1:5101", false},
	} {
		u := mustURL(t, tt.url)
		if got := fr.party(u); got != tt.party {
			t.Errorf("party(%s) = %q, want %q", tt.url, got, tt.party)
		}
		if got := fr.intercepts(u); got != tt.intercepts {
			t.Errorf("intercepts(%s) = %t, want %t", tt.url, got, tt.intercepts)
		}
	}
	if got := fr.party(nil); got != "browser" {
		t.Errorf("party(nil) = %q", got)
	}
	fr.issuerURL = mustURL(t, "http://op.test")
	if !fr.underIssuer(mustURL(t, "http://op.test/anything")) || fr.underIssuer(mustURL(t, "https://op.test/")) {
		t.Error("an issuer at the root owns its whole origin, and only it")
	}
}

func TestTraceLines(t *testing.T) {
	fr := mountedRun(t)
	app, op := mustURL(t, "http://localhost:5102/"), mustURL(t, "http://localhost:5101/auth/authorize?client_id=account&state=s")
	cb := mustURL(t, "http://localhost:5101/account/callback?code=c")
	got := fr.traceLines([]browser.Exchange{
		{Context: browser.IFrame, Navigation: true, Method: "GET", URL: op, Initiator: app, Status: 302,
			Sent:    []browser.Cookie{{Name: "csrf"}},
			Blocked: []browser.Blocked{{Cookie: browser.Cookie{Name: "sess"}, Reasons: []browser.BlockReason{browser.BlockThirdParty, browser.BlockSameSiteLax}}}},
		{Context: browser.IFrame, Navigation: true, Method: "GET", URL: cb, Initiator: app, RedirectedBy: op, Note: "intercepted"},
		{Context: browser.TopLevel, Method: "POST", URL: mustURL(t, "http://localhost:5101/auth/token"), Initiator: app,
			Err: &url.Error{Op: "Post", URL: "http://localhost:5101/auth/token", Err: errors.New("connection reset")}},
	})
	want := []TraceLine{
		{From: "account", To: "provider", Context: "iframe", Method: "GET", URL: "/auth/authorize?client_id=account&…", Status: 302,
			Sent: []string{"csrf"}, Blocked: []string{"sess (ThirdPartyBlocked, SameSiteLax)"}},
		{From: "provider", To: "account", Context: "iframe", Method: "GET", URL: "/account/callback?…", Note: "intercepted"},
		{From: "account", To: "provider", Context: "fetch", Method: "POST", URL: "/auth/token", Note: "connection reset"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.From != w.From || g.To != w.To || g.Context != w.Context || g.Method != w.Method || g.URL != w.URL ||
			g.Status != w.Status || g.Note != w.Note || !slices.Equal(g.Sent, w.Sent) || !slices.Equal(g.Blocked, w.Blocked) {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// --browser (Runner.Profiles) runs every flow under each profile; without
// it a flow runs under its own browser or the file's.
func TestRunProfiles(t *testing.T) {
	op := newFakeOP(t, nil)
	f, err := Parse("t.yaml", []byte(fakeApps+`browser: firefox
flows:
  - name: a
    steps: [{silent: shell, expect: {error: login_required}}]
  - name: b
    browser: safari
    steps: [{silent: shell, expect: {error: login_required}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	names := func(res *Result) []string {
		var out []string
		for _, fl := range res.Flows {
			out = append(out, fl.Name+"/"+fl.Browser)
		}
		return out
	}
	res, err := (&Runner{Issuer: op.URL}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(res), []string{"a/firefox", "b/safari"}; !slices.Equal(got, want) {
		t.Errorf("own browsers: %q, want %q", got, want)
	}
	if !res.Passed() || res.File != "t.yaml" || res.Issuer != op.URL {
		t.Errorf("result: %+v", res)
	}
	res, err = (&Runner{Issuer: op.URL, Profiles: []string{"chrome", "safari"}, Parallel: 3}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(res), []string{"a/chrome", "a/safari", "b/chrome", "b/safari"}; !slices.Equal(got, want) {
		t.Errorf("every profile: %q, want %q", got, want)
	}
}

func TestUnknownProfileFailsTheFlow(t *testing.T) {
	op := newFakeOP(t, nil)
	f, _ := Parse("t.yaml", []byte(fakeApps+"flows: [{steps: [{silent: shell}]}]"))
	res, err := (&Runner{Issuer: op.URL, Profiles: []string{"netscape"}}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	fl := res.Flows[0]
	if fl.Passed || res.Passed() || len(fl.Steps) != 1 || fl.Steps[0].Kind != "setup" || !strings.Contains(fl.Steps[0].Failures[0], `unknown browser profile "netscape"`) {
		t.Errorf("flow: %+v %v", fl, steps(fl))
	}
}

// A flow with fault steps runs alone, after the others, so that its faults
// reach none of them.
func TestFaultFlowsRunAfterTheOthers(t *testing.T) {
	op := newFakeOP(t, nil)
	f, err := Parse("t.yaml", []byte(fakeApps+`flows:
  - name: faulty
    steps: [{fault: clear}, {silent: xsite, expect: {error: login_required}}]
  - name: one
    steps: [{silent: shell, expect: {error: login_required}}]
  - name: two
    steps: [{silent: account, expect: {error: login_required}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	// One log for both transports, so the admin call takes its place.
	shared := &sharedLog{}
	res, err := (&Runner{Issuer: op.URL, Parallel: 4, Transport: shared.wrap(browser.DefaultTransport()), Admin: shared.wrap(&adminRecorder{})}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() {
		t.Fatalf("%v %v %v", steps(res.Flows[0]), steps(res.Flows[1]), steps(res.Flows[2]))
	}
	if res.Flows[0].Name != "faulty" {
		t.Errorf("results are in file order; got %s first", res.Flows[0].Name)
	}
	admin := slices.Index(shared.log, "/_ssokit/faults")
	last := max(slices.Index(shared.log, "shell/authorize"), slices.Index(shared.log, "account/authorize"))
	if admin < 0 || last < 0 || admin < last || slices.Index(shared.log, "xsite/authorize") < admin {
		t.Errorf("request order %q: the fault flow must start after the others", shared.log)
	}
}

// sharedLog logs the requests of a run in the order they happen.
type sharedLog struct {
	mu  sync.Mutex
	log []string
}

type logged struct {
	l  *sharedLog
	tr http.RoundTripper
}

func (s *sharedLog) wrap(tr http.RoundTripper) http.RoundTripper { return logged{s, tr} }

func (l logged) RoundTrip(r *http.Request) (*http.Response, error) {
	l.l.mu.Lock()
	l.l.log = append(l.l.log, r.URL.Query().Get("client_id")+r.URL.Path)
	l.l.mu.Unlock()
	return l.tr.RoundTrip(r)
}

// cancelling answers the admin API and then cancels the run, as Ctrl-C
// would in the middle of a step.
type cancelling struct{ cancel context.CancelFunc }

func (c cancelling) RoundTrip(r *http.Request) (*http.Response, error) {
	c.cancel()
	return (&adminRecorder{}).RoundTrip(r)
}

func TestInterruptedRun(t *testing.T) {
	op := newFakeOP(t, nil)
	f, _ := Parse("t.yaml", []byte(fakeApps+"flows: [{steps: [{fault: clear}, {silent: shell}]}]"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := (&Runner{Issuer: op.URL, Admin: cancelling{cancel}}).Run(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	fl := res.Flows[0]
	if fl.Passed || fl.Steps[0].Status != StatusFail || fl.Steps[1].Status != StatusSkip {
		t.Fatalf("%v", steps(fl))
	}
	if got := fl.Steps[0].Failures; !slices.Contains(got, "interrupted: context canceled") {
		t.Errorf("failures %q, want the interruption", got)
	}
}

func TestHasFault(t *testing.T) {
	st := parseSteps(t, "      - silent: shell\n      - wait: 1s\n")
	if hasFault(&Flow{Steps: st}) {
		t.Error("a flow without fault steps has one")
	}
	st = append(st, parseSteps(t, "      - fault: clear\n")...)
	if !hasFault(&Flow{Steps: st}) {
		t.Error("a flow with a fault step has none")
	}
}
