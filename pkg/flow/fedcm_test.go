package flow

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFedCMStepFakeOP: against a provider without FedCM (the fake OP
// publishes no /.well-known/web-identity) the step ends with
// fedcm_unavailable and says so; safari and firefox have no FedCM at all.
// The fedcm step against ssokit's provider is tested in pkg/cmd/flow/run
// (TestFedCMStepAgainstSSOkit, TestSimulatorAgreesWithChromium), which may
// import both.
func TestFedCMStepFakeOP(t *testing.T) {
	const signIn = "      - login: {app: shell, user: alice}\n"
	tests := []struct{ profile, steps, explain string }{
		{"chrome", signIn + "      - fedcm: xsite\n        expect: {error: fedcm_unavailable}\n",
			"the provider is not a FedCM identity provider: http://localhost:"},
		{"chrome-3pc-blocked", signIn + "      - fedcm: {app: xsite, mediation: silent, response: code}\n        expect: {error: fedcm_unavailable}\n",
			"/.well-known/web-identity answered 404"},
		{"safari", signIn + "      - fedcm: xsite\n        expect: {error: fedcm_unsupported}\n",
			"Safari does not support FedCM, so navigator.credentials.get({identity}) fails on http://127.0.0.1:5103: the app must fall back to signing in by redirect or popup (the safari profile models: Safari does not implement FedCM; checked against "},
		{"firefox", signIn + "      - fedcm: xsite\n        expect: {error: fedcm_unsupported}\n",
			"Firefox does not support FedCM"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			fr := runFake(t, newFakeOP(t, nil), tt.profile, tt.steps)
			if !fr.Passed {
				t.Fatalf("flow failed: %+v", steps(fr))
			}
			if got := fr.Steps[1].Explanation; !strings.Contains(got, tt.explain) {
				t.Errorf("explanation %q\nwant it to contain %q", got, tt.explain)
			}
		})
	}
}

func TestFedCMStepParse(t *testing.T) {
	f, err := Parse("t.yaml", []byte(fakeApps+"flows:\n  - name: t\n    steps:\n      - fedcm: xsite\n      - fedcm: {app: shell, account: alice, mediation: silent, response: code, origin: http://evil.example/}\n"))
	if err != nil {
		t.Fatal(err)
	}
	short, long := f.Flows[0].Steps[0].act.(*fedcmStep), f.Flows[0].Steps[1].act.(*fedcmStep)
	if short.App != "xsite" || short.Silent || short.Code || short.label() != "fedcm xsite" {
		t.Errorf("short form: %+v %q", short, short.label())
	}
	if !long.Silent || !long.Code || long.Account != "alice" || long.Origin != "http://evil.example" ||
		long.label() != "fedcm shell as alice (silent, code, from http://evil.example)" {
		t.Errorf("long form: %+v %q", long, long.label())
	}
}

// FuzzFedCMResponses: whatever a provider answers at its FedCM endpoints
// (untrusted JSON, statuses, headers), the fedcm step ends with an outcome
// and never panics; tokens come only from a token the provider signed
// with the app's nonce, which a fuzzed body cannot forge.
func FuzzFedCMResponses(f *testing.F) {
	f.Add(`{"provider_urls":["/fedcm.json"]}`, `{"accounts_endpoint":"/a","id_assertion_endpoint":"/i","client_metadata_endpoint":"/m"}`,
		`{"accounts":[{"id":"alice","approved_clients":["xsite"]}]}`, `{"token":"x.y.z"}`, 200, true)
	f.Add(`{"provider_urls":["http://evil.example/fedcm.json"]}`, `{}`, `{}`, `{}`, 200, false)
	f.Add(`{"provider_urls":[]}`, `{"accounts_endpoint":"http://other:1/a"}`, `{"accounts":[]}`, `{"error":{"code":"access_denied"}}`, 403, false)
	f.Add(`[]`, `null`, `{"accounts":[{"id":""}]}`, `{"error":"x"}`, 500, true)
	f.Add(`{"provider_urls":["/fedcm.json"],"accounts_endpoint":"/a","login_url":"/l"}`, `{"accounts_endpoint":"/a","id_assertion_endpoint":"/i","login_url":"/l"}`,
		`{"accounts":[{"id":"alice","approved_clients":null}]}`, `{"continue_on":"/c"}`, 200, true)
	f.Fuzz(func(t *testing.T, wk, cfg, accounts, assertion string, status int, cors bool) {
		if status < 200 || status > 599 {
			status = 200
		}
		// in memory: no sockets (a fuzzing run would exhaust the ports)
		const base = "http://fedcm.example"
		fix := func(s string) string { return strings.ReplaceAll(s, `"/`, `"`+base+`/`) }
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/.well-known/openid-configuration":
				fmt.Fprintf(w, `{"issuer":"%s/","authorization_endpoint":"%s/authorize","token_endpoint":"%s/token","jwks_uri":"%s/jwks"}`, base, base, base, base)
			case "/.well-known/web-identity":
				fmt.Fprint(w, fix(wk))
			case "/fedcm.json":
				fmt.Fprint(w, fix(cfg))
			case "/a":
				fmt.Fprint(w, accounts)
			case "/i":
				if cors {
					w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
					w.Header().Set("Access-Control-Allow-Credentials", "true")
				}
				w.WriteHeader(status)
				fmt.Fprint(w, assertion)
			default:
				http.NotFound(w, r)
			}
		})
		file, err := Parse("t.yaml", []byte(fakeApps+"flows:\n  - name: t\n    steps:\n      - fedcm: xsite\n      - fedcm: {app: xsite, mediation: silent, response: code}\n"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := (&Runner{Issuer: base + "/", Transport: handlerTransport{h}}).Run(context.Background(), file)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Flows[0].Steps {
			if s.Status == StatusPass && strings.HasPrefix(s.Outcome, "tokens") {
				t.Fatalf("tokens from a fuzzed provider: %+v", s)
			}
		}
	})
}

// handlerTransport serves requests with h in memory.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, r)
	return w.Result(), nil
}

// TestFedCMConfigOfTheIssuer: with an issuer under a path (a tenant), the
// app's config file is the one under the issuer among the well-known
// file's provider_urls; when none is, the step says the accounts came
// from another issuer's config.
func TestFedCMConfigOfTheIssuer(t *testing.T) {
	const base = "http://tenants.example"
	for _, tt := range []struct {
		name, providerURLs, want string
	}{
		{"two configs, the tenant's picked", `["/fedcm.json", "/acme/fedcm.json"]`, "/acme/a"},
		{"only the root's", `["/fedcm.json"]`, "note: the FedCM config file http://tenants.example/fedcm.json is not under the issuer http://tenants.example/acme/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var accountsAt string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/acme/.well-known/openid-configuration":
					fmt.Fprintf(w, `{"issuer":"%s/acme/","authorization_endpoint":"%s/acme/authorize","token_endpoint":"%s/acme/token","jwks_uri":"%s/acme/jwks"}`, base, base, base, base)
				case "/.well-known/web-identity":
					fmt.Fprintf(w, `{"provider_urls":%s}`, strings.ReplaceAll(tt.providerURLs, `"/`, `"`+base+`/`))
				case "/fedcm.json":
					fmt.Fprint(w, `{"accounts_endpoint":"/a","id_assertion_endpoint":"/i"}`)
				case "/acme/fedcm.json":
					fmt.Fprint(w, `{"accounts_endpoint":"/acme/a","id_assertion_endpoint":"/acme/i"}`)
				case "/a", "/acme/a":
					accountsAt = r.URL.Path
					fmt.Fprint(w, `{"accounts":[]}`)
				default:
					http.NotFound(w, r)
				}
			})
			file, err := Parse("t.yaml", []byte(fakeApps+"flows:\n  - name: t\n    steps:\n      - fedcm: xsite\n        expect: {error: login_required}\n"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := (&Runner{Issuer: base + "/acme/", Transport: handlerTransport{h}}).Run(context.Background(), file)
			if err != nil {
				t.Fatal(err)
			}
			s := res.Flows[0].Steps[0]
			if s.Status != StatusPass || !strings.Contains(accountsAt+" "+s.Explanation, tt.want) {
				t.Fatalf("accounts asked at %s; %s: %s", accountsAt, s.Outcome, s.Explanation)
			}
		})
	}
}
