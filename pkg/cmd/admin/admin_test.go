package admin_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/provider"
)

// start runs a real provider on a loopback httptest server.
func start(t *testing.T, cfg *config.Config) (*provider.Provider, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	p, err := provider.New(provider.Options{Issuer: issuer, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(func() { srv.Close(); p.Close() })
	return p, issuer
}

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, Version: "test"}
	code = cli.Run(context.Background(), f, append([]string{"admin"}, args...))
	return out.String(), errOut.String(), code
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, args...)
	if code != 0 {
		t.Fatalf("ssokit admin %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// TestAdminWorkflow drives a test's whole life through the CLI: seed a
// user, sign a browser in, mint tokens that go-oidc accepts, list and end
// sessions, reset.
func TestAdminWorkflow(t *testing.T) {
	p, iss := start(t, nil)
	t.Setenv(admincmdEnv, iss)

	if out := mustRun(t, "users", "add", "carol", "--claim", "email=carol@example.com", "--claim", `roles=["editor"]`); out != "added user carol\n" {
		t.Errorf("users add: %q", out)
	}
	out := mustRun(t, "users", "list")
	if !strings.Contains(out, "carol     runtime  any       {\"email\":\"carol@example.com\",\"roles\":[\"editor\"]}") {
		t.Errorf("users list:\n%s", out)
	}

	state := filepath.Join(t.TempDir(), ".auth", "carol.json")
	out = mustRun(t, "signin", "carol", "--claim", "tenant=acme", "--storage-state", state)
	if !strings.HasPrefix(out, "signed in carol (sid ") || !strings.Contains(out, "storageState written to "+state) {
		t.Errorf("signin: %q", out)
	}
	fi, err := os.Stat(state)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("storage state file: %v %v", fi, err)
	}
	var ss provider.StorageState
	b, _ := os.ReadFile(state)
	if err := json.Unmarshal(b, &ss); err != nil || len(ss.Cookies) != 2 || ss.Cookies[0].Name != provider.SessionCookie || ss.Cookies[0].Domain != "127.0.0.1" || ss.Origins == nil {
		t.Errorf("storage state %s: %v", b, err)
	}
	if sessions := p.Sessions(); len(sessions) != 1 || sessions[0].Claims["tenant"] != "acme" {
		t.Errorf("sessions %+v", sessions)
	}

	// the access token, checked by go-oidc against the provider's JWKS
	tok := strings.TrimSpace(mustRun(t, "mint", "carol", "--aud", "orders-api", "--claim", "tier=gold", "--print", "access_token"))
	rp, err := gooidc.NewProvider(context.Background(), iss)
	if err != nil {
		t.Fatal(err)
	}
	at, err := rp.Verifier(&gooidc.Config{ClientID: "orders-api"}).Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("minted access token: %v", err)
	}
	var c map[string]any
	_ = at.Claims(&c)
	if c["sub"] != "carol" || c["tier"] != "gold" || c["client_id"] != provider.DefaultTestClient {
		t.Errorf("claims %v", c)
	}
	expired := strings.TrimSpace(mustRun(t, "mint", "carol", "--expired", "--lifetime", "2m", "--print", "id_token"))
	if _, err := rp.Verifier(&gooidc.Config{ClientID: provider.DefaultTestClient}).Verify(context.Background(), expired); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("--expired ID token: %v", err)
	}
	var mint provider.MintResponse
	if err := json.Unmarshal([]byte(mustRun(t, "mint", "alice", "--scope", "openid")), &mint); err != nil || mint.IDToken == "" || mint.RefreshToken != "" {
		t.Errorf("mint JSON: %+v %v", mint, err)
	}

	out = mustRun(t, "sessions", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[0], "USER") || !strings.Contains(out, `{"tenant":"acme"}`) {
		t.Errorf("sessions list:\n%s", out)
	}
	var list []provider.SessionInfo
	if err := json.Unmarshal([]byte(mustRun(t, "sessions", "list", "--json")), &list); err != nil || len(list) != 4 {
		t.Fatalf("sessions list --json: %v %v", list, err)
	}
	if out := mustRun(t, "sessions", "end", list[0].SID); out != "ended session "+list[0].SID+"\n" {
		t.Errorf("sessions end: %q", out)
	}
	if out := mustRun(t, "reset"); out != "reset: 3 session(s) dropped; 2 user(s), 0 client(s), 0 fault(s) as configured\n" {
		t.Errorf("reset: %q", out)
	}
	if len(p.Users()) != 2 || len(p.Sessions()) != 0 {
		t.Error("reset left state behind")
	}
}

const admincmdEnv = "SSOKIT_PROVIDER"

// TestAdminClientsFaultsKeys: clients, faults, key rotation and status
// through the CLI, with --provider.
func TestAdminClientsFaultsKeys(t *testing.T) {
	p, iss := start(t, &config.Config{Clients: []config.Client{{ClientID: "shell", RedirectURIs: []string{"http://localhost:5101/cb"}}}})
	mustRun(t, "--provider", iss, "clients", "add", "bff", "--secret", "s", "--redirect-uri", "http://localhost:9000/cb", "--access-token-ttl", "5m")
	out := mustRun(t, "--provider", iss, "clients", "list")
	if !strings.Contains(out, "bff        confidential  runtime  http://localhost:9000/cb") || !strings.Contains(out, "shell      public        config") {
		t.Errorf("clients list:\n%s", out)
	}
	var m provider.MintResponse
	if err := json.Unmarshal([]byte(mustRun(t, "--provider", iss, "mint", "--client-id", "bff")), &m); err != nil || m.ExpiresIn != 300 {
		t.Errorf("client token: %+v %v", m, err)
	}
	mustRun(t, "--provider", iss, "clients", "rm", "bff")
	if len(p.Clients()) != 1 {
		t.Error("clients rm")
	}
	if out := mustRun(t, "--provider", iss, "faults", "add", "endpoint=token,error=temporarily_unavailable,count=2"); out != "installed fault 1: endpoint=token,error=temporarily_unavailable,count=2\n" {
		t.Errorf("faults add: %q", out)
	}
	if out := mustRun(t, "--provider", iss, "faults", "list"); !strings.Contains(out, "1   endpoint=token,error=temporarily_unavailable,count=2  0      2     admin") {
		t.Errorf("faults list:\n%s", out)
	}
	mustRun(t, "--provider", iss, "faults", "clear")
	kid := p.Keys().ActiveKID()
	if out := mustRun(t, "--provider", iss, "rotate-keys"); out != "active signing key is now "+p.Keys().ActiveKID()+"\n" || p.Keys().ActiveKID() == kid {
		t.Errorf("rotate-keys: %q", out)
	}
	if out := mustRun(t, "--provider", iss, "status"); !strings.HasPrefix(out, "issuer  "+iss+"\nkid     "+p.Keys().ActiveKID()+"\n") {
		t.Errorf("status:\n%s", out)
	}
}

// TestAdminErrors: the provider's refusals, a missing provider and bad
// flags are exit 2 with a message saying what to do.
func TestAdminErrors(t *testing.T) {
	_, iss := start(t, nil)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String() + "/"
	l.Close()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--provider", iss, "signin", "mal lory"}, 2, `error: user "mal lory" does not exist; users: alice, bob`},
		{[]string{"--provider", iss, "signin", "alice", "--claim", "sub=root"}, 2, `claims "sub" are set by the provider`},
		{[]string{"--provider", iss, "signin", "alice", "--claim", "novalue"}, 2, `--claim: claim "novalue": expected name=value`},
		{[]string{"--provider", iss, "signin"}, 2, `needs a username`},
		{[]string{"--provider", iss, "mint", "alice", "--print", "code"}, 2, `--print must be access_token, id_token or refresh_token`},
		{[]string{"--provider", iss, "mint", "alice", "--scope", "profile", "--print", "id_token"}, 2, `issued no id_token`},
		{[]string{"--provider", iss, "mint", "--client-id", "spa"}, 2, `needs a confidential client`},
		{[]string{"--provider", iss, "users", "rm", "alice", "mallory"}, 2, `user "mallory" does not exist`},
		{[]string{"--provider", iss, "clients", "add", "web"}, 2, `public client "web" needs at least one redirect_uri`},
		{[]string{"--provider", iss, "faults", "add", "endpoint=tokn"}, 2, `fault "endpoint=tokn"`},
		{[]string{"--provider", iss, "sessions", "end"}, 2, `give session ids`},
		{[]string{"--provider", iss, "sessions", "end", "nope"}, 2, `session "nope" does not exist`},
		{[]string{"--provider", dead, "status"}, 2, `no provider answered at ` + strings.TrimSuffix(dead, "/")},
		{[]string{"--provider", "localhost:9400", "status"}, 2, `--provider="localhost:9400" is not the provider's URL`},
		{[]string{"sesions"}, 2, `Did you mean this?`},
	}
	for _, c := range cases {
		out, errOut, code := run(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("admin %s: exit %d\nstdout %q\nstderr %q\nwant %d and %q", strings.Join(c.args, " "), code, out, errOut, c.code, c.want)
		}
	}
	// the variable, when it is what is wrong, is named as such
	t.Setenv(admincmdEnv, "localhost:9400")
	if _, errOut, code := run(t, "status"); code != 2 || !strings.Contains(errOut, `$SSOKIT_PROVIDER="localhost:9400" is not the provider's URL`) {
		t.Errorf("admin status with a bad $%s: exit %d, stderr %q", admincmdEnv, code, errOut)
	}
	// "users rm alice mallory" removed alice before refusing mallory
	out := mustRun(t, "--provider", iss, "users", "list", "--json")
	if strings.Contains(out, `"alice"`) {
		t.Errorf("alice was not removed:\n%s", out)
	}
}
