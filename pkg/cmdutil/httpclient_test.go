package cmdutil_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/stack"
)

// The client trusts the CA `up --tls` created (in the user config dir) and
// a --cacert file.
func TestHTTPClientTrustsLocalCAAndCacert(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("HOME", home)
	dir, err := stack.DefaultCADir()
	if err != nil {
		t.Fatal(err)
	}
	ca, err := stack.LoadOrCreateCA(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ca.Path != cmdutil.LocalCAFile() {
		t.Fatalf("up --tls writes its CA to %s, the client reads %s", ca.Path, cmdutil.LocalCAFile())
	}
	tlsCfg, err := ca.ServerConfig(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	srv.TLS = tlsCfg
	srv.StartTLS()
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	c, err := cmdutil.HTTPClient("", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("local CA not trusted: %v", err)
	}
	resp.Body.Close()

	// --cacert: the CA file copied elsewhere, with the config dir gone.
	cacert := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(cacert, ca.CertPEM, 0o600)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	if c, _ = cmdutil.HTTPClient("", time.Second); c != nil {
		if _, err := c.Get(url); err == nil {
			t.Fatal("trusted without the CA")
		}
	}
	c, err = cmdutil.HTTPClient(cacert, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.Get(url)
	if err != nil {
		t.Fatalf("--cacert not trusted: %v", err)
	}
	resp.Body.Close()

	for file, want := range map[string]string{
		filepath.Join(home, "missing.pem"): "missing.pem: no such file",
		writeTemp(t, "not a cert"):         "holds no PEM certificate",
	} {
		if _, err := cmdutil.HTTPClient(file, time.Second); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", file, err, want)
		}
	}
}

func writeTemp(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte(s), 0o600)
	return p
}
