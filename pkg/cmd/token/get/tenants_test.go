package get_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmd/token/internal/optest"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
)

// TestGetAndVerifyAtTenantIssuers: `token get --issuer <tenant issuer>`
// signs in at that tenant (a generic tenant and a Keycloak realm), and
// `token verify --issuer` accepts the token at its own tenant only.
func TestGetAndVerifyAtTenantIssuers(t *testing.T) {
	root, _ := optest.StartTenants(t, nil, time.Now, "alice")
	verify := func(tok, iss string) (int, string) {
		ios, in, out, errOut := iostreams.Test()
		in.WriteString(tok)
		f := &cmdutil.Factory{IOStreams: ios, Now: time.Now}
		code := cli.Run(context.Background(), f, []string{"token", "verify", "--issuer", iss})
		return code, out.String() + errOut.String()
	}
	issuers := []string{root + "acme/", root + "realms/demo"}
	for i, iss := range issuers {
		b := &followBrowser{}
		out, errOut, code := run(t, b, "--issuer", iss, "--client-id", "cli", "--print", "access_token")
		b.wg.Wait()
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", iss, code, errOut)
		}
		if len(b.urls) != 1 || !strings.HasPrefix(b.urls[0], strings.TrimSuffix(iss, "/")+"/") {
			t.Errorf("%s: browser opened %v", iss, b.urls)
		}
		tok := strings.TrimSpace(out)
		if code, msg := verify(tok, iss); code != 0 {
			t.Errorf("%s: verify at its own tenant: exit %d %s", iss, code, msg)
		}
		for _, other := range []string{issuers[1-i], root} {
			if code, msg := verify(tok, other); code != 1 {
				t.Errorf("token of %s verified at %s: exit %d %s", iss, other, code, msg)
			}
		}
	}
}
