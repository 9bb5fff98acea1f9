package run_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmd/flow/run"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// fedcmApps: shell is same-site with the embedded provider (localhost),
// account is cross-site (127.0.0.1).
const fedcmApps = `apps:
  shell: {origin: http://localhost:5101}
  account: {origin: http://127.0.0.1:5102}
users: {alice: {password: alice}, bob: {password: bob}}
`

// recorder keeps every request the simulated browser sent.
type recorder struct {
	rt   http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	c := req.Clone(req.Context())
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			c.Body = b
			_ = c.ParseForm()
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, c)
	r.mu.Unlock()
	return r.rt.RoundTrip(req)
}

func (r *recorder) take(path string) []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*http.Request
	for _, q := range r.reqs {
		if q.URL.Path == path {
			out = append(out, q)
		}
	}
	return out
}

// runFlows runs src's flows (fedcmApps prepended) against ssokit's real
// provider, started in-process from provFile's apps and users (src's when
// provFile is empty).
func runFlows(t *testing.T, head, src, provFile string, rec *recorder) *flow.Result {
	t.Helper()
	f, err := flow.Parse("t.yaml", []byte(head+fedcmApps+src))
	if err != nil {
		t.Fatal(err)
	}
	pf := f
	if provFile != "" {
		if pf, err = flow.Parse("p.yaml", []byte(provFile)); err != nil {
			t.Fatal(err)
		}
	}
	issuer, stop, err := run.StartEmbedded(context.Background(), pf, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	r := &flow.Runner{Issuer: issuer}
	if rec != nil {
		rec.rt = browser.DefaultTransport()
		r.Transport = rec
	}
	res, err := r.Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func stepLines(fr *flow.FlowResult) string {
	var b strings.Builder
	for _, s := range fr.Steps {
		b.WriteString("  " + s.Status + " " + s.Label + ": " + s.Outcome + " | " + strings.Join(s.Failures, "; ") + "\n")
	}
	return b.String()
}

// TestFedCMStepAgainstSSOkit: the fedcm step against ssokit's own
// provider, per profile and cookie setting: an app cross-site to the
// provider signs in through FedCM with third-party cookies blocked (ID
// token, then a code exchanged with PKCE), is refused silent sign-in until
// the account approved it, and then signs in silently; Safari and Firefox
// have no FedCM; a SameSite=Lax session cookie leaves the accounts list
// empty; a page on another origin, or a client the provider does not know,
// is refused. Each outcome carries its one-sentence explanation.
func TestFedCMStepAgainstSSOkit(t *testing.T) {
	signIn := "      - login: {app: shell, user: alice}\n"
	tests := []struct {
		name, head, steps string
		profiles          []string
		// explanations expected in the fedcm steps, in order
		explain []string
	}{
		{"cross-site sign-in, then silent", "session_cookie: {same_site: none}\n", signIn +
			"      - fedcm: {app: account, mediation: silent}\n        expect: {error: interaction_required}\n" +
			"      - fedcm: account\n        expect: {tokens: true, same_session_as: shell, claims: {aud: account}, signature: verified}\n" +
			"      - fedcm: {app: account, mediation: silent, response: code}\n        expect: {tokens: true, refresh_token: true, same_session_as: shell, signature: verified}\n" +
			"      - fedcm: {app: account, mediation: silent}\n        expect: {error: interaction_required}\n" +
			"      - refresh: account\n        expect: {tokens: true}\n",
			[]string{"chrome", "chrome-3pc-blocked"},
			[]string{"Chrome signs an account in without UI only when the user chose it for http://127.0.0.1:5102 through FedCM in this browser before, and alice never did: mediation silent fails, the app must show the account chooser",
				"the user picked alice in Chrome's account chooser, and the ID assertion endpoint answered account with an ID token",
				"Chrome signed alice in without UI (auto re-authentication: the user chose alice for this app through FedCM before), and the ID assertion endpoint answered account with a code, exchanged with PKCE",
				"Chrome signs an account in without UI at most once per 10m0s on an app, and did so on http://127.0.0.1:5102 at "}},
		{"approved_clients alone do not make a returning account", "session_cookie: {same_site: none}\n", signIn +
			"      - redirect: account\n      - fedcm: {app: account, mediation: silent}\n        expect: {error: interaction_required}\n",
			[]string{"chrome-3pc-blocked"},
			[]string{"alice never did (the provider's approved_clients list account, which Chrome does not take for the user's choice)"}},
		{"a code at the first sign-in", "session_cookie: {same_site: none}\n", signIn +
			"      - fedcm: {app: account, account: alice, response: code}\n        expect: {tokens: true, claims: {sub: alice}}\n",
			[]string{"chrome-3pc-blocked"}, []string{"a code, exchanged with PKCE for tokens"}},
		{"unsupported", "session_cookie: {same_site: none}\n", signIn +
			"      - fedcm: account\n        expect: {error: fedcm_unsupported}\n",
			[]string{"safari", "firefox"}, []string{"does not support FedCM, so navigator.credentials.get({identity}) fails on http://127.0.0.1:5102"}},
		{"SameSite=Lax: no account", "session_cookie: {same_site: lax}\n", signIn +
			"      - fedcm: account\n        expect: {error: login_required}\n" +
			"      - fedcm: account\n        expect: {error: login_required}\n",
			[]string{"chrome", "chrome-3pc-blocked"},
			[]string{"session cookie (ssokit_session, SameSite=Lax) is not SameSite=None, and Chrome sends only SameSite=None cookies with FedCM requests, so the accounts endpoint answered 401 login_required: set SameSite=None; Secure on it (session_cookie: {same_site: none}) (the provider had said Set-Login: logged-in",
				"the provider last told Chrome Set-Login: logged-out, so Chrome does not even ask its accounts endpoint"}},
		{"never signed in", "session_cookie: {same_site: none}\n",
			"      - fedcm: account\n        expect: {error: login_required}\n",
			[]string{"chrome-3pc-blocked"}, []string{"Chrome has no cookie of the provider to send with the FedCM accounts request"}},
		{"signed out: Set-Login logged-out", "session_cookie: {same_site: none}\n", signIn +
			"      - fedcm: account\n      - logout: shell\n      - fedcm: account\n        expect: {error: login_required}\n",
			[]string{"chrome-3pc-blocked"}, []string{"the ID assertion endpoint answered account with an ID token", "the provider last told Chrome Set-Login: logged-out"}},
		{"another account than the signed-in one", "session_cookie: {same_site: none}\n", signIn +
			"      - fedcm: {app: account, account: bob}\n        expect: {error: login_required}\n",
			[]string{"chrome"}, []string{"the provider's accounts endpoint lists alice, not bob"}},
		{"a page on an unregistered origin", "session_cookie: {same_site: none}\n", signIn +
			"      - fedcm: {app: account, origin: http://evil.example}\n        expect: {error: unauthorized_client, tokens: false}\n" +
			"      - fedcm: {app: account, origin: http://localhost:5101}\n        expect: {error: unauthorized_client}\n",
			[]string{"chrome-3pc-blocked"},
			[]string{`refused alice for account on http://evil.example with unauthorized_client (origin "http://evil.example" is not one of client account's origins`,
				"refused alice for account on http://localhost:5101 with unauthorized_client"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range tt.profiles {
				f, _ := flow.Parse("t.yaml", []byte(tt.head+fedcmApps+"flows:\n  - name: t\n    browser: "+p+"\n    steps:\n"+tt.steps))
				issuer, stop, err := run.StartEmbedded(context.Background(), f, nil)
				if err != nil {
					t.Fatal(err)
				}
				r, err := (&flow.Runner{Issuer: issuer}).Run(context.Background(), f)
				stop()
				if err != nil {
					t.Fatal(err)
				}
				fr := r.Flows[0]
				if !fr.Passed {
					t.Fatalf("%s: flow failed:\n%s", p, stepLines(fr))
				}
				var got []string
				for _, s := range fr.Steps {
					if s.Kind == flow.StepFedCM {
						got = append(got, s.Explanation)
						if !strings.Contains(s.Explanation, "(the "+p+" profile models: ") || !strings.Contains(s.Explanation, "checked against ") {
							t.Errorf("%s: explanation cites no model: %q", p, s.Explanation)
						}
					}
				}
				if len(got) != len(tt.explain) {
					t.Fatalf("%s: explanations %q, want %d", p, got, len(tt.explain))
				}
				for i, want := range tt.explain {
					if !strings.Contains(got[i], want) {
						t.Errorf("%s: explanation %d:\n got %q\nwant it to contain %q", p, i, got[i], want)
					}
				}
			}
		})
	}
}

// TestFedCMStepFailsWithoutExpect: an unsupported browser fails a fedcm
// step that expects tokens, saying why in one sentence.
func TestFedCMStepFailsWithoutExpect(t *testing.T) {
	res := runFlows(t, "browser: safari\n", "flows:\n  - name: t\n    steps:\n      - login: {app: shell, user: alice}\n      - fedcm: account\n", "", nil)
	fr := res.Flows[0]
	st := fr.Steps[1]
	if fr.Passed || st.Status != flow.StatusFail || !strings.HasPrefix(st.Explanation, "Safari does not support FedCM") ||
		!strings.Contains(strings.Join(st.Failures, ";"), "fedcm_unsupported") {
		t.Fatalf("%s\nexplanation %q", stepLines(fr), st.Explanation)
	}
}

// TestFedCMUnregisteredClient: an app whose client_id the provider does
// not know is refused by the ID assertion endpoint (invalid_client).
func TestFedCMUnregisteredClient(t *testing.T) {
	prov := "session_cookie: {same_site: none}\napps:\n  shell: {origin: http://localhost:5101}\nusers: {alice: {password: alice}}\nflows: [{steps: [{wait: 1ms}]}]\n"
	res := runFlows(t, "", "flows:\n  - name: t\n    steps:\n      - login: {app: shell, user: alice}\n      - fedcm: account\n        expect: {error: invalid_client}\n", prov, nil)
	if fr := res.Flows[0]; !fr.Passed || !strings.Contains(fr.Steps[1].Explanation, `client_id "account" is not registered`) {
		t.Fatalf("%s\n%s", stepLines(fr), fr.Steps[1].Explanation)
	}
}

// TestFedCMRequestShapes: what the simulated browser sends is what
// Chromium sends: Sec-Fetch-Dest webidentity on every FedCM request, no
// cookies on the well-known, config and client metadata fetches, the
// provider's SameSite=None cookies (not its Lax ones) and no Origin on the
// accounts fetch, the app's Origin and the form fields Chromium sends on
// the ID assertion POST, and params with PKCE for a code.
func TestFedCMRequestShapes(t *testing.T) {
	rec := &recorder{}
	res := runFlows(t, "session_cookie: {same_site: none}\nbrowser: chrome-3pc-blocked\n", "flows:\n  - name: t\n    steps:\n"+
		"      - login: {app: shell, user: alice}\n      - fedcm: account\n      - fedcm: {app: account, mediation: silent, response: code}\n", "", rec)
	if fr := res.Flows[0]; !fr.Passed {
		t.Fatalf("flow failed:\n%s", stepLines(fr))
	}
	for _, path := range []string{"/.well-known/web-identity", "/fedcm.json", "/fedcm/client_metadata", "/fedcm/accounts", "/fedcm/assertion"} {
		reqs := rec.take(path)
		if len(reqs) != 2 {
			t.Fatalf("%s: %d requests, want 2", path, len(reqs))
		}
		for _, q := range reqs {
			if q.Header.Get("Sec-Fetch-Dest") != "webidentity" {
				t.Errorf("%s: Sec-Fetch-Dest %q", path, q.Header.Get("Sec-Fetch-Dest"))
			}
			cookie := q.Header.Get("Cookie")
			switch path {
			case "/fedcm/accounts", "/fedcm/assertion":
				if !strings.Contains(cookie, "ssokit_session=") {
					t.Errorf("%s: no session cookie: %q", path, cookie)
				}
				if strings.Contains(cookie, "ssokit_csrf") {
					t.Errorf("%s: a non-None cookie was sent: %q", path, cookie)
				}
			default:
				if cookie != "" {
					t.Errorf("%s: cookies sent on an uncredentialed FedCM fetch: %q", path, cookie)
				}
			}
			if path != "/fedcm/assertion" && q.Header.Get("Origin") != "" {
				t.Errorf("%s: Origin %q on a GET", path, q.Header.Get("Origin"))
			}
		}
	}
	if q := rec.take("/fedcm/client_metadata")[0]; q.URL.Query().Get("client_id") != "account" {
		t.Errorf("client metadata query %q", q.URL.RawQuery)
	}
	as := rec.take("/fedcm/assertion")
	first, second := as[0], as[1]
	if first.Header.Get("Origin") != "http://127.0.0.1:5102" || first.PostForm.Get("client_id") != "account" ||
		first.PostForm.Get("account_id") != "alice" || first.PostForm.Get("nonce") == "" ||
		first.PostForm.Get("disclosure_text_shown") != "true" || first.PostForm.Get("is_auto_selected") != "false" || first.PostForm.Get("params") != "" {
		t.Errorf("first ID assertion: Origin %q form %v", first.Header.Get("Origin"), first.PostForm)
	}
	params := second.PostForm.Get("params")
	if second.PostForm.Get("is_auto_selected") != "true" || second.PostForm.Get("disclosure_text_shown") != "false" ||
		!strings.Contains(params, `"response_type":"code"`) || !strings.Contains(params, `"code_challenge_method":"S256"`) {
		t.Errorf("silent code ID assertion: form %v", second.PostForm)
	}
	// the code went to the token endpoint with the PKCE verifier, no redirect_uri
	var tok *http.Request
	for _, q := range rec.take("/oauth/token") {
		if q.PostForm.Get("code_verifier") != "" && q.PostForm.Get("redirect_uri") == "" {
			tok = q
		}
	}
	if tok == nil || tok.PostForm.Get("client_id") != "account" {
		t.Errorf("no PKCE code exchange for the FedCM code")
	}
}

// TestFedCMAgainstOIDCProvider: panva's oidc-provider is no FedCM
// identity provider; the step says so plainly.
func TestFedCMAgainstOIDCProvider(t *testing.T) {
	issuer := startOIDCProvider(t)
	f, err := flow.Parse("t.yaml", []byte(`apps:
  shell: {client_id: shell, origin: http://localhost:5101, redirect_uri: http://localhost:5101/callback}
users: {alice: {password: any}}
flows:
  - name: fedcm
    steps:
      - login: {app: shell, user: alice}
      - fedcm: shell
        expect: {error: fedcm_unavailable}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&flow.Runner{Issuer: issuer}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	fr := res.Flows[0]
	u, _ := url.Parse(issuer)
	if !fr.Passed || !strings.HasPrefix(fr.Steps[1].Explanation, "the provider is not a FedCM identity provider: http://"+u.Host+"/.well-known/web-identity answered 404") {
		t.Fatalf("%s\n%s", stepLines(fr), fr.Steps[1].Explanation)
	}
}

// TestFedCMAutoReauthnAfterQuietPeriod: once the quiet period is over,
// Chrome signs the account the user chose before in without UI again,
// under mediation optional too (Chrome's documentation; Chromium measured
// only the refusal within the period, TestFedCMStepMatchesChromium). The
// clock of the browser and the provider jumps 11 minutes as each fedcm
// step starts.
func TestFedCMAutoReauthnAfterQuietPeriod(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	src := "session_cookie: {same_site: none}\nbrowser: chrome-3pc-blocked\n" + fedcmApps + `flows:
  - name: t
    steps:
      - login: {app: shell, user: alice}
      - fedcm: account
      - fedcm: account
      - fedcm: {app: account, mediation: silent}
`
	f, err := flow.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	issuer, stop, err := run.StartEmbedded(context.Background(), f, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := browser.DefaultTransport().RoundTrip(r)
		if r.URL.Path == "/.well-known/web-identity" {
			mu.Lock()
			now = now.Add(11 * time.Minute)
			mu.Unlock()
		}
		return resp, err
	})
	res, err := (&flow.Runner{Issuer: issuer, Now: clock, Transport: tr}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	fr := res.Flows[0]
	if !fr.Passed {
		t.Fatalf("flow failed:\n%s", stepLines(fr))
	}
	for i, want := range []string{"in Chrome's account chooser", "without UI (auto re-authentication", "without UI (auto re-authentication"} {
		if got := fr.Steps[i+1].Explanation; !strings.Contains(got, want) {
			t.Errorf("step %d: %q, want it to contain %q", i+2, got, want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestFedCMDisconnect: IdentityCredential.disconnect() posts the app's
// client_id and account hint to the provider's disconnect endpoint with
// the app's Origin and the provider's cookies; afterwards the browser no
// longer signs the account in without UI and the provider no longer lists
// the app in approved_clients (the chooser shows the disclosure text
// again). Without a FedCM sign-in there is nothing to disconnect; Safari
// has no FedCM.
func TestFedCMDisconnect(t *testing.T) {
	rec := &recorder{}
	res := runFlows(t, "session_cookie: {same_site: none}\nbrowser: chrome-3pc-blocked\n", `flows:
  - name: t
    steps:
      - login: {app: shell, user: alice}
      - fedcm-disconnect: account
        expect: {error: fedcm_not_connected}
      - fedcm: account
      - fedcm-disconnect: {app: account, account: alice}
      - fedcm: {app: account, mediation: silent}
        expect: {error: interaction_required}
      - fedcm: account
  - name: safari
    browser: safari
    steps:
      - fedcm-disconnect: account
        expect: {error: fedcm_unsupported}
`, "", rec)
	fr := res.Flows[0]
	if !res.Passed() {
		t.Fatalf("flows failed:\n%s%s", stepLines(fr), stepLines(res.Flows[1]))
	}
	for i, want := range map[int]string{
		1: "the user never signed in to http://127.0.0.1:5102 through FedCM with this provider in Chrome, so Chrome rejects disconnect() without asking the provider",
		3: "Chrome posted to the provider's disconnect endpoint for account (account hint alice), the provider answered account_id alice, and Chrome forgot that the user chose alice for http://127.0.0.1:5102",
		4: "and alice was disconnected since (fedcm-disconnect): mediation silent fails",
		5: "the user picked alice in Chrome's account chooser",
	} {
		if got := fr.Steps[i].Explanation; !strings.Contains(got, want) || !strings.Contains(got, "checked against") {
			t.Errorf("step %d: %q\nwant it to contain %q", i+1, got, want)
		}
	}
	dis := rec.take("/fedcm/disconnect")
	if len(dis) != 1 {
		t.Fatalf("%d disconnect requests, want 1 (none without a FedCM sign-in)", len(dis))
	}
	if d := dis[0]; d.Header.Get("Origin") != "http://127.0.0.1:5102" || d.Header.Get("Sec-Fetch-Dest") != "webidentity" ||
		!strings.Contains(d.Header.Get("Cookie"), "ssokit_session=") || d.PostForm.Get("client_id") != "account" || d.PostForm.Get("account_hint") != "alice" {
		t.Errorf("disconnect request: %v %v", d.Header, d.PostForm)
	}
	as := rec.take("/fedcm/assertion")
	if len(as) != 2 || as[1].PostForm.Get("disclosure_text_shown") != "true" {
		t.Errorf("after disconnect the provider still approves the app: %d assertions", len(as))
	}
}
