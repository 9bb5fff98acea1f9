package testutil

import (
	"sync"

	"github.com/ssokit/ssokit/pkg/keys"
)

// Keys returns one ephemeral RS256 key set shared by a test binary:
// generating a 2048-bit RSA key per test would dominate the suite's time.
var Keys = sync.OnceValue(func() *keys.Set {
	ks, err := keys.Load(keys.Options{Ephemeral: true})
	if err != nil {
		panic("generate test keys: " + err.Error())
	}
	return ks
})
