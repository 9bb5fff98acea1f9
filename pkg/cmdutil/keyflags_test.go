package cmdutil_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/token"
)

func TestKeyFlagsRegisterAndParse(t *testing.T) {
	var k cmdutil.KeyFlags
	fl := pflag.NewFlagSet("x", pflag.ContinueOnError)
	k.Register(fl, cmdutil.KeyFlagUsage{Issuer: "iss help", JWKS: "jwks `URL`", Key: "key help", Secret: "secret help"})
	if k.Leeway != token.DefaultLeeway {
		t.Errorf("default leeway %v, want %v", k.Leeway, token.DefaultLeeway)
	}
	if got := fl.Lookup("jwks").Usage; got != "jwks `URL`" {
		t.Errorf("jwks usage %q: the command's own wording must be kept", got)
	}
	if !strings.Contains(fl.Lookup("cacert").Usage, "local CA is always trusted") {
		t.Errorf("cacert usage %q", fl.Lookup("cacert").Usage)
	}
	err := fl.Parse([]string{"--issuer", "http://i/", "--jwks", "j.json", "--key", "k.pem", "--secret", "s", "--cacert", "ca.pem", "--leeway", "3s"})
	if err != nil {
		t.Fatal(err)
	}
	want := cmdutil.KeyFlags{Issuer: "http://i/", JWKS: "j.json", Key: "k.pem", Secret: "s", CACert: "ca.pem", Leeway: 3 * time.Second}
	if k != want {
		t.Errorf("parsed %+v, want %+v", k, want)
	}
	if got := k.Source(); got != (token.KeySource{Issuer: "http://i/", JWKS: "j.json", Key: "k.pem", Secret: "s"}) {
		t.Errorf("source %+v", got)
	}
}

func TestKeyFlagsSourcesAndFlag(t *testing.T) {
	for _, tc := range []struct {
		k    cmdutil.KeyFlags
		n    int
		flag string
	}{
		{cmdutil.KeyFlags{}, 0, "--secret"},
		{cmdutil.KeyFlags{Issuer: "http://i/"}, 1, "--issuer"},
		{cmdutil.KeyFlags{JWKS: "j"}, 1, "--jwks"},
		{cmdutil.KeyFlags{Key: "k"}, 1, "--key"},
		{cmdutil.KeyFlags{Secret: "s"}, 1, "--secret"},
		{cmdutil.KeyFlags{JWKS: "j", Secret: "s"}, 2, "--jwks"},
		{cmdutil.KeyFlags{Issuer: "i", JWKS: "j", Key: "k", Secret: "s", CACert: "c"}, 4, "--issuer"},
	} {
		if got := tc.k.Sources(); got != tc.n {
			t.Errorf("%+v: Sources %d, want %d (--cacert is not a key source)", tc.k, got, tc.n)
		}
		if got := tc.k.Flag(); got != tc.flag {
			t.Errorf("%+v: Flag %q, want %q", tc.k, got, tc.flag)
		}
	}
}

func TestEnsureHTTPClient(t *testing.T) {
	injected := &http.Client{}
	c, err := cmdutil.EnsureHTTPClient(injected, "/does/not/exist.pem", time.Second)
	if err != nil || c != injected {
		t.Errorf("an injected client is kept as is (and --cacert not read): %p %v", c, err)
	}
	c, err = cmdutil.EnsureHTTPClient(nil, "", 7*time.Second)
	if err != nil || c == nil || c.Timeout != 7*time.Second {
		t.Fatalf("new client %+v %v", c, err)
	}
	if _, err := cmdutil.EnsureHTTPClient(nil, "/does/not/exist.pem", time.Second); err == nil || !strings.Contains(err.Error(), "--cacert") {
		t.Errorf("a missing --cacert is a usage error naming the flag, got %v", err)
	}
}
