package ssokittest

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/keys"
)

// sharedKeyFiles holds, per algorithm, the keys file of the first provider
// of the process: every later provider loads its own copy, so a test
// binary pays for one RSA key generation (about 0.4 s), not one per test.
// A copy is a separate key set: rotating one provider's keys changes no
// other's.
var (
	sharedMu       sync.Mutex
	sharedKeyFiles = map[string][]byte{}
)

// loadKeys returns the provider's signing keys and a cleanup that removes
// their temporary directory.
func loadKeys(alg string, fresh bool, now func() time.Time) (*keys.Set, func(), error) {
	if alg == "" {
		alg = keys.RS256
	}
	if fresh {
		ks, err := keys.Load(keys.Options{Alg: alg, Ephemeral: true, Now: now})
		return ks, func() {}, err
	}
	dir, err := os.MkdirTemp("", "ssokittest-keys-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	file := filepath.Join(dir, "keys-"+alg+".json")
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if b, ok := sharedKeyFiles[alg]; ok {
		if err := os.WriteFile(file, b, 0o600); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	ks, err := keys.Load(keys.Options{Dir: dir, Alg: alg, Now: now})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, ok := sharedKeyFiles[alg]; !ok {
		if b, err := os.ReadFile(file); err == nil {
			sharedKeyFiles[alg] = b
		}
	}
	return ks, cleanup, nil
}
