package ssokittest_test

import (
	"testing"

	"github.com/ssokit/ssokit/pkg/ssokittest"
)

// BenchmarkNew: what one ssokittest.New costs a test once the process's
// shared RS256 key exists (a copy of it, provider, loopback server).
func BenchmarkNew(b *testing.B) {
	ssokittest.Start().Close()
	for b.Loop() {
		ssokittest.Start().Close()
	}
}

// BenchmarkNewFreshKeys: with an RS256 key generated for the provider.
func BenchmarkNewFreshKeys(b *testing.B) {
	for b.Loop() {
		ssokittest.Start(ssokittest.WithFreshKeys()).Close()
	}
}

// BenchmarkNewES256: the same with ES256 keys, much cheaper to generate.
func BenchmarkNewES256(b *testing.B) {
	for b.Loop() {
		ssokittest.Start(ssokittest.WithSigningAlg("ES256")).Close()
	}
}
