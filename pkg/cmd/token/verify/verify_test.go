package verify_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/stack"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }, Version: "test"}
	code = cli.Run(context.Background(), f, append([]string{"token", "verify"}, args...))
	return out.String(), errOut.String(), code
}

func claims(iss string, extra map[string]any) map[string]any {
	c := map[string]any{"iss": iss, "sub": "alice", "aud": "api", "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Tokens made by go-jose directly, with every algorithm, verify through
// every key source; tampered ones don't.
func TestVerifyAlgorithmsAndKeySources(t *testing.T) {
	for _, alg := range tokentest.Algs {
		t.Run(string(alg), func(t *testing.T) {
			raw := tokentest.Sign(t, alg, "k1", claims("http://localhost:9400/", nil), nil)
			var sources [][]string
			if strings.HasPrefix(string(alg), "HS") {
				sources = [][]string{{"--secret", string(tokentest.Secret)}}
			} else {
				jwks := writeFile(t, "jwks.json", tokentest.JWKS(t, tokentest.PublicJWK(t, jose.ES256, "other"), tokentest.PublicJWK(t, alg, "k1")))
				pem := writeFile(t, "key.pem", tokentest.PublicPEM(t, alg))
				sources = [][]string{{"--jwks", jwks}, {"--key", pem}}
			}
			for _, src := range sources {
				out, errOut, code := run(t, raw, append(src, "--aud", "api")...)
				if code != 0 || !strings.HasPrefix(out, "valid: "+string(alg)+" signature") {
					t.Errorf("%v: exit %d out %q err %q", src[0], code, out, errOut)
				}
				p := strings.Split(raw, ".")
				sig := []byte(p[2])
				if sig[3] == 'A' {
					sig[3] = 'B'
				} else {
					sig[3] = 'A'
				}
				tampered := p[0] + "." + p[1] + "." + string(sig)
				out, _, code = run(t, tampered, src...)
				if code != 1 || !strings.HasPrefix(out, "invalid: ") {
					t.Errorf("%v tampered: exit %d out %q", src[0], code, out)
				}
			}
		})
	}
}

func TestVerifyInvalidOneLine(t *testing.T) {
	jwks := writeFile(t, "jwks.json", tokentest.JWKS(t, tokentest.PublicJWK(t, jose.RS256, "rsa-1"), tokentest.PublicJWK(t, jose.ES256, "ec-1")))
	pemBytes := tokentest.PublicPEM(t, jose.RS256)
	tests := []struct {
		name string
		tok  string
		args []string
		want string
	}{
		{"expired", tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", map[string]any{"exp": now.Add(-3*time.Hour - 12*time.Minute).Unix()}), nil), nil,
			"invalid: expired 3h12m ago (exp 2026-11-28T08:48:00Z)\n"},
		{"unknown kid", tokentest.Sign(t, jose.RS256, "gone", claims("x", nil), nil), nil,
			`invalid: unknown kid "gone"; known kids: "rsa-1", "ec-1"` + "\n"},
		{"key confusion", tokentest.SignWithKey(t, jose.HS256, pemBytes, "rsa-1", claims("x", nil), nil), nil,
			"invalid: alg HS256 refused: the key is RSA 2048 (asymmetric); accepting HMAC here is the key-confusion attack\n"},
		{"alg none", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", nil, "invalid: alg \"none\" refused: an unsigned token proves nothing\n"},
		{"crit", tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", nil), map[string]any{"crit": []string{"urn:x"}, "urn:x": true}), nil,
			"invalid: crit header [\"urn:x\"] refused: ssokit implements no JWS extensions\n"},
		{"audience", tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", nil), nil), []string{"--aud", "other"}, "invalid: aud \"api\" does not contain \"other\"\n"},
		{"leeway 0", tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", map[string]any{"exp": now.Add(-10 * time.Second).Unix()}), nil), []string{"--leeway", "0s"},
			"invalid: expired 10s ago (exp 2026-11-28T11:59:50Z)\n"},
		{"require", tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", nil), nil), []string{"--require", "sid"}, "invalid: required claim \"sid\" is missing\n"},
		{"iss", tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", nil), nil), []string{"--iss", "y"}, "invalid: iss \"x\" is not the expected \"y\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.tok, append([]string{"--jwks", jwks}, tt.args...)...)
			if code != 1 || out != tt.want || errOut != "" {
				t.Errorf("exit %d\n got: %q\nwant: %q\nstderr %q", code, out, tt.want, errOut)
			}
		})
	}
}

func TestVerifyUsageAndInputErrors(t *testing.T) {
	jwks := writeFile(t, "jwks.json", tokentest.JWKS(t, tokentest.PublicJWK(t, jose.RS256, "rsa-1")))
	good := tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", nil), nil)
	// A port nothing listens on: unreachable issuer.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String() + "/"
	ln.Close()
	tests := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"no key source", good, nil, "give exactly one key source"},
		{"two key sources", good, []string{"--jwks", jwks, "--secret", "s"}, "give exactly one key source"},
		{"malformed", "abc.def", []string{"--jwks", jwks}, "truncated token"},
		{"missing jwks file", good, []string{"--jwks", "/nope.json"}, "--jwks: /nope.json: no such file\n"},
		{"bad key file", good, []string{"--key", writeFile(t, "k", []byte("hello"))}, "unrecognised key format"},
		{"unreachable issuer", good, []string{"--issuer", dead}, "error: network error: fetching " + dead + ".well-known/openid-configuration: dial tcp"},
		{"unreachable jwks", good, []string{"--jwks", dead + "jwks"}, "error: network error: fetching " + dead + "jwks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.stdin, tt.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d out %q\nstderr %q\nwant …%s…", code, out, errOut, tt.want)
			}
		})
	}
}

// fakeIssuer serves discovery and a JWKS like any OpenID provider.
func fakeIssuer(t *testing.T, keys ...jose.JSONWebKey) *httptest.Server {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL + "/", "jwks_uri": srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) { w.Write(tokentest.JWKS(t, keys...)) })
	return srv
}

func TestVerifyIssuerDiscovery(t *testing.T) {
	srv := fakeIssuer(t, tokentest.PublicJWK(t, jose.ES256, "ec-1"))
	good := tokentest.Sign(t, jose.ES256, "ec-1", claims(srv.URL+"/", nil), nil)
	out, errOut, code := run(t, good, "--issuer", srv.URL) // no trailing slash: discovery's issuer wins
	if code != 0 || out != "valid: ES256 signature by kid \"ec-1\"; expires in 1h00m (exp 2026-11-28T13:00:00Z)\n" {
		t.Errorf("exit %d out %q err %q", code, out, errOut)
	}
	wrongIss := tokentest.Sign(t, jose.ES256, "ec-1", claims("http://evil/", nil), nil)
	out, _, code = run(t, wrongIss, "--issuer", srv.URL+"/")
	if code != 1 || !strings.Contains(out, `iss "http://evil/" is not the expected "`+srv.URL+`/"`) {
		t.Errorf("exit %d out %q", code, out)
	}
}

func TestVerifyJSONAndVerbose(t *testing.T) {
	jwks := writeFile(t, "jwks.json", tokentest.JWKS(t, tokentest.PublicJWK(t, jose.RS256, "rsa-1")))
	raw := tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", nil), nil)
	out, _, code := run(t, raw, "--jwks", jwks, "--json", "--aud", "api")
	var res struct {
		Valid  bool
		Claims map[string]any
		Checks []struct {
			Name string
			OK   bool
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.Valid || res.Claims["sub"] != "alice" {
		t.Fatalf("exit %d %v: %s", code, err, out)
	}
	var names []string
	for _, c := range res.Checks {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "format,alg,key,signature,exp,iat,aud" {
		t.Errorf("checks %s", got)
	}
	out, _, _ = run(t, raw, "--jwks", jwks, "-v")
	if !strings.Contains(out, "  ✓ signature RS256 signature verified\n") {
		t.Errorf("verbose:\n%s", out)
	}
}

// A 1 MB token on stdin verifies; more than 8 MiB is refused.
func TestVerifyLargeInput(t *testing.T) {
	jwks := writeFile(t, "jwks.json", tokentest.JWKS(t, tokentest.PublicJWK(t, jose.RS256, "rsa-1")))
	raw := tokentest.Sign(t, jose.RS256, "rsa-1", claims("x", map[string]any{"blob": strings.Repeat("y", 1<<20)}), nil)
	out, errOut, code := run(t, raw+"\n", "--jwks", jwks)
	if code != 0 || !strings.HasPrefix(out, "valid:") {
		t.Errorf("1 MB: exit %d %q %q", code, out, errOut)
	}
	_, errOut, code = run(t, strings.Repeat("x", 9<<20), "--jwks", jwks)
	if code != 2 || !strings.Contains(errOut, "input too large") {
		t.Errorf("9 MiB: exit %d %q", code, errOut)
	}
}

func TestVerifyIssuerMismatch(t *testing.T) {
	srv := fakeIssuer(t, tokentest.PublicJWK(t, jose.ES256, "ec-1"))
	// The discovery document says srv.URL+"/"; ask with localhost instead.
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	_, errOut, code := run(t, tokentest.Sign(t, jose.ES256, "ec-1", claims("x", nil), nil), "--issuer", other)
	want := `names issuer "` + srv.URL + `/", not "` + other + `"; tokens from it carry that iss, so use --issuer ` + srv.URL + "/\n"
	if code != 2 || !strings.HasSuffix(errOut, want) {
		t.Errorf("exit %d\n got %q\nwant …%q", code, errOut, want)
	}
}

func TestVerifyIssuerTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	_, errOut, code := run(t, tokentest.Sign(t, jose.ES256, "ec-1", claims("x", nil), nil), "--issuer", srv.URL, "--timeout", "100ms")
	if code != 2 || !strings.HasPrefix(errOut, "error: network error: fetching "+srv.URL+"/.well-known/openid-configuration: ") || !strings.HasSuffix(errOut, ": no answer within 100ms (timeout)\n") {
		t.Errorf("exit %d %q", code, errOut)
	}
}

func TestVerifyHelpListsEveryCheck(t *testing.T) {
	out, _, code := run(t, "", "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, c := range []string{"crit", "alg", "key", "signature", "exp, nbf, iat", "iss, aud, nonce", "key-confusion", "Exit status"} {
		if !strings.Contains(out, c) {
			t.Errorf("help lacks %q", c)
		}
	}
}

// A token without exp is refused unless --allow-no-exp (issue 11).
func TestVerifyRequiresExp(t *testing.T) {
	jwks := writeFile(t, "jwks.json", tokentest.JWKS(t, tokentest.PublicJWK(t, jose.RS256, "rsa-1")))
	c := claims("x", nil)
	delete(c, "exp")
	raw := tokentest.Sign(t, jose.RS256, "rsa-1", c, nil)
	out, _, code := run(t, raw, "--jwks", jwks)
	if code != 1 || !strings.HasPrefix(out, "invalid: no exp claim") {
		t.Errorf("without exp: exit %d out %q", code, out)
	}
	out, _, code = run(t, raw, "--jwks", jwks, "--allow-no-exp")
	if code != 0 || !strings.HasPrefix(out, "valid: ") {
		t.Errorf("--allow-no-exp: exit %d out %q", code, out)
	}
}

// A token from another issuer says so, not "unknown kid" (issue 12).
func TestVerifyForeignIssuerSaysIss(t *testing.T) {
	srv := fakeIssuer(t, tokentest.PublicJWK(t, jose.ES256, "ours"))
	foreign := tokentest.Sign(t, jose.ES256, "theirs", claims("https://login.example.com/", nil), nil)
	out, _, code := run(t, foreign, "--issuer", srv.URL+"/")
	want := `invalid: iss "https://login.example.com/" is not the expected "` + srv.URL + `/"` + "\n"
	if code != 1 || out != want {
		t.Errorf("exit %d\n got %q\nwant %q", code, out, want)
	}
}

// --jwks takes a URL whatever the scheme's case, and a key file whatever
// its form: the same resolver as inspect.
func TestVerifyKeySourceForms(t *testing.T) {
	srv := fakeIssuer(t, tokentest.PublicJWK(t, jose.ES256, "ec-1"))
	raw := tokentest.Sign(t, jose.ES256, "ec-1", claims(srv.URL+"/", nil), nil)
	pem := writeFile(t, "pub.pem", tokentest.PublicPEM(t, jose.ES256))
	for _, args := range [][]string{
		{"--jwks", strings.Replace(srv.URL, "http", "HTTP", 1) + "/jwks"},
		{"--jwks", pem},
	} {
		if out, errOut, code := run(t, raw, args...); code != 0 {
			t.Errorf("%v: exit %d out %q err %q", args, code, out, errOut)
		}
	}
}

// After `up --tls`, the issuer's certificate comes from ssokit's local CA
// in the user config dir: verify trusts it without flags; a CA elsewhere is
// trusted with --cacert.
func TestVerifyTrustsLocalCA(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir, err := stack.DefaultCADir()
	if err != nil {
		t.Fatal(err)
	}
	ca, err := stack.LoadOrCreateCA(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.ServerConfig(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	issuer := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/"
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": issuer + "jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Write(tokentest.JWKS(t, tokentest.PublicJWK(t, jose.ES256, "ec-1")))
	})
	raw := tokentest.Sign(t, jose.ES256, "ec-1", claims(issuer, nil), nil)
	if out, errOut, code := run(t, raw, "--issuer", issuer); code != 0 {
		t.Fatalf("local CA: exit %d out %q err %q", code, out, errOut)
	}
	// The CA moved out of the config dir: --cacert names it.
	moved := writeFile(t, "ca.pem", ca.CertPEM)
	os.RemoveAll(dir)
	if _, errOut, code := run(t, raw, "--issuer", issuer); code != 2 || !strings.Contains(errOut, "certificate") {
		t.Fatalf("no CA: exit %d err %q", code, errOut)
	}
	if out, errOut, code := run(t, raw, "--issuer", issuer, "--cacert", moved); code != 0 {
		t.Fatalf("--cacert: exit %d out %q err %q", code, out, errOut)
	}
}
