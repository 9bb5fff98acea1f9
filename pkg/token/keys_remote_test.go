package token_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

// TestResolveKeysFileForms: every key file form a user may have verifies a
// token signed by the matching private key.
func TestResolveKeysFileForms(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ecPriv := tokentest.PrivateKey(t, jose.ES256)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ssokit test"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	ecJWK := tokentest.PublicJWK(t, jose.ES256, "")
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, ecJWK.Key, ecPriv)
	if err != nil {
		t.Fatal(err)
	}
	rsaPriv := tokentest.PrivateKey(t, jose.RS256).(*rsa.PrivateKey)
	single, err := json.Marshal(tokentest.PublicJWK(t, jose.EdDSA, "ed"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		path string
		alg  jose.SignatureAlgorithm
	}{
		{"certificate", write("cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), jose.ES256},
		{"PKCS#1 public key", write("rsa-pub.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaPriv.PublicKey)})), jose.PS384},
		{"PKCS#1 private key: its public half verifies", write("rsa.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaPriv)})), jose.RS512},
		{"single JWK", write("ed.jwk", single), jose.EdDSA},
		{"PEM with surrounding text and blank lines", write("noisy.pem", append([]byte("\n\nsome comment\n"), tokentest.PublicPEM(t, jose.ES384)...)), jose.ES384},
	} {
		t.Run(tt.name, func(t *testing.T) {
			set, err := token.ResolveKeys(token.KeySource{Key: tt.path}, nil)
			if err != nil {
				t.Fatal(err)
			}
			raw := tokentest.Sign(t, tt.alg, "", claims(nil), nil)
			r, err := set.Verify(context.Background(), raw, token.VerifyOptions{Now: clock})
			if err != nil || !r.Valid {
				t.Fatalf("%v %+v", err, r)
			}
			if set.Issuer() != "" {
				t.Errorf("a file key set names issuer %q", set.Issuer())
			}
			if err := set.Refresh(context.Background()); err != nil {
				t.Errorf("Refresh of static keys: %v", err)
			}
		})
	}
}

func TestResolveKeysBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := filepath.Join(dir, "huge.pem")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(token.MaxInputSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tt := range []struct {
		name, path, want string
	}{
		{"empty", write("empty.pem", nil), "empty.pem: no key material: the input is empty"},
		{"whitespace only", write("blank.pem", []byte(" \n\t")), "blank.pem: no key material: the input is empty"},
		{"text", write("notes.txt", []byte("my key is in the vault")), "notes.txt: unrecognised key format: expected a JWKS, a JWK or PEM"},
		{"truncated JSON", write("cut.json", []byte(`{"keys":[`)), "cut.json: key file is not valid JSON"},
		{"keys not an array", write("obj.json", []byte(`{"keys":{}}`)), "obj.json: invalid JWKS"},
		{"certificate with junk body", write("bad-cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})), "x509"},
		{"ssh key", write("id_ed25519", []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")), `id_ed25519: unsupported PEM block "OPENSSH PRIVATE KEY"`},
		{"too large", huge, "huge.pem: input too large"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, src := range []token.KeySource{{Key: tt.path}, {JWKS: tt.path}} {
				_, err := token.ResolveKeys(src, nil)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%+v: %v, want …%s…", src, err, tt.want)
				}
			}
		})
	}
	if _, err := token.ResolveKeys(token.KeySource{Key: huge}, nil); !errors.Is(err, token.ErrTooLarge) {
		t.Errorf("oversized key file: %v does not wrap ErrTooLarge", err)
	}
}

func TestResolveKeysSourceRules(t *testing.T) {
	for _, tt := range []struct {
		src  token.KeySource
		want string
	}{
		{token.KeySource{Issuer: "https://a/", JWKS: "https://a/jwks"}, "give exactly one key source: an issuer, a JWKS, a key file or a secret"},
		{token.KeySource{Issuer: "https://a/", JWKS: "x", Key: "y", Secret: "z"}, "give exactly one key source"},
		{token.KeySource{Issuer: "ftp://a/"}, `issuer "ftp://a/" is not an http:// or https:// URL`},
		{token.KeySource{Issuer: "https://"}, `issuer "https://" is not an http:// or https:// URL`},
		{token.KeySource{Issuer: "/path/to/issuer"}, "is not an http:// or https:// URL"},
	} {
		if _, err := token.ResolveKeys(tt.src, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want …%s…", tt.src, err, tt.want)
		}
	}
	// A secret is taken as is; a short one is refused when a token is verified.
	set, err := token.ResolveKeys(token.KeySource{Secret: "short"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Verify(context.Background(), tokentest.Sign(t, jose.HS256, "", claims(nil), nil), token.VerifyOptions{Now: clock})
	if err != nil || r.Valid || r.Reason != "the secret is 5 bytes; HS256 needs at least 32 (RFC 7518 §3.2)" {
		t.Errorf("short secret: %v %+v", err, r)
	}
}

func TestIsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"http://localhost:9400": true, "https://login.example.com/": true, "HTTPS://A/": true,
		"localhost:9400": false, "file:///etc/key.pem": false, "http://": false, "keys/jwks.json": false, "": false,
		"C:\\keys\\jwks.json": false, "http://[::1": false,
	} {
		if got := token.IsURL(in); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", in, got, want)
		}
	}
}

// flakyIssuer serves discovery and a JWKS, counting fetches; failJWKS
// makes the JWKS answer 503.
type flakyIssuer struct {
	*httptest.Server
	keys      atomic.Value // []jose.JSONWebKey
	jwks, dsc atomic.Int32
	failJWKS  atomic.Bool
}

func newFlakyIssuer(t *testing.T, keys ...jose.JSONWebKey) *flakyIssuer {
	s := &flakyIssuer{}
	s.keys.Store(keys)
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		s.dsc.Add(1)
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, s.URL, s.URL+"/jwks")
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		s.jwks.Add(1)
		if s.failJWKS.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write(tokentest.JWKS(t, s.keys.Load().([]jose.JSONWebKey)...))
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// TestKeySetRefetchRules pins when a remote key set fetches: not for a
// malformed token, not again for a failure other than an unknown kid, once
// on Refresh, and again after a failed fetch.
func TestKeySetRefetchRules(t *testing.T) {
	ctx := context.Background()
	srv := newFlakyIssuer(t, tokentest.PublicJWK(t, jose.ES256, "k1"))
	set, err := token.ResolveKeys(token.KeySource{Issuer: srv.URL}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	iss := map[string]any{"iss": srv.URL}
	if set.Issuer() != "" {
		t.Errorf("issuer %q before any fetch", set.Issuer())
	}

	if _, err := set.Verify(ctx, "not.a.token", token.VerifyOptions{}); !errors.Is(err, token.ErrMalformed) {
		t.Errorf("malformed: %v", err)
	}
	if srv.dsc.Load() != 0 || srv.jwks.Load() != 0 {
		t.Fatalf("a malformed token fetched (discovery %d, jwks %d)", srv.dsc.Load(), srv.jwks.Load())
	}

	// The first fetch fails: an error, not an invalid Result; nothing is cached.
	srv.failJWKS.Store(true)
	raw := tokentest.Sign(t, jose.ES256, "k1", claims(iss), nil)
	r, err := set.Verify(ctx, raw, token.VerifyOptions{Now: clock})
	var ne *token.NetworkError
	if r != nil || !errors.As(err, &ne) || ne.URL != srv.URL+"/jwks" || err.Error() != "fetching "+srv.URL+"/jwks: HTTP 503 Service Unavailable" {
		t.Fatalf("failed fetch: %+v %v", r, err)
	}
	srv.failJWKS.Store(false)
	if r, err := set.Verify(ctx, raw, token.VerifyOptions{Now: clock}); err != nil || !r.Valid {
		t.Fatalf("after recovery: %v %+v", err, r)
	}
	if set.Issuer() != srv.URL {
		t.Errorf("issuer %q after discovery, want %q", set.Issuer(), srv.URL)
	}
	if n := srv.jwks.Load(); n != 2 {
		t.Fatalf("jwks fetched %d times, want 2 (failed, then recovered)", n)
	}

	// An expired token with a known kid: invalid, no refetch.
	expired := tokentest.Sign(t, jose.ES256, "k1", claims(map[string]any{"iss": srv.URL, "exp": now.Add(-time.Hour).Unix()}), nil)
	if r, err := set.Verify(ctx, expired, token.VerifyOptions{Now: clock}); err != nil || r.Valid || !strings.HasPrefix(r.Reason, "expired 1h00m ago") {
		t.Fatalf("expired: %v %+v", err, r)
	}
	// A bad signature with a known kid: invalid, no refetch.
	forged := strings.Join(append(strings.Split(raw, ".")[:2], strings.Split(expired, ".")[2]), ".")
	if r, err := set.Verify(ctx, forged, token.VerifyOptions{Now: clock}); err != nil || r.Valid {
		t.Fatalf("forged: %v %+v", err, r)
	}
	if n := srv.jwks.Load(); n != 2 {
		t.Fatalf("jwks fetched %d times, want still 2", n)
	}

	// Refresh fetches now, discovery included.
	d := srv.dsc.Load()
	if err := set.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if srv.jwks.Load() != 3 || srv.dsc.Load() != d+1 {
		t.Errorf("Refresh: jwks %d discovery %d, want 3 and %d", srv.jwks.Load(), srv.dsc.Load(), d+1)
	}

	// An unknown kid refetches; when that refetch fails the error is returned.
	srv.failJWKS.Store(true)
	rotated := tokentest.Sign(t, jose.ES256, "k2", claims(iss), nil)
	if r, err := set.Verify(ctx, rotated, token.VerifyOptions{Now: clock}); r != nil || !errors.As(err, &ne) {
		t.Fatalf("failed refetch: %+v %v", r, err)
	}
	if err := set.Refresh(ctx); !errors.As(err, &ne) {
		t.Errorf("failed Refresh: %v", err)
	}

	// An explicit Issuer option wins over the discovered one.
	srv.failJWKS.Store(false)
	if r, err := set.Verify(ctx, raw, token.VerifyOptions{Now: clock, Issuer: "https://other/"}); err != nil || r.Valid || !strings.Contains(r.Reason, `is not the expected "https://other/"`) {
		t.Errorf("explicit issuer: %v %+v", err, r)
	}
}

func TestDiscoverNetworkFailures(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/slow/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; the client gives up
	})
	mux.HandleFunc("/slash/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":"x"}`, srv.URL+"/slash/")
	})
	mux.HandleFunc("/down/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "oops", http.StatusInternalServerError)
	})
	mux.HandleFunc("/other/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"issuer":"https://login.example.com","jwks_uri":"x"}`)
	})
	mux.HandleFunc("/jwks-html", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") })

	// The issuer matches with or without a trailing slash on either side.
	if d, err := token.Discover(ctx, srv.Client(), srv.URL+"/slash"); err != nil || d.Issuer != srv.URL+"/slash/" {
		t.Errorf("trailing slash: %v %+v", err, d)
	}

	_, err := token.Discover(ctx, srv.Client(), srv.URL+"/down")
	want := "fetching " + srv.URL + "/down/.well-known/openid-configuration: HTTP 500 Internal Server Error, not a discovery document (is " + srv.URL + "/down an OpenID provider's issuer?)"
	if err == nil || err.Error() != want {
		t.Errorf("HTTP 500:\n got %v\nwant %s", err, want)
	}

	_, err = token.Discover(ctx, srv.Client(), srv.URL+"/other")
	var me *token.IssuerMismatchError
	want = srv.URL + `/other/.well-known/openid-configuration names issuer "https://login.example.com", not "` + srv.URL + `/other"; tokens from it carry that iss, so use --issuer https://login.example.com`
	if !errors.As(err, &me) || me.Got != "https://login.example.com" || err.Error() != want {
		t.Errorf("mismatch:\n got %v\nwant %s", err, want)
	}

	client := srv.Client()
	client.Timeout = 50 * time.Millisecond
	_, err = token.Discover(ctx, client, srv.URL+"/slow")
	var ne *token.NetworkError
	if !errors.As(err, &ne) || ne.Err.Error() != "no answer within 50ms (timeout)" {
		t.Errorf("timeout: %v", err)
	}

	if _, err := token.FetchJWKS(ctx, srv.Client(), srv.URL+"/jwks-html"); !errors.As(err, &ne) || !strings.Contains(err.Error(), "response is not the expected JSON") {
		t.Errorf("HTML JWKS: %v", err)
	}
	if _, err := token.FetchJWKS(ctx, nil, "http://[::1"); !errors.As(err, &ne) || ne.URL != "http://[::1" {
		t.Errorf("bad URL: %v", err)
	}

	// Nothing listens: the error names the URL once and keeps the cause.
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL + "/jwks"
	closed.Close()
	_, err = token.FetchJWKS(ctx, nil, url)
	if !errors.As(err, &ne) || strings.Count(err.Error(), url) != 1 || strings.Contains(err.Error(), "Get ") {
		t.Errorf("refused: %v", err)
	}
	if errors.Unwrap(err) != ne.Err {
		t.Errorf("NetworkError does not unwrap to its cause: %v", err)
	}
}

func TestKeyHelpers(t *testing.T) {
	for _, tt := range []struct {
		key  any
		want string
	}{
		{tokentest.PrivateKey(t, jose.RS256), "RSA 2048"},
		{tokentest.PublicJWK(t, jose.ES384, "").Key, "EC P-384"},
		{tokentest.PrivateKey(t, jose.ES512), "EC P-521"},
		{tokentest.PrivateKey(t, jose.EdDSA), "Ed25519"},
		{[]byte("s"), "HMAC secret"},
		{"a string", "string"},
	} {
		if got := token.KeyType(tt.key); got != tt.want {
			t.Errorf("KeyType(%T) = %q, want %q", tt.key, got, tt.want)
		}
	}
	for _, alg := range tokentest.Algs {
		if !token.IsSignatureAlg(string(alg)) {
			t.Errorf("IsSignatureAlg(%s) = false", alg)
		}
	}
	for _, alg := range []string{"none", "NONE", "", "RSA-OAEP", "dir", "A128GCM", "rs256", "ES256K"} {
		if token.IsSignatureAlg(alg) {
			t.Errorf("IsSignatureAlg(%q) = true", alg)
		}
	}
	for alg, want := range map[string]int{"HS256": 32, "HS384": 48, "HS512": 64, "RS256": 0, "": 0} {
		if got := token.MinHMACKeyLen(alg); got != want {
			t.Errorf("MinHMACKeyLen(%q) = %d, want %d", alg, got, want)
		}
	}
	// A JWK whose alg does not fit its key allows nothing.
	if got := token.AllowedAlgs(jose.JSONWebKey{Key: tokentest.PublicJWK(t, jose.ES256, "").Key, Algorithm: "RS256"}); got != nil {
		t.Errorf("EC key declaring RS256 allows %v", got)
	}
}

func TestPrintableAndNumericDateClaims(t *testing.T) {
	for in, want := range map[string]string{
		"alice":              "alice",
		"Zoë 🙂":              "Zoë 🙂",
		"\x1b]52;c;aGk=\x07": `"\x1b]52;c;aGk=\a"`,
		"line\nbreak":        `"line\nbreak"`,
		"tab\there":          `"tab\there"`,
		"bad \xff utf8":      `"bad \xff utf8"`,
		"":                   "",
		"del\x7f":            `"del\x7f"`,
		"admin\u202egnp.exe": `"admin\u202egnp.exe"`, // right-to-left override
		"zero\u200bwidth":    `"zero\u200bwidth"`,
	} {
		if got := token.Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	for name, want := range map[string]bool{"exp": true, "nbf": true, "iat": true, "auth_time": true, "updated_at": true, "sub": false, "jti": false, "EXP": false} {
		if got := token.IsNumericDate(name); got != want {
			t.Errorf("IsNumericDate(%q) = %v", name, got)
		}
	}
}

// TestKeySetNoSecondFetchForFreshKeys: a set that has just fetched does not
// fetch again for an unknown kid; the fresh set is already the newest.
func TestKeySetNoSecondFetchForFreshKeys(t *testing.T) {
	srv := newFlakyIssuer(t, tokentest.PublicJWK(t, jose.ES256, "k1"))
	set := token.NewRemoteKeySet(srv.Client(), srv.URL+"/jwks")
	raw := tokentest.Sign(t, jose.ES256, "k9", claims(nil), nil)
	r, err := set.Verify(context.Background(), raw, token.VerifyOptions{Now: clock})
	if err != nil || r.Valid || r.Reason != `unknown kid "k9"; known kids: "k1"` {
		t.Fatalf("%v %+v", err, r)
	}
	if n := srv.jwks.Load(); n != 1 {
		t.Errorf("jwks fetched %d times, want 1", n)
	}
	if srv.dsc.Load() != 0 {
		t.Error("a JWKS URL set fetched discovery")
	}
}

// TestKeySetDiscoveryFailure: an issuer whose discovery fails is an error
// from Verify (a *NetworkError), never an invalid Result.
func TestKeySetDiscoveryFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	set, err := token.ResolveKeys(token.KeySource{Issuer: srv.URL}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Verify(context.Background(), tokentest.Sign(t, jose.ES256, "k1", claims(nil), nil), token.VerifyOptions{Now: clock})
	var ne *token.NetworkError
	if r != nil || !errors.As(err, &ne) || !strings.Contains(err.Error(), "HTTP 404 Not Found, not a discovery document") {
		t.Errorf("%+v %v", r, err)
	}
}

// TestVerifyKeyAllowingNothing: a key whose declared alg does not fit it
// allows no algorithm, and the reason says so.
func TestVerifyKeyAllowingNothing(t *testing.T) {
	ec := tokentest.PublicJWK(t, jose.ES256, "")
	r, err := token.Verify(tokentest.Sign(t, jose.ES256, "", claims(nil), nil), token.VerifyOptions{Keys: []jose.JSONWebKey{{Key: ec.Key, Algorithm: "RS256"}}, Now: clock})
	if err != nil || r.Valid || r.Reason != "alg ES256 not allowed for EC P-256 key (allowed: none)" {
		t.Errorf("%v %+v", err, r)
	}
}
