package ssokittest_test

import (
	"testing"

	"github.com/ssokit/ssokit/pkg/ssokittest"
)

// BenchmarkNew: what one ssokittest.New costs a test (RS256 key
// generation, provider, loopback server).
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		ssokittest.Start().Close()
	}
}

// BenchmarkNewES256: the same with ES256 keys, much cheaper to generate.
func BenchmarkNewES256(b *testing.B) {
	for b.Loop() {
		ssokittest.Start(ssokittest.WithSigningAlg("ES256")).Close()
	}
}
