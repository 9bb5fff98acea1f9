package provider

import (
	"strings"
	"testing"
)

// TestParseFaultMessages: one line naming the flag and the key; no ": :"
// from an empty file name, no Go internals (strconv, time).
func TestParseFaultMessages(t *testing.T) {
	for in, want := range map[string]string{
		"endpoint=tokn":         `--fault "endpoint=tokn": endpoint: "tokn" is not one of *, authorize, token`,
		"count=abc":             `--fault "count=abc": count must be a whole number, got "abc"`,
		"latency=abc":           `--fault "latency=abc": latency must be a duration such as 200ms or 5m, got "abc"`,
		"endpoint=token,for=1x": `--fault "endpoint=token,for=1x": for must be a duration`,
	} {
		_, err := ParseFault(in)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseFault(%q)\n got: %v\nwant: %s…", in, err, want)
			continue
		}
		for _, bad := range []string{": :", "strconv", "time:", "\n"} {
			if strings.Contains(err.Error(), bad) {
				t.Errorf("ParseFault(%q) = %q contains %q", in, err, bad)
			}
		}
	}
}
