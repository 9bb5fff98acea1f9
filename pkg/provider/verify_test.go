package provider

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The provider reads back only the compact serialization of its tokens:
// the same token in JWS JSON serialization is not active (go-jose's
// ParseSigned accepted it).
func TestOwnTokensCompactOnly(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	status, tok := op.tokenCall(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"bff"}, "client_secret": {"s3cret"}}, nil)
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	at := tok["access_token"].(string)
	p := strings.Split(at, ".")
	jsonForm, _ := json.Marshal(map[string]string{"protected": p[0], "payload": p[1], "signature": p[2]})
	for _, tc := range []struct {
		token  string
		active bool
	}{{at, true}, {string(jsonForm), false}} {
		req, _ := http.NewRequest(http.MethodPost, op.issuer+"introspect", strings.NewReader(url.Values{"token": {tc.token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("bff", "s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if m["active"] != tc.active {
			t.Errorf("%.20s…: introspection %v, want active %t", tc.token, m, tc.active)
		}
	}
}
