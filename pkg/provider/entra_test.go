package provider

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/oidc"
)

func TestEntraScopes(t *testing.T) {
	for _, tc := range []struct {
		in       string
		resource string
		scp      []string
		err      string
	}{
		{in: "openid profile offline_access"},
		{in: "api://orders/Orders.Read openid profile offline_access", resource: "api://orders", scp: []string{"Orders.Read"}},
		{in: "api://orders/Orders.Read api://orders/Orders.Write", resource: "api://orders", scp: []string{"Orders.Read", "Orders.Write"}},
		{in: "https://api.example/x/Orders.Read", resource: "https://api.example/x", scp: []string{"Orders.Read"}},
		{in: "api://orders/.default openid", resource: "api://orders"},
		{in: "User.Read openid", resource: entraGraphAppID, scp: []string{"User.Read"}},
		{in: "api://orders/Orders.Read api://billing/Bills.Read", err: "two resources"},
		{in: "User.Read api://orders/Orders.Read", err: "two resources"},
		{in: "api://orders/", err: "is not {resource}/{permission}"},
		{in: "/Orders.Read", err: "is not {resource}/{permission}"},
		{in: "https://", err: "is not {resource}/{permission}"},
	} {
		res, scp, err := entraScopes(oidc.ParseScope(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || res != tc.resource || !slices.Equal(scp, tc.scp) {
			t.Errorf("%q: %q %q %v, want %q %q", tc.in, res, scp, err, tc.resource, tc.scp)
		}
	}
}

func TestEntraIDs(t *testing.T) {
	a, b := entraGUID("user", "t1", "alice"), entraGUID("user", "t1", "alice")
	if a != b || !isGUID(a) || a[14] != '5' {
		t.Fatalf("entraGUID not stable or not a v5-shaped GUID: %s %s", a, b)
	}
	if entraGUID("user", "t2", "alice") == a {
		t.Fatal("the same user in two tenants has one oid")
	}
	g := "72F988BF-86F1-41AF-91AB-2D7CD011DB47"
	if entraTenantID(g) != strings.ToLower(g) {
		t.Errorf("a GUID tenant segment is its own tid: %s", entraTenantID(g))
	}
	if tid := entraTenantID("contoso.onmicrosoft.com"); !isGUID(tid) || tid != entraTenantID("Contoso.onmicrosoft.com") {
		t.Errorf("a named tenant's tid: %s", tid)
	}
	for _, s := range []string{"", "contoso", "72f988bf-86f1-41af-91ab-2d7cd011db4", "72f988bf_86f1-41af-91ab-2d7cd011db47", "72f988bf-86f1-41af-91ab-2d7cd011db4g"} {
		if isGUID(s) {
			t.Errorf("isGUID(%q)", s)
		}
	}
}

// TestEntraClientInfo: the value decodes as MSAL's buildClientInfo does
// (base64url, JSON {uid, utid}).
func TestEntraClientInfo(t *testing.T) {
	ci := entraClientInfo("oid-1", "tid-1")
	raw, err := base64.RawURLEncoding.DecodeString(ci)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ UID, UTID string }
	if err := json.Unmarshal(raw, &v); err != nil || v.UID != "oid-1" || v.UTID != "tid-1" {
		t.Fatalf("client_info %s = %s (%v)", ci, raw, err)
	}
}

func TestValidClaimsParam(t *testing.T) {
	for in, ok := range map[string]bool{
		``: true, `{}`: true, `{"access_token":{"xms_cc":{"values":["cp1"]}}}`: true,
		`[]`: false, `"x"`: false, `{`: false, `null x`: false,
	} {
		if err := validClaimsParam(in); (err == nil) != ok {
			t.Errorf("%q: %v", in, err)
		}
	}
	if err := validClaimsParam("{"); !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("message: %v", err)
	}
}

// TestEntraErrorShape: the fields msal-common's validateTokenResponse reads.
func TestEntraErrorShape(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/t/oauth2/v2.0/token", nil)
	r.Header.Set("client-request-id", "0b4b7a4e-1111-2222-3333-444455556666")
	writeEntraError(w, r, errInvalidGrant("the refresh token was revoked"), time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC))
	var got map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if w.Code != 400 || got["error"] != "invalid_grant" || got["suberror"] != "bad_token" ||
		!strings.HasPrefix(got["error_description"].(string), "AADSTS70008: the refresh token was revoked") ||
		got["timestamp"] != "2026-12-02 16:00:00Z" || got["correlation_id"] != "0b4b7a4e-1111-2222-3333-444455556666" ||
		!isGUID(got["trace_id"].(string)) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if codes, _ := got["error_codes"].([]any); len(codes) != 1 || codes[0] != float64(70008) {
		t.Fatalf("error_codes: %v", got["error_codes"])
	}
	// a correlation id that is not a plain token is not echoed
	r.Header.Set("client-request-id", "a\x01b")
	w = httptest.NewRecorder()
	writeEntraError(w, r, errInvalidRequest("x"), time.Now())
	if strings.Contains(w.Body.String(), "a\\u0001b") {
		t.Fatalf("echoed a control character: %s", w.Body)
	}
}

// FuzzEntraParams: the scope and claims parameters of an entra
// authorization request never panic their parsers; a resource found is
// never empty, and a permission never contains a slash or a space.
func FuzzEntraParams(f *testing.F) {
	for _, s := range []string{"openid profile offline_access api://orders/Orders.Read", "api://orders/.default", "User.Read Mail.Send",
		"https://a.example/x/y", "api://a/b api://c/d", "/", "a//", `{"id_token":{"acr":{"essential":true}}}`, "{", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = validClaimsParam(s)
		res, scp, err := entraScopes(oidc.ParseScope(s))
		if err != nil {
			return
		}
		for _, p := range scp {
			if p == "" || strings.ContainsAny(p, "/ ") {
				t.Fatalf("%q: permission %q", s, p)
			}
		}
		if len(scp) > 0 && res == "" {
			t.Fatalf("%q: permissions %q without a resource", s, scp)
		}
	})
}

func TestEntraLoginHint(t *testing.T) {
	h := entraLoginHint("sid-1", "alice")
	if u, ok := entraHintUser(h); !ok || u != "alice" {
		t.Fatalf("entraHintUser(%q) = %q %v", h, u, ok)
	}
	if !entraHintFor(h, "sid-1", "alice") || entraHintFor(h, "sid-2", "alice") || entraHintFor(h, "sid-1", "bob") {
		t.Fatal("a login_hint vouches only for its own session and user")
	}
	forged := base64.RawURLEncoding.EncodeToString([]byte("bob")) + h[strings.Index(h, "."):]
	if entraHintFor(forged, "sid-1", "bob") {
		t.Fatal("a hint with another name and the same MAC was accepted")
	}
	for _, s := range []string{"alice", "alice@contoso.example", "a.b", "", "!!!." + strings.Repeat("A", 43)} {
		if _, ok := entraHintUser(s); ok {
			t.Errorf("entraHintUser(%q) took a plain hint for ours", s)
		}
	}
}
