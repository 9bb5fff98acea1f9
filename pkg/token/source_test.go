package token_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

// issuerServer serves discovery and a JWKS whose keys can be swapped, and
// counts JWKS fetches.
type issuerServer struct {
	*httptest.Server
	keys    atomic.Value // []jose.JSONWebKey
	fetches atomic.Int32
}

func newIssuerServer(t *testing.T, keys ...jose.JSONWebKey) *issuerServer {
	s := &issuerServer{}
	s.keys.Store(keys)
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, s.URL+"/", s.URL+"/jwks")
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		w.Write(tokentest.JWKS(t, s.keys.Load().([]jose.JSONWebKey)...))
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestKeySetFetchesOnceAndRefetchesOnUnknownKid(t *testing.T) {
	srv := newIssuerServer(t, tokentest.PublicJWK(t, "ES256", "k1"))
	set := token.NewRemoteKeySet(srv.Client(), srv.URL+"/jwks")
	ctx := context.Background()
	raw := tokentest.Sign(t, "ES256", "k1", claims(nil), nil)
	for i := 0; i < 3; i++ {
		r, err := set.Verify(ctx, raw, token.VerifyOptions{Now: clock})
		if err != nil || !r.Valid {
			t.Fatalf("verify %d: %v %+v", i, err, r)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times for 3 verifications, want 1", n)
	}
	// The provider rotates: a token with a new kid makes the set refetch once.
	srv.keys.Store([]jose.JSONWebKey{tokentest.PublicJWK(t, "ES256", "k1"), tokentest.PublicJWK(t, "ES256", "k2")})
	raw2 := tokentest.Sign(t, "ES256", "k2", claims(nil), nil)
	if r, err := set.Verify(ctx, raw2, token.VerifyOptions{Now: clock}); err != nil || !r.Valid {
		t.Fatalf("after rotation: %v %+v", err, r)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times after a rotation, want 2", n)
	}
	// A kid nobody publishes refetches once and then says so.
	raw3 := tokentest.Sign(t, "ES256", "k9", claims(nil), nil)
	r, err := set.Verify(ctx, raw3, token.VerifyOptions{Now: clock})
	if err != nil || r.Valid || !strings.Contains(r.Reason, `unknown kid "k9"`) {
		t.Fatalf("unknown kid: %v %+v", err, r)
	}
	if n := srv.fetches.Load(); n != 3 {
		t.Fatalf("JWKS fetched %d times, want 3", n)
	}
}

func TestVerifyIssuerMismatchBeforeUnknownKid(t *testing.T) {
	raw := tokentest.Sign(t, "ES256", "theirs", claims(map[string]any{"iss": "https://login.example.com/"}), nil)
	r, err := token.Verify(raw, token.VerifyOptions{Keys: []jose.JSONWebKey{tokentest.PublicJWK(t, "ES256", "ours")},
		Now: clock, Issuer: "http://localhost:9400/"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Valid || !strings.Contains(r.Reason, `iss "https://login.example.com/" is not the expected "http://localhost:9400/"`) {
		t.Fatalf("reason = %q, want the iss mismatch first", r.Reason)
	}
}

func TestVerifyRequireExp(t *testing.T) {
	keys := []jose.JSONWebKey{tokentest.PublicJWK(t, "ES256", "k1")}
	raw := tokentest.Sign(t, "ES256", "k1", claims(map[string]any{"exp": nil}), nil)
	r, err := token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock, RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Valid || !strings.Contains(r.Reason, "no exp claim") {
		t.Fatalf("a token without exp: valid=%t reason %q", r.Valid, r.Reason)
	}
	r, _ = token.Verify(raw, token.VerifyOptions{Keys: keys, Now: clock})
	if !r.Valid {
		t.Fatalf("without RequireExp: %q", r.Reason)
	}
}

func TestVerifyRefusesJSONSerialization(t *testing.T) {
	key := tokentest.PrivateKey(t, "ES256")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign([]byte(`{"sub":"alice"}`))
	if err != nil {
		t.Fatal(err)
	}
	full := obj.FullSerialize()
	_, err = token.VerifySignature(full, []string{"ES256"}, func(string) (any, bool) { return tokentest.PublicJWK(t, "ES256", "").Key, true })
	if !errors.Is(err, token.ErrMalformed) {
		t.Fatalf("JSON serialization: err = %v, want ErrMalformed", err)
	}
	compact, _ := obj.CompactSerialize()
	u, err := token.VerifySignature(compact, []string{"ES256"}, func(string) (any, bool) { return tokentest.PublicJWK(t, "ES256", "").Key, true })
	if err != nil || u.Claims["sub"] != "alice" {
		t.Fatalf("compact: %v %+v", err, u)
	}
	if _, err := token.VerifySignature(compact, []string{"RS256"}, func(string) (any, bool) { return tokentest.PublicJWK(t, "ES256", "").Key, true }); err == nil {
		t.Fatal("an ES256 token verified with only RS256 allowed")
	}
}

func TestResolveKeySource(t *testing.T) {
	srv := newIssuerServer(t, tokentest.PublicJWK(t, "ES256", "k1"))
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "pub.pem")
	os.WriteFile(pemFile, tokentest.PublicPEM(t, "ES256"), 0o600)
	jwksFile := filepath.Join(dir, "jwks.json")
	os.WriteFile(jwksFile, tokentest.JWKS(t, tokentest.PublicJWK(t, "ES256", "k1")), 0o600)
	raw := tokentest.Sign(t, "ES256", "k1", claims(map[string]any{"iss": srv.URL + "/"}), nil)
	ctx := context.Background()

	for _, src := range []token.KeySource{
		{Issuer: srv.URL + "/"},
		{Issuer: srv.URL}, // without the trailing slash
		{JWKS: srv.URL + "/jwks"},
		{JWKS: strings.Replace(srv.URL, "http://", "HTTP://", 1) + "/jwks"},
		{JWKS: jwksFile},
		{JWKS: pemFile}, // a file is a file whatever the flag
		{Key: pemFile},
		{Key: jwksFile},
	} {
		set, err := token.ResolveKeys(src, srv.Client())
		if err != nil {
			t.Fatalf("%+v: %v", src, err)
		}
		r, err := set.Verify(ctx, raw, token.VerifyOptions{Now: clock})
		if err != nil || !r.Valid {
			t.Fatalf("%+v: %v %+v", src, err, r)
		}
	}
	// With an issuer, tokens must carry its iss.
	set, _ := token.ResolveKeys(token.KeySource{Issuer: srv.URL + "/"}, srv.Client())
	other := tokentest.Sign(t, "ES256", "k1", claims(map[string]any{"iss": "https://elsewhere/"}), nil)
	if r, err := set.Verify(ctx, other, token.VerifyOptions{Now: clock}); err != nil || r.Valid || !strings.Contains(r.Reason, "https://elsewhere/") {
		t.Fatalf("foreign iss: %v %+v", err, r)
	}

	bad := []struct {
		src  token.KeySource
		want string
	}{
		{token.KeySource{}, "no key source"},
		{token.KeySource{Key: pemFile, Secret: "x"}, "exactly one key source"},
		{token.KeySource{Key: filepath.Join(dir, "missing.pem")}, "missing.pem: no such file"},
		{token.KeySource{JWKS: filepath.Join(dir, "missing.json")}, "missing.json: no such file"},
		{token.KeySource{Key: dir}, "is a directory"},
		{token.KeySource{Issuer: "localhost:9400"}, "http:// or https:// URL"},
	}
	for _, b := range bad {
		_, err := token.ResolveKeys(b.src, srv.Client())
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: err = %v, want %q", b.src, err, b.want)
		}
	}
}
