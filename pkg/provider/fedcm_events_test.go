package provider

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/events"
)

// eventsSince returns the provider's events after the first n, as
// "kind endpoint client user" lines plus the events themselves.
func eventsSince(op *testOP, n int) ([]string, []events.Event) {
	all := op.Events().Recent()[n:]
	var lines []string
	for _, e := range all {
		lines = append(lines, strings.Join([]string{e.Kind, e.Endpoint, e.ClientID, e.User}, " "))
	}
	return lines, all
}

// TestFedCMEvents: every FedCM answer that matters is on the event stream
// (what `ssokit inspect --follow`, the dashboard and the test API show):
// the accounts request without a session (login_required), the ID token
// (the token itself, for inspect) and the code of an assertion with how
// the browser mediated it (is_auto_selected), each refusal with its code
// and why, and disconnect.
func TestFedCMEvents(t *testing.T) {
	op := newTestOP(t, fedcmConfig())
	b := newBrowser(t)
	n := len(op.Events().Recent())
	b.fedcmCall(http.MethodGet, op.issuer+"fedcm/accounts", "", nil, true)
	lines, evs := eventsSince(op, n)
	if !slices.Equal(lines, []string{"error fedcm_accounts  "}) || !strings.HasPrefix(evs[0].Detail, "login_required: no live SSO session cookie") {
		t.Fatalf("accounts without a session: events %q %+v", lines, evs)
	}

	b.signIn(b.get(op.authURL("shell", shellCB, newPKCE(), nil)), "alice", "alice-pw")
	n = len(op.Events().Recent())
	const cart = "http://127.0.0.1:9100"
	form := url.Values{"client_id": {"cart"}, "account_id": {"alice"}, "nonce": {"n-1"}, "is_auto_selected": {"false"}}
	p, m := b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", cart, form, true)
	if p.status != http.StatusOK {
		t.Fatalf("assertion: %d %s", p.status, p.body)
	}
	form.Set("is_auto_selected", "true")
	b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", cart, form, true)
	form.Del("is_auto_selected")
	form.Set("params", `{"nonce":"n-1","response_type":"code","code_challenge":"`+newPKCE().challenge+`","code_challenge_method":"S256"}`)
	b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", cart, form, true)
	form.Set("params", `{"nonce":"other"}`)
	b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", cart, form, true)
	form.Del("params")
	b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", "http://evil.example", form, true)
	b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", cart, form, false)
	b.fedcmCall(http.MethodGet, op.issuer+"fedcm/client_metadata?client_id="+strings.Repeat("x", 300), "", nil, true)
	b.fedcmCall(http.MethodPost, op.issuer+"fedcm/disconnect", cart, url.Values{"client_id": {"cart"}, "account_hint": {"alice"}}, true)

	lines, evs = eventsSince(op, n)
	want := []string{
		"token fedcm_assertion cart alice",
		"token fedcm_assertion cart alice",
		"code fedcm_assertion cart alice",
		"error fedcm_assertion cart alice",
		"error fedcm_assertion cart ",
		"error fedcm_assertion  ",
		"error fedcm_client_metadata  ",
		"disconnect fedcm_disconnect cart alice",
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	sid := evs[0].SID
	for i, d := range []string{
		"fedcm (account chosen in the browser's dialog)",
		"fedcm (auto re-authentication)",
		"code issued (fedcm, mediation not reported)",
		"invalid_request: nonce and params.nonce differ",
		`unauthorized_client: origin "http://evil.example" is not one of client cart's origins`,
		"invalid_request: FedCM endpoints answer only the browser's FedCM requests (Sec-Fetch-Dest: webidentity)",
		`invalid_client: client_id "` + strings.Repeat("x", 100) + `…" is not registered`,
		"FedCM disconnect: cart no longer in approved_clients",
	} {
		if !strings.HasPrefix(evs[i].Detail, d) {
			t.Errorf("event %d (%s) detail %q, want it to start with %q", i, lines[i], evs[i].Detail, d)
		}
	}
	if evs[0].Token != m["token"] || evs[0].TokenType != "id_token" || sid == "" {
		t.Errorf("the ID token event carries %q (%s, sid %q), want the token the app got", evs[0].Token, evs[0].TokenType, sid)
	}
	for _, i := range []int{1, 2, 3, 7} {
		if evs[i].SID != sid {
			t.Errorf("event %d (%s): sid %q, want the session's %q", i, lines[i], evs[i].SID, sid)
		}
	}
	if evs[2].Token != "" {
		t.Errorf("the code event carries a token: %q", evs[2].Token)
	}
}

// TestDashboardHandlesEveryKind: the dashboard subscribes to the event
// stream's events by name (the SSE event field is the kind), so a kind it
// does not list never reaches it; every kind is listed.
func TestDashboardHandlesEveryKind(t *testing.T) {
	js, err := os.ReadFile("web/dashboard/app.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`for \(const k of \[([^\]]*)\]\) \{\s*source\.addEventListener`).FindSubmatch(js)
	if m == nil {
		t.Fatal("app.js: the loop adding an event listener per kind was not found")
	}
	for _, k := range events.Kinds {
		if k == events.KindError {
			continue // arrives at source.onerror as a MessageEvent (see app.js)
		}
		if !strings.Contains(string(m[1]), fmt.Sprintf("'%s'", k)) {
			t.Errorf("app.js does not listen to events of kind %q", k)
		}
	}
}
