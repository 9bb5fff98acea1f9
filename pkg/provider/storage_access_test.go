package provider

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// framedSilent sends the silent request a cross-site iframe sends when the
// browser withheld the provider's cookies.
func framedSilent(t *testing.T, op *testOP, extra url.Values) page {
	t.Helper()
	v := url.Values{"response_mode": {"web_message"}, "prompt": {"none"}, "redirect_uri": {shellOrigin + "/shell/callback"}}
	for k, vs := range extra {
		v[k] = vs
	}
	req, _ := http.NewRequest(http.MethodGet, op.authURL("shell", shellCB, newPKCE(), v), nil)
	req.Header.Set("Sec-Fetch-Dest", "iframe")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

var saInteractionRE = regexp.MustCompile(`encodeURIComponent\("([^"]+)"\)`)

// TestStorageAccessPage: only an opted-in, framed, cookie-less silent
// request gets the storage-access page; it posts only to the client's
// registered origin and carries no code.
func TestStorageAccessPage(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	if p := framedSilent(t, op, nil); strings.Contains(p.body, "requestStorageAccess") || !strings.Contains(p.body, "login_required") {
		t.Fatalf("without storage_access=request: want the plain login_required web message\n%s", p.body)
	}
	p := framedSilent(t, op, url.Values{"storage_access": {"request"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "requestStorageAccess") {
		t.Fatalf("storage-access page: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, `var target = "`+shellOrigin+`"`) || strings.Contains(p.body, `"*"`) || strings.Contains(p.body, "code=") {
		t.Errorf("the page must post only to %s and hold no code:\n%s", shellOrigin, p.body)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors "+shellOrigin) {
		t.Errorf("CSP %q: only the client's origin may frame the page", csp)
	}
	// a web_message to an origin the client did not register: no page at all
	bad := framedSilent(t, op, url.Values{"storage_access": {"request"}, "redirect_uri": {"http://evil.example/cb"}})
	if strings.Contains(bad.body, "requestStorageAccess") || strings.Contains(bad.body, "evil.example\"") {
		t.Fatalf("unregistered redirect: %d\n%s", bad.status, bad.body)
	}
}

// TestStorageAccessAnswer: the answer endpoint serves only the provider's
// own page (same-origin), once per request, from the session.
func TestStorageAccessAnswer(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	b, _ := signedInBrowser(t, op)
	issue := func() string {
		m := saInteractionRE.FindStringSubmatch(framedSilent(t, op, url.Values{"storage_access": {"request"}}).body)
		if m == nil {
			t.Fatal("no interaction in the storage-access page")
		}
		return m[1]
	}
	self := strings.TrimSuffix(op.issuer, "/")
	answer := func(b *browser, id, origin, site string) (page, map[string]any) {
		return b.call(op.issuer+"storage_access/answer", url.Values{"interaction": {id}}, map[string]string{"Origin": origin, "Sec-Fetch-Site": site})
	}
	id := issue()
	for _, tc := range []struct{ origin, site string }{{"http://evil.example", "cross-site"}, {shellOrigin, "cross-site"}, {self, "cross-site"}, {"", ""}} {
		if p, m := answer(b, id, tc.origin, tc.site); p.status != http.StatusForbidden || m["code"] != nil {
			t.Fatalf("answer from %q (%s): %d %s, want 403", tc.origin, tc.site, p.status, p.body)
		}
	}
	p, m := answer(b, id, self, "same-origin")
	if p.status != http.StatusOK || m["code"] == nil || m["iss"] != op.issuer || p.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("answer: %d %v %s", p.status, p.header, p.body)
	}
	if p, m := answer(b, id, self, "same-origin"); p.status != http.StatusBadRequest || m["code"] != nil {
		t.Fatalf("replayed interaction: %d %s", p.status, p.body)
	}
	// granted, but no session: login_required, plainly
	if _, m := answer(newBrowser(t), issue(), self, "same-origin"); m["error"] != "login_required" || m["code"] != nil {
		t.Fatalf("no session: %v", m)
	}
}

// call POSTs form with headers and decodes a JSON answer.
func (b *browser) call(rawURL string, form url.Values, headers map[string]string) (page, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	p := readPage(b.t, resp)
	var m map[string]any
	_ = json.Unmarshal([]byte(p.body), &m)
	return p, m
}
