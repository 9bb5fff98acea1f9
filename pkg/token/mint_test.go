package token_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/token"
)

func TestMintClaims(t *testing.T) {
	base := token.MintOptions{Issuer: "http://localhost:9400/", Subject: "alice", TTL: 10 * time.Minute, Now: clock}
	tests := []struct {
		name    string
		mod     func(*token.MintOptions)
		typ     string
		want    map[string]any
		absent  []string
		wantErr string
	}{
		{"id default", func(o *token.MintOptions) {}, "JWT",
			map[string]any{"iss": "http://localhost:9400/", "sub": "alice", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "auth_time": now.Unix()},
			[]string{"aud", "client_id", "scope", "azp"}, ""},
		{"id with client", func(o *token.MintOptions) { o.Audience = []string{"shell"}; o.ClientID = "shell" }, "JWT",
			map[string]any{"aud": "shell", "azp": "shell"}, nil, ""},
		{"access RFC 9068", func(o *token.MintOptions) {
			o.Type = token.TypeAccess
			o.Audience = []string{"api", "other"}
			o.Scope = "read write"
		}, "at+jwt", map[string]any{"aud": []string{"api", "other"}, "client_id": "api", "scope": "read write"}, []string{"auth_time"}, ""},
		{"extra overrides", func(o *token.MintOptions) { o.Extra = map[string]any{"sub": "svc", "exp": 1} }, "JWT",
			map[string]any{"sub": "svc", "exp": 1}, nil, ""},
		{"bad type", func(o *token.MintOptions) { o.Type = "refresh" }, "", nil, nil, `unknown token type "refresh"`},
		{"bad ttl", func(o *token.MintOptions) { o.TTL = 0 }, "", nil, nil, "lifetime must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.mod(&o)
			c, typ, err := token.MintClaims(o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || typ != tt.typ {
				t.Fatalf("typ %q err %v", typ, err)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(c[k], v) {
					t.Errorf("%s = %#v, want %#v", k, c[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := c[k]; ok {
					t.Errorf("%s present", k)
				}
			}
			if jti, _ := c["jti"].(string); len(jti) != 16 {
				t.Errorf("jti %q", c["jti"])
			}
		})
	}
}

func TestParseClaimFlag(t *testing.T) {
	tests := []struct {
		in  string
		k   string
		v   any
		err bool
	}{
		{"a=b", "a", "b", false},
		{"n=3", "n", float64(3), false},
		{"ok=true", "ok", true, false},
		{`roles=["x","y"]`, "roles", []any{"x", "y"}, false},
		{`o={"k":1}`, "o", map[string]any{"k": float64(1)}, false},
		{`q="quoted"`, "q", "quoted", false},
		{"empty=", "empty", "", false},
		{"url=http://x/?a=b", "url", "http://x/?a=b", false},
		{"novalue", "", nil, true},
		{"=v", "", nil, true},
	}
	for _, tt := range tests {
		k, v, err := token.ParseClaimFlag(tt.in)
		if (err != nil) != tt.err || k != tt.k || !reflect.DeepEqual(v, tt.v) {
			t.Errorf("ParseClaimFlag(%q) = %q, %#v, %v", tt.in, k, v, err)
		}
	}
}

func TestLoadClaimsFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "c.json")
	os.WriteFile(good, []byte(`{"a":1}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[1]`), 0o600)
	if m, err := token.LoadClaimsFile(good); err != nil || m["a"] != float64(1) {
		t.Errorf("%v %v", m, err)
	}
	if _, err := token.LoadClaimsFile(bad); err == nil || !strings.Contains(err.Error(), "bad.json: not a JSON object of claims") {
		t.Errorf("bad: %v", err)
	}
}
