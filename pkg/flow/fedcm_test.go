package flow

import (
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
