package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// writeKeysFile writes a keys file holding k as the active key, in the
// format Set.write produces, whatever k is.
func writeKeysFile(t *testing.T, dir, alg string, k jose.JSONWebKey) {
	t.Helper()
	b, err := json.Marshal(file{Alg: alg, Active: storedKey{Key: k, Created: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys-"+alg+".json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 11: the keys file was trusted blindly. A key of another type or
// algorithm, a shared secret or a short RSA key is refused at load, with
// the file named and the fix.
func TestLoadRefusesForeignKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	short, _ := rsa.GenerateKey(rand.Reader, 1024)
	cases := []struct {
		name, alg string
		key       jose.JSONWebKey
		want      string
	}{
		{"oct secret", RS256, jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), Algorithm: "HS256"}, `its alg is "HS256"`},
		{"oct secret without alg", RS256, jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef")}, "not a private RS256 key"},
		{"EC key in the RS256 file", RS256, jose.JSONWebKey{Key: ec}, "it is an EC key, not an RS256 key"},
		{"RSA key in the ES256 file", ES256, jose.JSONWebKey{Key: rsaKey}, "it is an RSA key, not an ES256 key"},
		{"alg none", RS256, jose.JSONWebKey{Key: rsaKey, Algorithm: "none"}, `its alg is "none"`},
		{"short RSA", RS256, jose.JSONWebKey{Key: short, Algorithm: RS256}, "1024 bits"},
		{"P-384 in the ES256 file", ES256, jose.JSONWebKey{Key: ec384, Algorithm: ES256}, "not P-256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeKeysFile(t, dir, c.alg, c.key)
			_, err := Load(Options{Dir: dir, Alg: c.alg})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "delete the file") {
				t.Fatalf("err = %v, want %q and the fix", err, c.want)
			}
		})
	}
	// ssokit's own files still load.
	dir := t.TempDir()
	for _, alg := range []string{RS256, ES256} {
		s, err := Load(Options{Dir: dir, Alg: alg})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(Options{Dir: dir, Alg: alg}); err != nil {
			t.Fatalf("%s: own file refused: %v", alg, err)
		}
		_ = s
	}
}

// A keys file that is not a regular file (a FIFO would block start-up
// forever, /dev/zero would be read until memory runs out) or is far larger
// than any keys file is refused before reading.
func TestLoadRefusesOddFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "keys-RS256.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("/dev/zero: err = %v", err)
	}
	dir = t.TempDir()
	f, err := os.Create(filepath.Join(dir, "keys-RS256.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	if _, err := Load(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "more than a keys file ever holds") {
		t.Fatalf("64 MB file: err = %v", err)
	}
}

// A rotation that cannot be persisted leaves the previous key active: a
// key that signed tokens and is lost on restart would strand them.
func TestRotateThatCannotPersistKeepsTheOldKey(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "keys")
	s, err := Load(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	before, jwks := s.ActiveKID(), string(s.JWKSJSON())
	// The keys dir becomes unwritable. Permissions do not stop root (CI),
	// so the directory is replaced by a file: creating the temp file fails.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	err = s.Rotate()
	if err == nil || !strings.Contains(err.Error(), "the previous key stays active") {
		t.Fatalf("Rotate: err = %v", err)
	}
	if s.ActiveKID() != before || string(s.JWKSJSON()) != jwks {
		t.Errorf("an unpersisted key became active: %s → %s", before, s.ActiveKID())
	}
	if _, err := s.Sign(map[string]any{"sub": "alice"}, "JWT"); err != nil {
		t.Fatalf("signing after a failed rotation: %v", err)
	}
}
