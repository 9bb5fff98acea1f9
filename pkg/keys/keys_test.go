package keys

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestPersistReloadRotate(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, alg := range []string{RS256, ES256} {
		t.Run(alg, func(t *testing.T) {
			s1, err := Load(Options{Dir: dir, Alg: alg, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := s1.Sign(map[string]any{"sub": "alice"}, "JWT")
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(dir, "keys-"+alg+".json"))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v, mode %v", err, fi.Mode())
			}
			// a restart loads the same key: the old token still verifies
			s2, err := Load(Options{Dir: dir, Alg: alg, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			if s2.ActiveKID() != s1.ActiveKID() {
				t.Fatalf("kid changed across restart: %s → %s", s1.ActiveKID(), s2.ActiveKID())
			}
			verify(t, s2, tok, alg)
			// rotation keeps the retired key published
			if err := s2.Rotate(); err != nil {
				t.Fatal(err)
			}
			if got := len(s2.JWKS().Keys); got != 2 {
				t.Fatalf("after rotation JWKS has %d keys, want 2", got)
			}
			verify(t, s2, tok, alg)
			s3, _ := Load(Options{Dir: dir, Alg: alg, Now: clock})
			if len(s3.JWKS().Keys) != 2 || s3.ActiveKID() != s2.ActiveKID() {
				t.Fatalf("rotation not persisted")
			}
			// past the retention period the retired key is dropped
			later := now.Add(DefaultRetention + time.Hour)
			s4, _ := Load(Options{Dir: dir, Alg: alg, Now: func() time.Time { return later }})
			if len(s4.JWKS().Keys) != 1 {
				t.Fatalf("retired key kept past retention: %d keys", len(s4.JWKS().Keys))
			}
		})
	}
}

func verify(t *testing.T, s *Set, tok, alg string) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatal(err)
	}
	kid := jws.Signatures[0].Header.KeyID
	pub, ok := s.PublicKey(kid)
	if !ok {
		t.Fatalf("kid %s not in the set", kid)
	}
	if _, err := jws.Verify(pub); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if typ := jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType]; typ != "JWT" {
		t.Errorf("typ %v", typ)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(Options{Alg: "HS256", Ephemeral: true}); err == nil {
		t.Error("HS256 accepted")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keys-RS256.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{Dir: dir}); err == nil {
		t.Error("corrupt key file accepted")
	}
}

func BenchmarkLoadPersisted(b *testing.B) {
	dir := b.TempDir()
	if _, err := Load(Options{Dir: dir}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(Options{Dir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	for _, alg := range []string{RS256, ES256} {
		b.Run(alg, func(b *testing.B) {
			s, _ := Load(Options{Alg: alg, Ephemeral: true})
			claims := map[string]any{"sub": "alice", "iss": "http://localhost:9400/"}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Sign(claims, "JWT"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
