package provider

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/config"
)

// FuzzParseExtraClaims: whatever is typed in the extra-claims box, the
// parser answers a map or an error, never panics; an accepted map has no
// reserved claim, and the access token it is spliced into is one JSON
// object whose fixed claims are intact and which carries every extra claim.
func FuzzParseExtraClaims(f *testing.F) {
	for _, s := range []string{
		`{"roles":["admin"]}`,
		`{"https://example.com/roles":["admin"],"org":{"id":12345678901234567890,"n":1.5e300}}`,
		`  {"a":null}  `,
		`{}`, `[]`, `"x"`, `1`, `{`, `{"a":1}{`, `{"sub":"x"}`, `{"":1}`, `{"a":"\u0000\ud800"}`,
		`{"a":1,"a":2}`, `</textarea><script>alert(1)</script>`, strings.Repeat("[", 3000),
	} {
		f.Add(s)
	}
	at := accessClaims{Iss: "http://localhost:9400/", Sub: "alice", Aud: "api", ClientID: "shell", Iat: 1, Nbf: 1, Exp: 2, JTI: "j"}
	reg, _ := newRegistry(&config.Config{})
	cl := &client{Client: config.Client{ClientID: "shell"}}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseExtraClaims(s)
		if err != nil {
			if m != nil || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("error %q with a map %v", err, m)
			}
			return
		}
		if len(strings.TrimSpace(s)) > MaxExtraClaims {
			t.Fatalf("accepted %d bytes", len(s))
		}
		for k := range m {
			if k == "" || slices.Contains(config.ReservedAccessTokenClaims, k) {
				t.Fatalf("accepted claim %q", k)
			}
		}
		custom, err := customClaims(grant{Reg: reg, Client: cl, Sub: "alice", SID: "s", Extra: m})
		if err != nil {
			t.Fatalf("encode %v: %v", m, err)
		}
		payload := &at
		b, err := json.Marshal(withClaims{payload, custom})
		if err != nil || !json.Valid(b) {
			t.Fatalf("spliced token is not JSON (%v): %s", err, b)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got["iss"] != at.Iss || got["sub"] != at.Sub || got["aud"] != at.Aud || got["client_id"] != at.ClientID {
			t.Fatalf("fixed claims changed: %s", b)
		}
		for k := range m {
			if _, ok := got[k]; !ok {
				t.Fatalf("claim %q lost: %s", k, b)
			}
		}
	})
}
