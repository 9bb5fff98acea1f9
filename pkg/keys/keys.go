// Package keys manages the provider's signing keys: it generates them,
// persists them atomically so tokens survive restarts, rotates them while
// keeping retired keys published until their last token expires, and signs.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Supported signing algorithms. RS256 is the default because the Auth0 SPA
// SDK accepts nothing else.
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

// DefaultRetention is how long a retired key stays in the JWKS: longer than
// any token the provider issues by default, so nothing it signed stops verifying.
const DefaultRetention = 24 * time.Hour

// Options configure Load.
type Options struct {
	// Dir holds keys-<alg>.json. Empty means DefaultDir().
	Dir string
	// Alg is RS256 (default) or ES256.
	Alg string
	// Ephemeral keeps keys in memory only: nothing is read or written.
	Ephemeral bool
	// Retention is how long retired keys stay published; DefaultRetention when zero.
	Retention time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MemoryFallback keeps the keys in memory, instead of failing, when
	// Dir is empty and the default cache dir cannot be found (no HOME) or
	// written (a read-only file system or a non-root user, as in a
	// hardened container); Set.Notice then says so in one line. A keys
	// file that exists but is invalid still fails: that is tampering or a
	// bug, not a read-only disk. A Dir given explicitly must work: whoever
	// named it expects tokens to survive a restart.
	MemoryFallback bool
}

// Set is the provider's key set: one active key that signs and the retired
// keys that still verify. It is safe for concurrent use.
type Set struct {
	alg       string
	path      string // "" when ephemeral
	notice    string // why keys are in memory though persistence was asked for
	retention time.Duration
	now       func() time.Time

	mu      sync.RWMutex
	active  *entry
	retired []*entry
	jwks    []byte // cached JSON of the public set
}

type entry struct {
	key       jose.JSONWebKey // private
	created   time.Time
	retiredAt time.Time
	signers   sync.Map // typ → jose.Signer
}

// DefaultDir is where keys persist: the user cache dir's ssokit/keys.
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache dir for signing keys (set --keys-dir or use --ephemeral-keys): %w", err)
	}
	return filepath.Join(d, "ssokit", "keys"), nil
}

// Load returns the persisted key set for opts.Alg, generating and saving a
// key the first time.
func Load(opts Options) (*Set, error) {
	s := &Set{alg: opts.Alg, retention: opts.Retention, now: opts.Now}
	if s.alg == "" {
		s.alg = RS256
	}
	if s.alg != RS256 && s.alg != ES256 {
		return nil, fmt.Errorf("signing algorithm %q is not supported; use RS256 or ES256", s.alg)
	}
	if s.retention == 0 {
		s.retention = DefaultRetention
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Ephemeral {
		return s, s.rotateLocked()
	}
	dir := opts.Dir
	fallback := opts.MemoryFallback && dir == ""
	if dir == "" {
		var err error
		if dir, err = DefaultDir(); err != nil {
			if !fallback {
				return nil, err
			}
			return s.inMemory("no user cache dir ($HOME is unset)")
		}
	}
	s.path = filepath.Join(dir, "keys-"+s.alg+".json")
	switch err := s.read(); {
	case err == nil:
		s.prune()
		s.rebuildJWKS()
		return s, nil
	case errors.Is(err, os.ErrNotExist):
		err := s.rotateLocked()
		if err != nil && fallback {
			return s.inMemory(fmt.Sprintf("%s cannot be written (%v)", dir, rootCause(err)))
		}
		return s, err
	case fallback && errors.Is(err, os.ErrPermission):
		return s.inMemory(fmt.Sprintf("%s is not readable", s.path))
	default:
		return nil, err
	}
}

// inMemory turns s into an ephemeral set because persisting failed for
// reason.
func (s *Set) inMemory(reason string) (*Set, error) {
	s.path = ""
	s.notice = "signing keys are in memory only: " + reason + "; tokens will not verify after a restart (set --keys-dir or SSOKIT_KEYS_DIR to a writable dir to keep them)"
	return s, s.rotateLocked()
}

// rootCause is the innermost error: "read-only file system" rather than
// the chain of what was being done.
func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// Notice is one line saying why the keys are in memory though they were
// meant to persist (Options.MemoryFallback); "" when they persist or were
// asked to be ephemeral.
func (s *Set) Notice() string { return s.notice }

// Alg is the signing algorithm of the active key.
func (s *Set) Alg() string { return s.alg }

// Path is the file the keys persist in; empty for ephemeral keys.
func (s *Set) Path() string { return s.path }

// ActiveKID is the key ID that signs new tokens.
func (s *Set) ActiveKID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.active.key.KeyID
}

// Rotate makes a fresh key active; the old one stays published for the retention period.
func (s *Set) Rotate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rotateLocked()
}

func (s *Set) rotateLocked() error {
	priv, err := generate(s.alg)
	if err != nil {
		return fmt.Errorf("generate %s key: %w", s.alg, err)
	}
	now := s.now()
	e := &entry{key: jose.JSONWebKey{Key: priv, Algorithm: s.alg, Use: "sig"}, created: now}
	e.key.KeyID = thumbprintKID(&e.key)
	// The new key becomes active only once it is persisted: a key that
	// signs tokens but is lost on restart would leave every token it
	// signed unverifiable (a read-only keys dir, a full disk).
	oldActive, oldRetired := s.active, s.retired
	retired := append([]*entry(nil), s.retired...)
	if s.active != nil {
		retired = append(retired, &entry{key: s.active.key, created: s.active.created, retiredAt: now})
	}
	s.active, s.retired = e, retired
	s.prune()
	if err := s.write(); err != nil {
		s.active, s.retired = oldActive, oldRetired
		return fmt.Errorf("rotate keys: %w; the previous key stays active", err)
	}
	s.rebuildJWKS()
	return nil
}

// prune drops retired keys older than the retention period.
func (s *Set) prune() {
	cut := s.now().Add(-s.retention)
	kept := s.retired[:0]
	for _, e := range s.retired {
		if e.retiredAt.After(cut) {
			kept = append(kept, e)
		}
	}
	s.retired = kept
}

func generate(alg string) (crypto.Signer, error) {
	if alg == ES256 {
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, 2048)
}

// thumbprintKID derives the kid from the RFC 7638 thumbprint, so a kid
// names exactly one key.
func thumbprintKID(k *jose.JSONWebKey) string {
	pub := k.Public()
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		sum := sha256.Sum256([]byte(fmt.Sprint(k.Key)))
		tp = sum[:]
	}
	return base64.RawURLEncoding.EncodeToString(tp[:12])
}

// JWKS returns the public keys: the active one first, then retired ones.
func (s *Set) JWKS() jose.JSONWebKeySet {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.publicLocked()
}

func (s *Set) publicLocked() jose.JSONWebKeySet {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.active.key.Public()}}
	for i := len(s.retired) - 1; i >= 0; i-- {
		set.Keys = append(set.Keys, s.retired[i].key.Public())
	}
	return set
}

// JWKSJSON returns the public set as JSON, cached between rotations.
func (s *Set) JWKSJSON() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.jwks
}

func (s *Set) rebuildJWKS() {
	b, _ := json.Marshal(s.publicLocked()) // public JWKs always marshal
	s.jwks = b
}

// PublicKey returns the public key with the given kid, active or retired.
func (s *Set) PublicKey(kid string) (crypto.PublicKey, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.active.key.KeyID == kid {
		return s.active.key.Public().Key, true
	}
	for _, e := range s.retired {
		if e.key.KeyID == kid {
			return e.key.Public().Key, true
		}
	}
	return nil, false
}

// Sign serialises claims as JSON and signs them with the active key as a
// compact JWS whose header carries alg, kid and typ.
func (s *Set) Sign(claims any, typ string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	return s.SignPayload(payload, typ)
}

// SignPayload signs payload, which must be a JSON object of claims the
// caller encoded, as Sign does: for callers that assemble the JSON
// themselves and would pay for encoding/json validating it again.
func (s *Set) SignPayload(payload []byte, typ string) (string, error) {
	s.mu.RLock()
	e := s.active
	s.mu.RUnlock()
	signer, err := e.signer(typ)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// signer returns a cached signer for typ: building one per token would cost
// more than the work around it.
func (e *entry) signer(typ string) (jose.Signer, error) {
	if v, ok := e.signers.Load(typ); ok {
		return v.(jose.Signer), nil
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(e.key.Algorithm), Key: e.key}, opts)
	if err != nil {
		return nil, fmt.Errorf("build signer: %w", err)
	}
	v, _ := e.signers.LoadOrStore(typ, sg)
	return v.(jose.Signer), nil
}

// file is the persisted form.
type file struct {
	Alg     string      `json:"alg"`
	Active  storedKey   `json:"active"`
	Retired []storedKey `json:"retired,omitempty"`
}

type storedKey struct {
	Key       jose.JSONWebKey `json:"key"`
	Created   time.Time       `json:"created"`
	RetiredAt time.Time       `json:"retired_at,omitzero"`
}

// maxKeysFile bounds the keys file: a few dozen retired keys take ~100 KB.
const maxKeysFile = 1 << 20

func (s *Set) read() error {
	// Type-checked before reading: a FIFO would block the
	// provider forever and /dev/zero would be read until memory runs out.
	fi, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("signing keys %s is not a regular file (%s); point keys_dir at a directory of ssokit's own key files", s.path, fi.Mode().Type())
	}
	if fi.Size() > maxKeysFile {
		return fmt.Errorf("signing keys %s is %d bytes, more than a keys file ever holds (%d); delete it to generate new keys", s.path, fi.Size(), maxKeysFile)
	}
	f0, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f0.Close()
	b, err := io.ReadAll(io.LimitReader(f0, maxKeysFile+1))
	if err != nil {
		return fmt.Errorf("read signing keys %s: %w", s.path, err)
	}
	if len(b) > maxKeysFile {
		return fmt.Errorf("signing keys %s is larger than %d bytes; delete it to generate new keys", s.path, maxKeysFile)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("read signing keys %s: %w (delete the file to generate new keys)", s.path, err)
	}
	if f.Alg != s.alg || f.Active.Key.Key == nil || f.Active.Key.IsPublic() {
		return fmt.Errorf("signing keys %s do not hold a private %s key (delete the file to generate new keys)", s.path, s.alg)
	}
	if err := checkKey(s.alg, &f.Active.Key); err != nil {
		return fmt.Errorf("signing keys %s: active key: %w (delete the file to generate new keys)", s.path, err)
	}
	s.active = &entry{key: f.Active.Key, created: f.Active.Created}
	for i, r := range f.Retired {
		if err := checkKey(s.alg, &r.Key); err != nil {
			return fmt.Errorf("signing keys %s: retired key %d: %w (delete the file to generate new keys)", s.path, i, err)
		}
		s.retired = append(s.retired, &entry{key: r.Key, created: r.Created, retiredAt: r.RetiredAt})
	}
	return nil
}

// checkKey refuses a key ssokit would not have written: another algorithm
// (alg "none", HS256, an EC key in the RS256 file), a shared secret, or an
// RSA key shorter than 2048 bits. Such a file is tampered with or not ours,
// and signing with it would mint tokens no careful verifier accepts.
func checkKey(alg string, k *jose.JSONWebKey) error {
	if k.Algorithm != "" && k.Algorithm != alg {
		return fmt.Errorf("its alg is %q, not %s", k.Algorithm, alg)
	}
	switch key := k.Key.(type) {
	case *rsa.PrivateKey:
		if alg != RS256 {
			return fmt.Errorf("it is an RSA key, not an %s key", alg)
		}
		if n := key.N.BitLen(); n < 2048 {
			return fmt.Errorf("its RSA key has %d bits; at least 2048 are needed", n)
		}
	case *ecdsa.PrivateKey:
		if alg != ES256 {
			return fmt.Errorf("it is an EC key, not an %s key", alg)
		}
		if key.Curve != elliptic.P256() {
			return fmt.Errorf("its EC key is on %s, not P-256", key.Curve.Params().Name)
		}
	default:
		return fmt.Errorf("it is a %T, not a private %s key", k.Key, alg)
	}
	return nil
}

// write persists the set atomically (temp file + rename) with owner-only permissions.
func (s *Set) write() error {
	if s.path == "" {
		return nil
	}
	f := file{Alg: s.alg, Active: storedKey{Key: s.active.key, Created: s.active.created}}
	for _, r := range s.retired {
		f.Retired = append(f.Retired, storedKey{Key: r.key, Created: r.created, RetiredAt: r.retiredAt})
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode signing keys: %w", err)
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key dir %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".keys-*.tmp")
	if err != nil {
		return fmt.Errorf("write signing keys in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write signing keys: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}
