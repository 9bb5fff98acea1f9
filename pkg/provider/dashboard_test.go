package provider

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
)

// dashReq serves one request straight to the provider from remote, with the
// issuer's Host.
func dashReq(op *testOP, method, path, body, contentType, remote string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = strings.TrimSuffix(strings.TrimPrefix(op.issuer, "http://"), "/")
	req.RemoteAddr = remote
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	op.ServeHTTP(w, req)
	return w
}

const loopback = "127.0.0.1:50000"

// TestDashboardProtections: the dashboard has the admin API's protections
// and a strict Content-Security-Policy; its assets are a fixed set.
func TestDashboardProtections(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	w := dashReq(op, http.MethodGet, "/_ssokit/", "", "", loopback)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<script src="dashboard/app.js" defer></script>`) {
		t.Fatalf("GET /_ssokit/: %d\n%s", w.Code, w.Body.String())
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers: %v", w.Header())
	}
	if strings.Contains(w.Body.String(), "<script>") || regexp.MustCompile(`\son[a-z]+=`).MatchString(w.Body.String()) {
		t.Error("the page has inline script or an inline event handler")
	}
	for path, ct := range map[string]string{"/_ssokit/dashboard/app.js": "text/javascript; charset=utf-8", "/_ssokit/dashboard/app.css": "text/css; charset=utf-8"} {
		if w := dashReq(op, http.MethodGet, path, "", "", loopback); w.Code != http.StatusOK || w.Header().Get("Content-Type") != ct {
			t.Errorf("GET %s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	for _, path := range []string{"/_ssokit/dashboard/index.html/", "/_ssokit/dashboard/..%2fpages.go", "/_ssokit/dashboard/.hidden", "/_ssokit/dashboard/nope.js", "/_ssokit/dashboard/"} {
		if w := dashReq(op, http.MethodGet, path, "", "", loopback); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	// a peer that is not on this machine gets nothing
	for _, path := range []string{"/_ssokit/", "/_ssokit/dashboard/app.js", "/_ssokit/dashboard/state"} {
		if w := dashReq(op, http.MethodGet, path, "", "", "192.0.2.7:4000"); w.Code != http.StatusForbidden {
			t.Errorf("GET %s from 192.0.2.7: %d, want 403", path, w.Code)
		}
	}
	// a DNS-rebinding page (loopback peer, foreign Host) gets nothing
	if st, _ := rebound(t, op, http.MethodGet, "/_ssokit/", "attacker.example:9400", ""); st != http.StatusForbidden {
		t.Errorf("dashboard with Host attacker.example: %d, want 403", st)
	}
	// state-changing calls need the JSON content type (a form post cannot forge it)
	if w := dashReq(op, http.MethodPost, "/_ssokit/dashboard/end-session", `{"sid":"x"}`, "application/x-www-form-urlencoded", loopback); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "CSRF") {
		t.Errorf("form-encoded end-session: %d %s", w.Code, w.Body.String())
	}
}

// TestDashboardMounted: mounted under the proxy, the provider serves no
// dashboard on the apps' origin; the admin listener serves it.
func TestDashboardMounted(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	for _, c := range []struct {
		h    http.Handler
		want int
	}{{op.MountHandler(), http.StatusNotFound}, {op.AdminHandler(), http.StatusOK}} {
		req := httptest.NewRequest(http.MethodGet, "/_ssokit/", nil)
		req.Host = "localhost:9400"
		req.RemoteAddr = loopback
		w := httptest.NewRecorder()
		c.h.ServeHTTP(w, req)
		if w.Code != c.want {
			t.Errorf("GET /_ssokit/: %d, want %d", w.Code, c.want)
		}
	}
	if got := DashboardURL("http://localhost:9400/"); got != "http://localhost:9400/_ssokit/" {
		t.Errorf("DashboardURL = %s", got)
	}
}

// TestDashboardEndpoints: state lists sessions, clients and users; decode
// verifies with the provider's keys and explains claims; end-session ends
// one session with its logout notifications.
func TestDashboardEndpoints(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	b := newBrowser(t)
	pk := newPKCE()
	q := callbackParams(t, b.signIn(b.get(op.authURL("shell", shellCB, pk, nil)), "alice", "alice-pw"), shellCB)
	_, tok := op.exchange(t, "shell", shellCB, q.Get("code"), pk.verifier)

	var st dashState
	w := dashReq(op, http.MethodGet, "/_ssokit/dashboard/state", "", "", loopback)
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Sessions) != 1 || st.Sessions[0].User != "alice" || strings.Join(st.Sessions[0].Clients, ",") != "shell" || st.Sessions[0].Expires.IsZero() {
		t.Errorf("sessions %+v", st.Sessions)
	}
	if len(st.Clients) == 0 || st.Clients[0].ClientID == "" || len(st.Users) == 0 || st.KID != op.keys.ActiveKID() {
		t.Errorf("state %+v", st)
	}
	if strings.Contains(w.Body.String(), "alice-pw") {
		t.Error("state shows a password")
	}

	decode := func(raw string) dashDecoded {
		body, _ := json.Marshal(map[string]string{"token": raw})
		w := dashReq(op, http.MethodPost, "/_ssokit/dashboard/decode", string(body), "application/json", loopback)
		var d dashDecoded
		if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
			t.Fatalf("decode: %d %s", w.Code, w.Body.String())
		}
		return d
	}
	d := decode(tok["id_token"].(string))
	if d.Verify == nil || !d.Verify.Valid || d.Error != "" {
		t.Fatalf("id_token: %+v", d)
	}
	found := false
	for _, m := range d.Claims {
		if m.Name == "exp" {
			found = strings.Contains(m.When, "expires in") && m.Explain == "expires at"
		}
	}
	if !found {
		t.Errorf("exp not explained: %+v", d.Claims)
	}
	if d := decode(events.Redact(tok["id_token"].(string))); !d.Redacted || d.Verify != nil || len(d.Claims) == 0 {
		t.Errorf("redacted token: %+v", d)
	}
	if d := decode(tok["refresh_token"].(string)); d.Error == "" || d.Verify != nil {
		t.Errorf("opaque refresh token: %+v", d)
	}
	// a token signed by someone else is decoded but not valid
	forged := tok["id_token"].(string)
	forged = forged[:strings.LastIndexByte(forged, '.')+1] + "AAAA"
	if d := decode(forged); d.Verify == nil || d.Verify.Valid {
		t.Errorf("forged signature verified: %+v", d.Verify)
	}

	sid := st.Sessions[0].SID
	if w := dashReq(op, http.MethodPost, "/_ssokit/dashboard/end-session", `{"sid":"nope"}`, "application/json", loopback); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "no live SSO session") {
		t.Errorf("unknown sid: %d %s", w.Code, w.Body.String())
	}
	if w := dashReq(op, http.MethodPost, "/_ssokit/dashboard/end-session", `{"sid":"x","extra":1}`, "application/json", loopback); w.Code != http.StatusBadRequest {
		t.Errorf("unknown field: %d %s", w.Code, w.Body.String())
	}
	if w := dashReq(op, http.MethodPost, "/_ssokit/dashboard/end-session", `{"sid":"`+sid+`"}`, "application/json", loopback); w.Code != http.StatusOK {
		t.Fatalf("end-session: %d %s", w.Code, w.Body.String())
	}
	if got := op.dashSessions(time.Now()); len(got) != 0 {
		t.Errorf("session still live: %+v", got)
	}
	var ended bool
	for _, e := range op.Events().Recent() {
		ended = ended || e.Kind == events.KindLogout && e.SID == sid && e.Detail == "ended from the dashboard"
	}
	if !ended {
		t.Error("no logout event for the ended session")
	}
	// its refresh token died with it
	if st, _ := op.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {"shell"}, "refresh_token": {tok["refresh_token"].(string)}}, nil); st == http.StatusOK {
		t.Error("refresh token of the ended session still works")
	}
}

// FuzzDashboardDecode: whatever is posted as a token, decoding answers
// without panicking.
func FuzzDashboardDecode(f *testing.F) {
	for _, s := range []string{"", "a.b.c", "eyJhbGciOiJub25lIn0.eyJleHAiOiJ4In0.…", "e30.e30.", "a.b.c.d.e", "\x00.\xff.…"} {
		f.Add(s)
	}
	op := newTestOP(f, registeredConfig())
	f.Fuzz(func(t *testing.T, s string) {
		d := op.decodeForDashboard(s)
		if d.Error == "" && d.Kind == "" {
			t.Fatalf("no error and no kind for %q", s)
		}
	})
}

// BenchmarkDashboardState: the page polls the state every 10 s and after
// events; with 1,000 live sessions it must stay cheap.
func BenchmarkDashboardState(b *testing.B) {
	op := newTestOP(b, registeredConfig())
	now := time.Now()
	for i := range 1000 {
		op.store.putSession(&session{ID: randomID(16), SID: randomID(8), Sub: "alice", AuthTime: now,
			Expires: now.Add(time.Hour), Clients: map[string]bool{"shell": true, "bff": i%2 == 0}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if w := dashReq(op, http.MethodGet, "/_ssokit/dashboard/state", "", "", loopback); w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkDashboardDecode: one click on a token.
func BenchmarkDashboardDecode(b *testing.B) {
	op := newTestOP(b, registeredConfig())
	tok, err := op.keys.Sign(map[string]any{"iss": op.issuer, "sub": "alice", "aud": "shell", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}, "JWT")
	if err != nil {
		b.Fatal(err)
	}
	body := `{"token":"` + tok + `"}`
	b.ReportAllocs()
	for b.Loop() {
		if w := dashReq(op, http.MethodPost, "/_ssokit/dashboard/decode", body, "application/json", loopback); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"valid":true`) {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
