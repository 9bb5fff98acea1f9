package provider

import "testing"

// TestParseFaultMessages: one line naming the flag, the key and the fix;
// no ": :" from an empty file name, no Go internals (strconv, time).
func TestParseFaultMessages(t *testing.T) {
	for in, want := range map[string]string{
		"endpoint=tokn":         `--fault "endpoint=tokn": endpoint: "tokn" is not one of *, authorize, token, userinfo, jwks, discovery, logout, revoke, introspect`,
		"count=abc":             `--fault "count=abc": count "abc" is not a whole number`,
		"latency=abc":           `--fault "latency=abc": latency "abc" is not a duration such as 500ms, 2s or 1m`,
		"endpoint=token,for=1x": `--fault "endpoint=token,for=1x": for "1x" is not a duration such as 500ms, 2s or 1m`,
	} {
		_, err := ParseFault(in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseFault(%q)\n got: %v\nwant: %s", in, err, want)
		}
	}
}
