package keys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A container with no HOME: keys stay in memory with a one-line notice
// instead of failing start-up.
func TestMemoryFallbackNoHome(t *testing.T) {
	t.Setenv("HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	if _, err := Load(Options{}); err == nil {
		t.Fatal("without MemoryFallback, no cache dir is an error (the caller did not opt in)")
	}
	s, err := Load(Options{MemoryFallback: true})
	if err != nil {
		t.Fatalf("MemoryFallback: %v", err)
	}
	if s.Path() != "" || s.ActiveKID() == "" || !strings.Contains(s.Notice(), "HOME is unset") || strings.Contains(s.Notice(), "\n") {
		t.Errorf("path %q kid %q notice %q", s.Path(), s.ActiveKID(), s.Notice())
	}
	if _, err := s.Sign(map[string]any{"sub": "alice"}, "JWT"); err != nil {
		t.Errorf("in-memory keys sign: %v", err)
	}
}

// A cache dir that cannot be written (a read-only file system, another
// user's directory; simulated with a path that cannot become a directory,
// which fails for root too).
func TestMemoryFallbackUnwritableCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	if err := os.Symlink(filepath.Join(cache, "missing"), filepath.Join(cache, "ssokit")); err != nil {
		t.Fatal(err)
	}
	s, err := Load(Options{MemoryFallback: true})
	if err != nil {
		t.Fatalf("MemoryFallback: %v", err)
	}
	if s.Path() != "" || !strings.Contains(s.Notice(), "cannot be written") || !strings.Contains(s.Notice(), "--keys-dir") {
		t.Errorf("path %q notice %q", s.Path(), s.Notice())
	}
	// a dir named explicitly must work: the operator expects persistence
	if _, err := Load(Options{Dir: filepath.Join(cache, "ssokit", "keys"), MemoryFallback: true}); err == nil {
		t.Error("an explicit --keys-dir that cannot be written must fail, not fall back")
	}
	// a writable cache: persisted, no notice
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	s, err = Load(Options{MemoryFallback: true})
	if err != nil || s.Path() == "" || s.Notice() != "" {
		t.Errorf("writable cache: path %q notice %q err %v", s.Path(), s.Notice(), err)
	}
}

func TestMemoryFallbackKeepsInvalidFileAnError(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dir := filepath.Join(cache, "ssokit", "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys-RS256.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{MemoryFallback: true}); err == nil {
		t.Error("a damaged keys file is reported, not silently replaced by memory keys")
	}
}
