package inspect_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmd/inspect"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/stack"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

func TestRefusesWithoutTTY(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now}
	code := cli.Run(context.Background(), f, []string{"inspect"})
	if code != 2 || out.Len() != 0 || !strings.Contains(errOut.String(), `needs a terminal on stderr; use "ssokit token decode"`) {
		t.Errorf("exit %d stderr %q", code, errOut)
	}
}

func TestFlagsReachOptions(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetTTY(true, false, true)
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now}
	var got *inspect.InspectOptions
	cmd := inspect.NewCmdInspect(f, func(o *inspect.InspectOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--follow", "http://localhost:9400/", "--leeway", "5s", "a.b.c"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Follow != "http://localhost:9400/" || got.Keys.Leeway != 5*time.Second || got.Args[0] != "a.b.c" {
		t.Errorf("%+v", got)
	}
	cmd = inspect.NewCmdInspect(f, func(o *inspect.InspectOptions) error { return nil })
	cmd.SetArgs([]string{"--jwks", "x", "--secret", "y"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "at most one key source") {
		t.Errorf("err %v", err)
	}
}

func TestInputsFromArgsFilesAndStdin(t *testing.T) {
	a := tokentest.Sign(t, jose.HS256, "", map[string]any{"sub": "a"}, nil)
	b := tokentest.Sign(t, jose.HS256, "", map[string]any{"sub": "b"}, nil)
	c := tokentest.Sign(t, jose.HS256, "", map[string]any{"sub": "c"}, nil)
	file := filepath.Join(t.TempDir(), "tokens.txt")
	os.WriteFile(file, []byte(b+"\n\n"+c+"\n"), 0o600)
	ios, in, _, _ := iostreams.Test()
	in.WriteString("Bearer " + a + "\n")
	ins, err := inspect.Inputs(&inspect.InspectOptions{IO: ios, Args: []string{a, file}})
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, i := range ins {
		srcs = append(srcs, i.Meta.Source)
	}
	if got := strings.Join(srcs, ","); got != "arg,file:"+file+",file:"+file+",stdin" {
		t.Errorf("sources %s", got)
	}
	v, err := inspect.Verifier(&inspect.InspectOptions{Keys: cmdutil.KeyFlags{Secret: string(tokentest.Secret)}, Now: time.Now})
	if err != nil || v == nil {
		t.Fatal(err)
	}
	r, err := v.Verify(context.Background(), a, false)
	if err != nil || !r.Valid {
		t.Errorf("verify %v %+v", err, r)
	}
	if v, _ := inspect.Verifier(&inspect.InspectOptions{}); v != nil {
		t.Error("no key flags should mean no verifier")
	}
}

// A mistyped file name is not decoded as a token (issue 12).
func TestInputsMissingFile(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetTTY(true, false, true)
	for _, a := range []string{"/nonexistent.txt", "tokens.txt", "./x"} {
		_, err := inspect.Inputs(&inspect.InspectOptions{IO: ios, Args: []string{a}})
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), a+": no such file") {
			t.Errorf("%s: err %v, want a usage error saying the file does not exist", a, err)
		}
	}
	// Something shaped like a token is still shown (as malformed if it is).
	if ins, err := inspect.Inputs(&inspect.InspectOptions{IO: ios, Args: []string{"a.b.c"}}); err != nil || len(ins) != 1 {
		t.Errorf("a.b.c: %v %v", ins, err)
	}
}

// --follow and --issuer reach a provider whose certificate comes from
// ssokit's local CA (up --tls) or from --cacert.
func TestInspectTrustsLocalCA(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	ca, err := stack.LoadOrCreateCA(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := ca.ServerConfig(time.Now())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	ios, _, _, _ := iostreams.Test()
	ios.SetTTY(true, false, true)
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now}
	for _, args := range [][]string{{"--follow", url}, {"--follow", url, "--cacert", ca.Path}} {
		var got *inspect.InspectOptions
		cmd := inspect.NewCmdInspect(f, func(o *inspect.InspectOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		resp, err := got.HTTP.Get(url)
		if len(args) == 2 {
			if err == nil {
				t.Fatal("trusted a CA nobody named")
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		resp.Body.Close()
	}
}
