package flow

import (
	"strings"
	"testing"
)

// TestStorageAccessProfiles: per browser profile, what a storage-access
// step grants and what a later silent step in the cross-site iframe gets,
// with the session cookie SameSite=None (the only kind a grant unblocks).
func TestStorageAccessProfiles(t *testing.T) {
	const signIn = "      - login: {app: shell, user: alice}\n"
	tests := []struct {
		name, profile, sameSite, steps string
		// explanations expected in the storage-access steps, in order
		explain []string
	}{
		{"chrome allows third-party cookies: nothing to ask", "chrome", "None", signIn +
			"      - silent: xsite\n      - storage-access: xsite\n      - silent: xsite\n",
			[]string{"chrome allows third-party cookies, so the frame already has storage access"}},
		{"chrome-3pc-blocked: granted after the prompt, for 30 days", "chrome-3pc-blocked", "None", signIn +
			"      - silent: xsite\n        expect: {error: login_required}\n      - storage-access: xsite\n      - silent: xsite\n      - wait: 10ms\n      - silent: xsite\n      - storage-access: xsite\n",
			[]string{"Chrome granted http://localhost storage access on http://127.0.0.1 after the user said yes at the prompt, for 30 days", "Chrome remembers the grant for http://localhost on http://127.0.0.1"}},
		{"chrome-3pc-blocked: prompt declined", "chrome-3pc-blocked", "None", signIn +
			"      - storage-access: {app: xsite, prompt: decline}\n        expect: {error: access_denied}\n      - silent: xsite\n        expect: {error: login_required}\n",
			[]string{"the user declined Chrome's prompt to let http://localhost use its cookies on http://127.0.0.1"}},
		{"chrome-3pc-blocked: never visited the provider", "chrome-3pc-blocked", "None",
			"      - storage-access: xsite\n        expect: {error: access_denied}\n",
			[]string{"Chrome grants storage access only to a site the user has used at top level, and http://localhost was never visited at top level"}},
		{"chrome-3pc-blocked: a grant does not unblock a SameSite=Lax cookie", "chrome-3pc-blocked", "Lax", signIn +
			"      - storage-access: xsite\n      - silent: xsite\n        expect: {error: login_required}\n",
			[]string{"Chrome granted http://localhost storage access"}},
		{"safari: a click on every page, the prompt once", "safari", "None", signIn +
			"      - storage-access: xsite\n      - silent: xsite\n      - silent: xsite\n        expect: {error: login_required}\n      - storage-access: {app: xsite, prompt: decline}\n      - silent: xsite\n",
			[]string{"Safari granted http://localhost storage access on http://127.0.0.1 after the user said yes at the prompt, for this page only", "Safari granted http://localhost storage access on http://127.0.0.1 without prompting again, for this page only"}},
		{"firefox: no prompt, lifts the partition for 24h", "firefox", "None", signIn +
			"      - silent: xsite\n        expect: {error: login_required}\n      - storage-access: {app: xsite, prompt: decline}\n      - silent: xsite\n      - silent: xsite\n",
			[]string{"Firefox granted http://localhost storage access on http://127.0.0.1 without a prompt, for 24 hours"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := runFake(t, newFakeOP(t, func(o *fakeOP) { o.sameSite = tt.sameSite }), tt.profile, tt.steps)
			if !fr.Passed {
				t.Fatalf("flow failed: %+v", steps(fr))
			}
			var got []string
			for _, s := range fr.Steps {
				if s.Kind == StepStorageAccess {
					got = append(got, s.Explanation)
					if !strings.Contains(s.Explanation, "checked against") {
						t.Errorf("explanation cites nothing: %q", s.Explanation)
					}
				}
			}
			if len(got) != len(tt.explain) {
				t.Fatalf("explanations %q, want %d", got, len(tt.explain))
			}
			for i, want := range tt.explain {
				if !strings.Contains(got[i], want) {
					t.Errorf("explanation %d:\n got %q\nwant it to contain %q", i, got[i], want)
				}
			}
		})
	}
}

func TestStorageAccessStepParse(t *testing.T) {
	_, err := Parse("t.yaml", []byte(fakeApps+"flows:\n  - name: t\n    steps:\n      - storage-access: {app: xsite, prompt: maybe}\n"))
	if err == nil || !strings.Contains(err.Error(), "accept or decline") || !strings.Contains(err.Error(), "t.yaml:") {
		t.Fatalf("err = %v", err)
	}
}
