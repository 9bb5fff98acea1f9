package cmdutil

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/ssokit/ssokit/pkg/stack"
)

// LocalCAFile is the certificate of the CA `ssokit up --tls` creates
// (stack.LoadOrCreateCA in stack.DefaultCADir), or "" when there is no
// user config dir.
func LocalCAFile() string {
	d, err := stack.DefaultCADir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, stack.CACertFile)
}

// HTTPClient is the one client commands use to reach a provider: it trusts
// the system roots, ssokit's local CA when `up --tls` has created one, and
// cacert (a PEM file of certificates, from --cacert) when given. A timeout
// of 0 means none (event streams).
func HTTPClient(cacert string, timeout time.Duration) (*http.Client, error) {
	cfg, err := TLSClientConfig(cacert)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = cfg
	return &http.Client{Transport: t, Timeout: timeout}, nil
}

// TLSClientConfig is HTTPClient's TLS configuration, for transports built
// elsewhere (the flow simulator's virtual browser).
func TLSClientConfig(cacert string) (*tls.Config, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if f := LocalCAFile(); f != "" {
		if b, err := os.ReadFile(f); err == nil {
			pool.AppendCertsFromPEM(b) // a damaged CA file only means it is not trusted
		}
	}
	if cacert != "" {
		b, err := os.ReadFile(cacert)
		if err != nil {
			return nil, FlagErrorf("--cacert: %v", describeFileError(cacert, err))
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, FlagErrorf("--cacert: %s holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", cacert)
		}
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func describeFileError(path string, err error) string {
	switch {
	case os.IsNotExist(err):
		return fmt.Sprintf("%s: no such file", path)
	case os.IsPermission(err):
		return fmt.Sprintf("%s: permission denied", path)
	}
	return err.Error()
}
