package mint_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmd/token/internal/optest"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/token"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }, Version: "test"}
	code = cli.Run(context.Background(), f, append([]string{"token"}, args...))
	return out.String(), errOut.String(), code
}

// mint signs with the provider's persisted key store; the token verifies
// against the running provider's discovery + JWKS.
func TestMintVerifiesAgainstRunningProvider(t *testing.T) {
	dir := t.TempDir()
	ks, err := keys.Load(keys.Options{Dir: dir, Alg: "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	issuer := optest.Start(t, nil, ks, time.Now, "")

	for _, typ := range []string{"id", "access"} {
		tok, errOut, code := run(t, "", "mint", "--keys-dir", dir, "--alg", "ES256", "--issuer", issuer,
			"--type", typ, "--sub", "bob", "--aud", "api", "--scope", "read write", "--exp", "10m",
			"--claim", `roles=["admin"]`, "--claim", "tier=gold", "--claim", "n=3")
		if code != 0 {
			t.Fatalf("mint: exit %d %s", code, errOut)
		}
		out, errOut, code := run(t, tok, "verify", "--issuer", issuer, "--aud", "api", "--require", "jti")
		if code != 0 || !strings.HasPrefix(out, `valid: ES256 signature by kid "`+ks.ActiveKID()+`"; expires in 10m00s`) {
			t.Errorf("%s verify: exit %d %q %q", typ, code, out, errOut)
		}
		u, err := token.Decode(tok)
		if err != nil {
			t.Fatal(err)
		}
		wantTyp := map[string]string{"id": "JWT", "access": "at+jwt"}[typ]
		if u.Type() != wantTyp || u.Claims["sub"] != "bob" || u.Claims["tier"] != "gold" || u.Claims["n"] != json.Number("3") {
			t.Errorf("%s: header %v claims %v", typ, u.Header, u.Claims)
		}
		if roles, _ := u.Claims["roles"].([]any); len(roles) != 1 || roles[0] != "admin" {
			t.Errorf("roles = %#v", u.Claims["roles"])
		}
		if typ == "access" && u.Claims["client_id"] != "api" {
			t.Errorf("access client_id = %v", u.Claims["client_id"])
		}
	}
}

func TestMintClaimsFileAndErrors(t *testing.T) {
	dir := t.TempDir()
	cf := filepath.Join(dir, "claims.json")
	os.WriteFile(cf, []byte(`{"sub":"svc","scope":"x"}`), 0o600)
	tok, errOut, code := run(t, "", "mint", "--keys-dir", dir, "--claims", cf, "--claim", "scope=y")
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	u, _ := token.Decode(tok)
	if u.Claims["sub"] != "svc" || u.Claims["scope"] != "y" || u.Claims["iss"] != "http://localhost:9400/" {
		t.Errorf("claims %v", u.Claims)
	}
	if exp, _ := token.NumericDate(u.Claims["exp"]); !exp.Equal(now.Add(time.Hour)) {
		t.Errorf("exp %v, want now+1h (injected clock)", exp)
	}

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--exp", "-1m"}, "--exp must be a positive duration"},
		{[]string{"--type", "refresh"}, `--type must be id or access, got "refresh"`},
		{[]string{"--claim", "novalue"}, `--claim: claim "novalue": expected name=value`},
		{[]string{"--claims", "/nope.json"}, "--claims: /nope.json: no such file or directory"},
		{[]string{"--alg", "HS256"}, `signing algorithm "HS256" is not supported`},
		{[]string{"extra-arg"}, "takes no arguments"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, "", append([]string{"mint", "--keys-dir", dir}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d %q, want …%s…", tt.args, code, errOut, tt.want)
		}
	}
}
