package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tabsFlows races one app's refresh token from three tabs, against the
// embedded provider with the reuse interval given.
func tabsFlows(interval string) string {
	return `provider: embedded
refresh_reuse_interval: ` + interval + `
apps:
  shell: {origin: http://localhost:5101}
users:
  alice: {password: pw}
flows:
  - name: race without a lock
    steps:
      - login: {app: shell, user: alice}
      - refresh: {app: shell, tabs: 3}
        expect: {tokens: true}
      - refresh: shell
        expect: {tokens: true}
  - name: race under a Web Lock
    steps:
      - login: {app: shell, user: alice}
      - refresh: {app: shell, tabs: 3, lock: true}
        expect: {tokens: true}
      - refresh: shell
        expect: {tokens: true}
  - name: a refused race revokes the family
    steps:
      - login: {app: shell, user: alice}
      - refresh: {app: shell, tabs: 3}
        expect: {error: invalid_grant}
      - refresh: shell
        expect: {error: invalid_grant}
`
}

// TestTabsRefreshVerdicts: without the reuse interval, tabs racing one
// refresh token trip reuse detection and the family is revoked, the
// winner's token included; a Web Lock avoids it; with the interval, the
// race survives too.
func TestTabsRefreshVerdicts(t *testing.T) {
	for _, tc := range []struct {
		interval string
		wantFail []string // flows that fail
	}{
		{"0s", []string{"race without a lock"}},
		{"10s", []string{"a refused race revokes the family"}},
	} {
		t.Run(tc.interval, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "flows.yaml")
			if err := os.WriteFile(path, []byte(tabsFlows(tc.interval)), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := ssokit(t, "flow", "run", path, "-v")
			if code != 1 {
				t.Fatalf("exit %d, want 1 (one flow fails)\n%s\n%s", code, out, errOut)
			}
			for _, name := range []string{"race without a lock", "race under a Web Lock", "a refused race revokes the family"} {
				failed := strings.Contains(strings.Join(tc.wantFail, "|"), name)
				verdict := "PASS"
				if failed {
					verdict = "FAIL"
				}
				if !strings.Contains(out, verdict+"  "+name) && !strings.Contains(out, verdict+" "+name) {
					t.Errorf("flow %q: want %s in\n%s", name, verdict, out)
				}
			}
			if tc.interval == "0s" && !strings.Contains(out, "reuse detection") {
				t.Errorf("the failure does not say reuse detection:\n%s", out)
			}
		})
	}
}
