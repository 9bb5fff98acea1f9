package token

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
)

// KeySource names where verification keys come from; exactly one field is
// set. It is the one rule behind the --issuer, --jwks, --key and --secret
// flags of `token verify` and `inspect`.
type KeySource struct {
	// Issuer is an http(s) URL: discovery, then its jwks_uri. Tokens must
	// carry the issuer the discovery document names.
	Issuer string
	// JWKS is an http(s) URL of a JWK set, or a file (JWKS, JWK or PEM).
	JWKS string
	// Key is a file: PEM (public key, certificate or private key), a JWK or
	// a JWKS.
	Key string
	// Secret is an HMAC shared secret.
	Secret string
}

// IsURL reports whether s is an http:// or https:// URL (any case), the
// test that tells a key URL from a key file.
func IsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) && u.Host != ""
}

// ResolveKeys turns a KeySource into a KeySet. Files are read now, so a
// missing or unreadable file is an error here; URLs are fetched when a
// token is first verified (a followed provider need not be up yet).
func ResolveKeys(src KeySource, client *http.Client) (*KeySet, error) {
	n := 0
	for _, s := range []string{src.Issuer, src.JWKS, src.Key, src.Secret} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, errors.New("no key source: give an issuer URL, a JWKS URL or file, a key file or a secret")
	case n > 1:
		return nil, errors.New("give exactly one key source: an issuer, a JWKS, a key file or a secret")
	}
	switch {
	case src.Secret != "":
		return StaticKeys([]jose.JSONWebKey{{Key: []byte(src.Secret)}}), nil
	case src.Issuer != "":
		if !IsURL(src.Issuer) {
			return nil, fmt.Errorf("issuer %q is not an http:// or https:// URL", src.Issuer)
		}
		return &KeySet{client: client, issuerURL: src.Issuer}, nil
	case src.JWKS != "" && IsURL(src.JWKS):
		return NewRemoteKeySet(client, src.JWKS), nil
	}
	path := src.Key
	if path == "" {
		path = src.JWKS // a JWKS that is not a URL is a file like any other key file
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: no such file", path)
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, fmt.Errorf("%s is a directory, not a key file", path)
	}
	keys, err := LoadKeys(path)
	if err != nil {
		return nil, err
	}
	return StaticKeys(keys), nil
}

// KeySet is a set of verification keys: static ones, or a remote JWK set
// fetched once and cached, refetched only when a token names a kid the
// cached set lacks (the provider rotated) or on Refresh.
type KeySet struct {
	static []jose.JSONWebKey

	client    *http.Client
	issuerURL string // discover jwks_uri from here first
	jwksURL   string

	mu      sync.Mutex
	fetched []jose.JSONWebKey
	issuer  string // the issuer the discovery document names
}

// StaticKeys is a KeySet of fixed keys.
func StaticKeys(keys []jose.JSONWebKey) *KeySet { return &KeySet{static: keys} }

// NewRemoteKeySet is a KeySet fetched from jwksURL on first use.
func NewRemoteKeySet(client *http.Client, jwksURL string) *KeySet {
	return &KeySet{client: client, jwksURL: jwksURL}
}

func (s *KeySet) remote() bool { return s.static == nil }

// keys returns the cached keys, fetching them when there are none yet or
// when refresh is set; fetched says whether this call fetched.
func (s *KeySet) keys(ctx context.Context, refresh bool) (keys []jose.JSONWebKey, issuer string, fetched bool, err error) {
	if !s.remote() {
		return s.static, "", false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetched != nil && !refresh {
		return s.fetched, s.issuer, false, nil
	}
	jwksURL := s.jwksURL
	if s.issuerURL != "" {
		d, err := Discover(ctx, s.client, s.issuerURL)
		if err != nil {
			return nil, "", false, err
		}
		jwksURL, s.issuer = d.JWKSURI, d.Issuer
	}
	k, err := FetchJWKS(ctx, s.client, jwksURL)
	if err != nil {
		return nil, "", false, err
	}
	s.fetched = k
	return k, s.issuer, true, nil
}

// Refresh refetches a remote set now (the provider may have rotated).
func (s *KeySet) Refresh(ctx context.Context) error {
	_, _, _, err := s.keys(ctx, true)
	return err
}

// Issuer is the issuer named by the discovery document, once fetched.
func (s *KeySet) Issuer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuer
}

// Verify is Verify with this set's keys (opts.Keys is ignored). With an
// issuer source, opts.Issuer defaults to the issuer discovery names. A
// fetch failure is an error (a *NetworkError or *IssuerMismatchError),
// never an invalid Result.
func (s *KeySet) Verify(ctx context.Context, raw string, opts VerifyOptions) (*Result, error) {
	if _, err := Decode(raw); err != nil {
		return nil, err
	}
	keys, iss, fetched, err := s.keys(ctx, false)
	if err != nil {
		return nil, err
	}
	if opts.Issuer == "" {
		opts.Issuer = iss
	}
	opts.Keys = keys
	r, err := Verify(raw, opts)
	if err != nil || !r.unknownKID || fetched || !s.remote() {
		return r, err
	}
	if keys, _, _, err = s.keys(ctx, true); err != nil {
		return nil, err
	}
	opts.Keys = keys
	return Verify(raw, opts)
}
