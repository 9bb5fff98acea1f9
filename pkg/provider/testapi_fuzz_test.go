package provider

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzTestAPIBodies: no body makes a test API call panic or fail with a
// server error; every refusal is a JSON OAuth-style error, and a refused
// call leaves users and clients as they were.
func FuzzTestAPIBodies(f *testing.F) {
	for _, s := range []struct{ path, body string }{
		{"signin", `{"user":"alice","claims":{"roles":["admin"]}}`},
		{"signin", `{"user":"alice","claims":{"sub":"x"}}`},
		{"signin", `{"user":"alice","issuer":"http://x/"}`},
		{"tokens", `{"user":"alice","lifetime":"10m","expired":true,"scope":"openid offline_access"}`},
		{"tokens", `{"client_id":"bff","audience":"api","lifetime":-5}`},
		{"tokens", `{"user":"bob","sid":"nope","claims":{"a":1}}`},
		{"users", `{"username":"carol","password":"p","claims":{"email":"c@x"}}`},
		{"users", `{"username":"\u0000"}`},
		{"clients", `{"client_id":"web","redirect_uris":["http://localhost:1/cb"],"tokens":{"access_token":"1h"}}`},
		{"clients", `{"client_id":"web","redirect_uris":["::"],"web_origins":["*"]}`},
		{"signin", `[1,2]`},
		{"tokens", `{"lifetime":"9999999999h"}`},
	} {
		f.Add(s.path, s.body)
	}
	p, err := New(Options{Issuer: "http://localhost:9400/"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close() })
	f.Fuzz(func(t *testing.T, path, body string) {
		switch path {
		case "signin", "tokens", "users", "clients":
		default:
			return
		}
		users, clients := len(p.Users()), len(p.Clients())
		req := httptest.NewRequest(http.MethodPost, "http://localhost:9400/_ssokit/"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "127.0.0.1:5000"
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("POST /_ssokit/%s %q: %d %s", path, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e map[string]any
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e["error"] == nil || e["error_description"] == nil {
				t.Fatalf("POST /_ssokit/%s %q: %d, not a JSON error: %s", path, body, w.Code, w.Body)
			}
			if len(p.Users()) != users || len(p.Clients()) != clients {
				t.Fatalf("a refused POST /_ssokit/%s %q changed users or clients", path, body)
			}
		}
		p.Reset()
	})
}
