package run_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// twentyFlows writes the benchmark suite: 20 flows of login, two silent
// authentications, a refresh and a logout.
func twentyFlows(tb testing.TB, alg string) string {
	var b strings.Builder
	b.WriteString("signing_alg: " + alg + "\n")
	b.WriteString(`apps:
  shell: {origin: http://localhost:5101, frontchannel_logout_uri: http://localhost:5101/logout}
  account: {origin: http://localhost:5102, frontchannel_logout_uri: http://localhost:5102/logout}
  checkout: {origin: http://localhost:5103, response_mode: web_message}
users: {alice: {password: alice}}
flows:
`)
	for i := range 20 {
		fmt.Fprintf(&b, `  - name: flow %d
    steps:
      - login: {app: shell, user: alice}
      - silent: account
        expect: {same_session_as: shell}
      - silent: checkout
      - refresh: account
      - logout: shell
        expect: {frontchannel: [account]}
`, i+1)
	}
	path := filepath.Join(tb.TempDir(), "bench.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestTwentyFlowsSuite(t *testing.T) {
	code, out, errOut := ssokit(t, "flow", "run", twentyFlows(t, "RS256"), "--parallel", "2")
	if code != 0 || !strings.Contains(out, "20 passed, 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// BenchmarkTwentyFlows measures `ssokit flow run` on 20 flows (login + 2
// silent + refresh + logout each) against the embedded provider, including
// the provider's start (ephemeral RS256 key generation) and shutdown.
func BenchmarkTwentyFlows(b *testing.B) {
	for _, alg := range []string{"RS256", "ES256"} {
		path := twentyFlows(b, alg)
		for _, par := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%s/parallel=%d", alg, par), func(b *testing.B) {
				for b.Loop() {
					if code, out, errOut := ssokit(b, "flow", "run", path, "--parallel", fmt.Sprint(par)); code != 0 {
						b.Fatalf("exit %d\n%s\n%s", code, out, errOut)
					}
				}
			})
		}
	}
}
