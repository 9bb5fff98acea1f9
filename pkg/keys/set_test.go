package keys

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Without --keys-dir the keys persist in the user cache dir; when there is
// none the error says which flags avoid needing it.
func TestDefaultDir(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	s, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cache, "ssokit", "keys", "keys-RS256.json")
	if s.Path() != want || s.Alg() != RS256 {
		t.Errorf("path %q alg %q, want %q RS256", s.Path(), s.Alg(), want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("key file not written: %v", err)
	}

	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if _, err := DefaultDir(); err == nil || !strings.Contains(err.Error(), "--keys-dir") || !strings.Contains(err.Error(), "--ephemeral-keys") {
		t.Errorf("DefaultDir without a cache dir: %v", err)
	}
	if _, err := Load(Options{}); err == nil {
		t.Error("Load without a cache dir or Dir succeeded")
	}
	// Ephemeral keys need no directory at all.
	if s, err := Load(Options{Ephemeral: true, Alg: ES256}); err != nil || s.Path() != "" || s.Alg() != ES256 {
		t.Errorf("ephemeral: %v path %q", err, s.Path())
	}
}

// Ephemeral keys are never written: a second Load gets a different key.
func TestEphemeralWritesNothing(t *testing.T) {
	dir := t.TempDir()
	a, err := Load(Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Rotate(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("ephemeral keys wrote %d files", len(ents))
	}
	b, _ := Load(Options{Dir: dir, Ephemeral: true})
	if a.ActiveKID() == b.ActiveKID() {
		t.Error("two ephemeral sets share a key")
	}
}

// One Set signs tokens of several types; the cached signer of one type
// never leaks its typ header into another.
func TestSignTypes(t *testing.T) {
	s, err := Load(Options{Ephemeral: true, Alg: ES256})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"JWT", "at+jwt", "logout+jwt", "JWT", "at+jwt"} {
		tok, err := s.Sign(map[string]any{"sub": "alice"}, typ)
		if err != nil {
			t.Fatal(err)
		}
		jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		h := jws.Signatures[0].Header
		if got := h.ExtraHeaders[jose.HeaderType]; got != typ || h.KeyID != s.ActiveKID() || h.Algorithm != ES256 {
			t.Errorf("typ %v kid %q alg %q, want %s %s ES256", got, h.KeyID, h.Algorithm, typ, s.ActiveKID())
		}
	}
	if _, err := s.Sign(map[string]any{"bad": make(chan int)}, "JWT"); err == nil || !strings.Contains(err.Error(), "encode claims") {
		t.Errorf("unencodable claims: %v", err)
	}
}

// The published set holds only public keys, the active key first and then
// the retired ones newest first; JWKSJSON is the same set, and kids are
// distinct thumbprints.
func TestJWKSOrderAndPublicOnly(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	s, err := Load(Options{Dir: t.TempDir(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	kids := []string{s.ActiveKID()}
	for i := 0; i < 2; i++ {
		now = now.Add(time.Minute)
		if err := s.Rotate(); err != nil {
			t.Fatal(err)
		}
		kids = append(kids, s.ActiveKID())
	}
	slices.Reverse(kids) // newest first
	set := s.JWKS()
	var got []string
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Errorf("kid %s is published with its private part", k.KeyID)
		}
		if k.Use != "sig" || k.Algorithm != RS256 {
			t.Errorf("kid %s: use %q alg %q", k.KeyID, k.Use, k.Algorithm)
		}
		got = append(got, k.KeyID)
	}
	if !slices.Equal(got, kids) {
		t.Errorf("JWKS order %q, want %q", got, kids)
	}
	if len(kids[0]) != 16 || kids[0] == kids[1] || kids[1] == kids[2] {
		t.Errorf("kids %q: want distinct 16-character thumbprints", kids)
	}
	var fromJSON jose.JSONWebKeySet
	if err := json.Unmarshal(s.JWKSJSON(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if len(fromJSON.Keys) != 3 || fromJSON.Keys[0].KeyID != kids[0] || strings.Contains(string(s.JWKSJSON()), `"d":`) {
		t.Errorf("JWKSJSON: %s", s.JWKSJSON())
	}
	if _, ok := s.PublicKey("no-such-kid"); ok {
		t.Error("PublicKey found an unknown kid")
	}
	if pub, ok := s.PublicKey(kids[2]); !ok || pub == nil {
		t.Error("PublicKey lost the oldest retired key")
	}
}

// A shorter Retention drops retired keys sooner, on the next Load and on
// the next rotation.
func TestCustomRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := Load(Options{Dir: dir, Retention: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	first := s.ActiveKID()
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Minute)
	s2, err := Load(Options{Dir: dir, Retention: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s2.PublicKey(first); !ok {
		t.Fatal("retired key dropped before its retention ended")
	}
	now = now.Add(2 * time.Minute)
	if err := s2.Rotate(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s2.PublicKey(first); ok || len(s2.JWKS().Keys) != 2 {
		t.Errorf("after the retention: %d keys, first kept %v", len(s2.JWKS().Keys), ok)
	}
}

// Signing, publishing and rotating at once is safe (run with -race); every
// token names a kid the set still publishes.
func TestConcurrentSignAndRotate(t *testing.T) {
	s, err := Load(Options{Ephemeral: true, Alg: ES256})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				tok, err := s.Sign(map[string]any{"i": i}, "JWT")
				if err != nil {
					errs <- err
					return
				}
				jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
				if err != nil {
					errs <- err
					return
				}
				pub, ok := s.PublicKey(jws.Signatures[0].Header.KeyID)
				if !ok {
					errs <- os.ErrNotExist
					return
				}
				if _, err := jws.Verify(pub); err != nil {
					errs <- err
					return
				}
				_ = s.JWKSJSON()
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if err := s.Rotate(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
