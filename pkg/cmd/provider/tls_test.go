package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/pkg/stack"
)

// TestRunTLS: `ssokit provider --tls` serves HTTPS with a certificate from
// the local CA in --ca-dir (created on first use), the default issuer is
// https://localhost:<port>/, and a client trusting only that CA verifies
// the chain; a client that does not trust it is refused.
func TestRunTLS(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	dir := t.TempDir()
	ready := make(chan string, 1)
	opts := &Options{Addr: "127.0.0.1:0", LogFormat: "text", EphemeralKeys: true, TLS: true, CADir: dir,
		Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, f, opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	ca, err := stack.LoadOrCreateCA(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(addr, ":")
	url := "https://localhost:" + port + "/.well-known/openid-configuration"
	trusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	resp, err := trusting.Get(url)
	if err != nil {
		t.Fatalf("HTTPS with the local CA trusted: %v", err)
	}
	var d struct {
		Issuer string `json:"issuer"`
		Token  string `json:"token_endpoint"`
	}
	err = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if err != nil || d.Issuer != "https://localhost:"+port+"/" || !strings.HasPrefix(d.Token, "https://localhost:"+port+"/") {
		t.Fatalf("discovery over --tls: %+v %v", d, err)
	}
	untrusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if resp, err := untrusting.Get(url); err == nil {
		resp.Body.Close()
		t.Fatal("a client that does not trust the local CA was served")
	}
	if !strings.Contains(errOut.String(), "tls        certificate from the local CA "+ca.Path) {
		t.Errorf("banner does not name the CA:\n%s", errOut.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRunTLSRefusesAnHTTPIssuer: --tls with an http:// --issuer would
// publish endpoints nobody can reach: a usage error naming the fix.
func TestRunTLSRefusesAnHTTPIssuer(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	err := Run(context.Background(), f, &Options{Addr: "127.0.0.1:0", LogFormat: "text", EphemeralKeys: true,
		TLS: true, CADir: t.TempDir(), Issuer: "http://localhost:9400/"})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "make it https://") {
		t.Fatalf("got %v, want a FlagError naming https", err)
	}
}

// TestRunTLSWithAnEntraTenant: the README's setup, `ssokit provider --tls
// --config` with an entra tenant, serves the tenant's discovery over HTTPS
// and prints what MSAL.js configures.
func TestRunTLSWithAnEntraTenant(t *testing.T) {
	dir := t.TempDir()
	cfgFile := dir + "/ssokit.yaml"
	if err := os.WriteFile(cfgFile, []byte(`tenants:
  - name: 72f988bf-86f1-41af-91ab-2d7cd011db47
    profile: entra
    clients:
      - client_id: spa
        redirect_uris: [https://localhost:5101/redirect.html]
        post_logout_redirect_uris: [https://localhost:5101/]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	ready := make(chan string, 1)
	opts := &Options{ConfigFile: cfgFile, Addr: "127.0.0.1:0", LogFormat: "text", EphemeralKeys: true, TLS: true, CADir: dir + "/ca",
		MaxTenants: 10, Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, f, opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	ca, err := stack.LoadOrCreateCA(dir+"/ca", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(addr, ":")
	authority := "https://localhost:" + port + "/72f988bf-86f1-41af-91ab-2d7cd011db47"
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	resp, err := client.Get(authority + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Issuer string `json:"issuer"`
		Logout string `json:"end_session_endpoint"`
	}
	err = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if err != nil || d.Issuer != authority+"/v2.0" || d.Logout != authority+"/oauth2/v2.0/logout" {
		t.Fatalf("entra tenant discovery over --tls: %+v %v", d, err)
	}
	if want := `MSAL.js (tenant 72f988bf-86f1-41af-91ab-2d7cd011db47): auth: {authority: "` + authority + `", knownAuthorities: ["localhost:` + port + `"]`; !strings.Contains(errOut.String(), want) {
		t.Errorf("banner lacks %s:\n%s", want, errOut.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
