package provider

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// FuzzParseExtraClaims: whatever is typed in the extra-claims box, the
// parser answers a map or an error, never panics; an accepted map has no
// reserved claim, and the access token it is spliced into, after alice's
// mapped attributes, is one JSON object whose fixed claims are intact and
// which carries every extra claim, over a mapped claim of the same name.
func FuzzParseExtraClaims(f *testing.F) {
	for _, s := range []string{
		`{"roles":["admin"]}`,
		`{"https://example.com/roles":["admin"],"org":{"id":12345678901234567890,"n":1.5e300}}`,
		`  {"a":null}  `,
		`{}`, `[]`, `"x"`, `1`, `{`, `{"a":1}{`, `{"sub":"x"}`, `{"":1}`, `{"a":"\u0000\ud800"}`,
		`{"a":1,"a":2}`, `</textarea><script>alert(1)</script>`, strings.Repeat("[", 3000),
		`{"permissions":[],"org_id":null}`, `{"https://example.com/roles":"x","z":1}`,
	} {
		f.Add(s)
	}
	at := accessClaims{Iss: "http://localhost:9400/", Sub: "alice", Aud: ordersAPI, ClientID: "shell", Iat: 1, Nbf: 1, Exp: 2, JTI: "j"}
	reg, err := newRegistry(apiConfig())
	if err != nil {
		f.Fatal(err)
	}
	cl := reg.clients["shell"]
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
			if k == "" || slices.Contains(extraReserved, k) {
				t.Fatalf("accepted claim %q", k)
			}
		}
		custom, err := customClaims(grant{Reg: reg, Client: cl, Sub: "alice", SID: "s", Audience: ordersAPI}, m, nil)
		if err != nil {
			t.Fatalf("encode %v: %v", m, err)
		}
		b, err := accessPayload(&at, custom)
		if err != nil || !json.Valid(b) {
			t.Fatalf("spliced token is not JSON (%v): %s", err, b)
		}
		var got map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got["iss"] != at.Iss || got["sub"] != at.Sub || got["aud"] != at.Aud || got["client_id"] != at.ClientID {
			t.Fatalf("fixed claims changed: %s", b)
		}
		for k, v := range m {
			want, _ := json.Marshal(v)
			if have, _ := json.Marshal(got[k]); string(have) != string(want) {
				t.Fatalf("claim %q is %s, want %s: %s", k, have, want, b)
			}
		}
		if _, given := m["org_id"]; !given && got["org_id"] != "acme" {
			t.Fatalf("alice's mapped org_id lost: %s", b)
		}
	})
}
