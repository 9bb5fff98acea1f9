// Package testutil holds helpers shared by ssokit's tests: finding and
// launching headless Chromium, and locating npm fixtures installed by .ci/run.
package testutil

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromePath returns the Chromium binary to drive: $SSOKIT_CHROME, else
// /usr/bin/chromium. Outside CI a missing browser skips the test with the
// install hint; in CI (CI=true) it fails, because a browser test that skips
// in CI proves nothing.
func ChromePath(t testing.TB) string {
	t.Helper()
	p := os.Getenv("SSOKIT_CHROME")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not found at %s (CI=true, browser tests must run): install it with `apt-get install -y chromium` or set SSOKIT_CHROME", p)
		}
		t.Skipf("chromium not found at %s: install it with `apt-get install -y chromium` or set SSOKIT_CHROME to run browser tests", p)
	}
	return p
}

// ChromeOptions controls a test browser.
type ChromeOptions struct {
	// AllowThirdPartyCookies writes the profile preference that lets
	// third-party cookies through. Headless Chromium blocks them by default
	// (measured: see shared/reference/browser-observations.md).
	AllowThirdPartyCookies bool
	// HostResolverRules is Chromium's --host-resolver-rules, e.g.
	// "MAP attacker.example 127.0.0.1" to play a DNS rebinding attack.
	HostResolverRules string
	// TrustSPKI lists base64 SHA-256 hashes of SubjectPublicKeyInfos
	// (SPKIHash) whose certificates Chromium accepts although no system
	// root vouches for them: --ignore-certificate-errors-spki-list, which
	// trusts exactly these keys (ssokit's local CA) and nothing else, unlike
	// --ignore-certificate-errors. Chromium honours it only with a
	// --user-data-dir, which NewChrome always sets.
	TrustSPKI []string
}

// SPKIHash is the base64 SHA-256 of cert's SubjectPublicKeyInfo, the form
// --ignore-certificate-errors-spki-list takes.
func SPKIHash(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// NewChrome starts a headless Chromium with a fresh profile and returns a
// chromedp context bound to its first tab. Everything stops at test cleanup.
func NewChrome(t testing.TB, o ChromeOptions) context.Context {
	t.Helper()
	path := ChromePath(t)
	dir := t.TempDir()
	if o.AllowThirdPartyCookies {
		prefs := map[string]any{"profile": map[string]any{"cookie_controls_mode": 0}}
		b, _ := json.Marshal(prefs)
		if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	if len(o.TrustSPKI) > 0 {
		opts = append(opts, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(o.TrustSPKI, ",")))
	}
	if o.HostResolverRules != "" {
		opts = append(opts, chromedp.Flag("host-resolver-rules", o.HostResolverRules))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// RepoRoot returns the module root, found by walking up to go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// NodeModules returns testdata/npm/<name>/node_modules, which .ci/run
// installs with `npm ci`. Outside CI a missing install skips with the command
// to run; in CI it fails.
func NodeModules(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "testdata", "npm", name, "node_modules")
	if _, err := os.Stat(dir); err != nil {
		msg := "npm fixtures missing at %s: run `npm ci --prefix testdata/npm/%s` (or bash .ci/run)"
		if os.Getenv("CI") != "" {
			t.Fatalf(msg, dir, name)
		}
		t.Skipf(msg, dir, name)
	}
	return dir
}
