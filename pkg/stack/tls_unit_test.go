package stack

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var caNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func TestLocalCACreatedOnceThenLoaded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ssokit", "tls")
	ca, err := LoadOrCreateCA(dir, caNow)
	if err != nil {
		t.Fatal(err)
	}
	if ca.Path != filepath.Join(dir, "ssokit-ca.pem") {
		t.Errorf("Path = %s", ca.Path)
	}
	if !ca.Cert.IsCA || !ca.Cert.MaxPathLenZero || !ca.Cert.PermittedDNSDomainsCritical {
		t.Errorf("CA constraints missing: IsCA %v MaxPathLenZero %v critical %v", ca.Cert.IsCA, ca.Cert.MaxPathLenZero, ca.Cert.PermittedDNSDomainsCritical)
	}
	if got := ca.Cert.NotAfter; !got.Equal(caNow.AddDate(10, 0, 0).Truncate(time.Second)) {
		t.Errorf("NotAfter %v, want ten years on", got)
	}
	// The key and its directory are the user's alone (whatever the umask).
	for _, p := range []string{filepath.Join(dir, "ssokit-ca-key.pem"), dir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %v: readable by others", p, fi.Mode().Perm())
		}
	}
	again, err := LoadOrCreateCA(dir, caNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Cert.Raw, ca.Cert.Raw) || !bytes.Equal(again.CertPEM, ca.CertPEM) {
		t.Error("a second start made a new CA: the user would have to trust it again")
	}
}

func TestLocalCARefusesCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateCA(dir, caNow); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ssokit-ca-key.pem"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateCA(dir, caNow)
	if err == nil || !strings.Contains(err.Error(), "local CA in "+dir+": not PEM (delete the directory to create a new CA, then trust it again)") {
		t.Errorf("got %v", err)
	}
}

func TestLocalCAWithoutItsKeyIsReplaced(t *testing.T) {
	dir := t.TempDir()
	old, err := LoadOrCreateCA(dir, caNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "ssokit-ca-key.pem")); err != nil {
		t.Fatal(err)
	}
	ca, err := LoadOrCreateCA(dir, caNow)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ca.Cert.Raw, old.Cert.Raw) {
		t.Error("a CA certificate without its key was reused")
	}
	if _, err := os.Stat(filepath.Join(dir, "ssokit-ca-key.pem")); err != nil {
		t.Errorf("new key not written: %v", err)
	}
}

func TestLeafCertificateVerifiesForLocalNamesOnly(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir(), caNow)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.ServerConfig(caNow)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion < 0x0303 || len(cfg.Certificates) != 1 || len(cfg.Certificates[0].Certificate) != 2 {
		t.Fatalf("config: min %x, %d certificates", cfg.MinVersion, len(cfg.Certificates))
	}
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cfg.Certificates[0].Certificate[1], ca.Cert.Raw) {
		t.Error("the chain does not carry the CA")
	}
	opts := x509.VerifyOptions{Roots: ca.Pool(), CurrentTime: caNow, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, name := range []string{"localhost", "app.localhost", "127.0.0.1", "::1"} {
		opts.DNSName = name
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"example.com", "localhost.example.com", "10.0.0.1"} {
		opts.DNSName = name
		if _, err := leaf.Verify(opts); err == nil {
			t.Errorf("leaf verified for %s", name)
		}
	}
	opts.DNSName = "localhost"
	opts.CurrentTime = caNow.AddDate(0, 0, 31)
	if _, err := leaf.Verify(opts); err == nil {
		t.Error("leaf still valid after 31 days; it should be minted for 30")
	}
}

// The CA is name-constrained: even a certificate it signs for a real site
// does not verify, so trusting it cannot vouch for one.
func TestLocalCANameConstraintsHold(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir(), caNow)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		dns  []string
		ips  []net.IP
	}{
		{"example.com", []string{"example.com"}, nil},
		{"10.0.0.1", nil, []net.IP{net.IPv4(10, 0, 0, 1)}},
	} {
		tmpl := &x509.Certificate{
			SerialNumber: serial(), Subject: pkix.Name{CommonName: tt.name},
			DNSNames: tt.dns, IPAddresses: tt.ips,
			NotBefore: caNow.Add(-time.Hour), NotAfter: caNow.Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		_, err = leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), CurrentTime: caNow, DNSName: tt.name})
		var ce x509.CertificateInvalidError
		if err == nil {
			t.Errorf("%s: a leaf outside the constraints verified", tt.name)
		} else if !errors.As(err, &ce) || ce.Reason != x509.CANotAuthorizedForThisName {
			t.Errorf("%s: %v, want a name-constraint refusal", tt.name, err)
		}
	}
}

func TestDefaultCADirIsUnderTheUserConfigDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg-test")
	t.Setenv("HOME", "/tmp/home-test")
	base, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DefaultCADir()
	if err != nil || got != filepath.Join(base, "ssokit", "tls") {
		t.Errorf("DefaultCADir = %q, %v", got, err)
	}
}
