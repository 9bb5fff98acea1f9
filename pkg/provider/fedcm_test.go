package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokit/ssokit/pkg/config"
)

const shellOrigin = "http://localhost:9000"

// fedcmCall sends what Chromium's FedCM sends: the webidentity fetch
// destination, the app's Origin on the POSTs, the provider's cookies.
func (b *browser) fedcmCall(method, rawURL, origin string, form url.Values, webidentity bool) (page, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest(method, rawURL, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if webidentity {
		req.Header.Set("Sec-Fetch-Dest", "webidentity")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
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

func fedcmErrCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func fedcmConfig() *config.Config {
	cfg := registeredConfig()
	cfg.Clients = append(cfg.Clients, config.Client{ClientID: "cart", RedirectURIs: []string{"http://127.0.0.1:9100/cb"}})
	return cfg
}

// TestFedCMDiscovery: the well-known file names the config file, which
// names every endpoint on the issuer.
func TestFedCMDiscovery(t *testing.T) {
	op := newTestOP(t, fedcmConfig())
	b := newBrowser(t)
	_, wk := b.fedcmCall(http.MethodGet, op.issuer+".well-known/web-identity", "", nil, true)
	if urls, _ := wk["provider_urls"].([]any); len(urls) != 1 || urls[0] != op.issuer+"fedcm.json" {
		t.Fatalf("web-identity = %v", wk)
	}
	_, cfg := b.fedcmCall(http.MethodGet, op.issuer+"fedcm.json", "", nil, true)
	for k, want := range map[string]string{"accounts_endpoint": "fedcm/accounts", "id_assertion_endpoint": "fedcm/assertion",
		"client_metadata_endpoint": "fedcm/client_metadata", "disconnect_endpoint": "fedcm/disconnect", "login_url": "fedcm/login"} {
		if cfg[k] != op.issuer+want {
			t.Errorf("fedcm.json %s = %v, want %s", k, cfg[k], op.issuer+want)
		}
	}
}

// TestFedCMFlow: the accounts list from the SSO session, the ID token
// for the client with the app's nonce (verified by coreos/go-oidc),
// approved_clients, disconnect, and the Set-Login header on sign-in and
// sign-out.
func TestFedCMFlow(t *testing.T) {
	op := newTestOP(t, fedcmConfig())
	b := newBrowser(t)
	if p, m := b.fedcmCall(http.MethodGet, op.issuer+"fedcm/accounts", "", nil, true); p.status != http.StatusUnauthorized ||
		fedcmErrCode(m) != "login_required" || p.header.Get("Set-Login") != "logged-out" {
		t.Fatalf("accounts without a session: %d %s %q", p.status, p.body, p.header.Get("Set-Login"))
	}
	signedIn := b.signIn(b.get(op.authURL("shell", shellCB, newPKCE(), nil)), "alice", "alice-pw")
	if got := signedIn.header.Get("Set-Login"); got != "logged-in" {
		t.Fatalf("sign-in response Set-Login = %q, want logged-in", got)
	}
	accounts := func() []any {
		t.Helper()
		p, m := b.fedcmCall(http.MethodGet, op.issuer+"fedcm/accounts", "", nil, true)
		list, _ := m["accounts"].([]any)
		if p.status != http.StatusOK || len(list) != 1 {
			t.Fatalf("accounts: %d %s", p.status, p.body)
		}
		acc := list[0].(map[string]any)
		if acc["id"] != "alice" || acc["email"] != "alice@example.com" {
			t.Fatalf("account = %v", acc)
		}
		approved, _ := acc["approved_clients"].([]any)
		return approved
	}
	if got := accounts(); !slices.Contains(got, any("shell")) || slices.Contains(got, any("cart")) {
		t.Fatalf("approved_clients = %v, want shell (signed in) and not cart", got)
	}
	if p, _ := b.fedcmCall(http.MethodGet, op.issuer+"fedcm/client_metadata?client_id=cart", "", nil, true); p.status != http.StatusOK {
		t.Fatalf("client metadata: %d %s", p.status, p.body)
	}

	form := url.Values{"client_id": {"cart"}, "account_id": {"alice"}, "nonce": {"n-42"}, "disclosure_text_shown": {"true"}}
	p, m := b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", "http://127.0.0.1:9100", form, true)
	if p.status != http.StatusOK || p.header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:9100" ||
		p.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("assertion: %d %v %s", p.status, p.header, p.body)
	}
	rp, err := gooidc.NewProvider(context.Background(), op.issuer)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := rp.Verifier(&gooidc.Config{ClientID: "cart"}).Verify(context.Background(), m["token"].(string))
	if err != nil {
		t.Fatalf("the FedCM token is not an ID token for cart: %v", err)
	}
	if tok.Subject != "alice" || tok.Nonce != "n-42" {
		t.Errorf("sub=%q nonce=%q", tok.Subject, tok.Nonce)
	}
	if got := accounts(); !slices.Contains(got, any("cart")) {
		t.Fatalf("after the assertion approved_clients = %v, want cart", got)
	}

	// a code instead of an ID token: PKCE, exchanged without redirect_uri
	pk := newPKCE()
	form.Set("params", `{"nonce":"n-42","response_type":"code","code_challenge":"`+pk.challenge+`","code_challenge_method":"S256","scope":"openid offline_access"}`)
	p, m = b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", "http://127.0.0.1:9100", form, true)
	codeValue, _ := m["token"].(string)
	if p.status != http.StatusOK || codeValue == "" {
		t.Fatalf("code assertion: %d %s", p.status, p.body)
	}
	status, tr := op.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "client_id": {"cart"}, "code": {codeValue}, "code_verifier": {pk.verifier}}, nil)
	if status != http.StatusOK || tr["refresh_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, tr)
	}
	if tok, err := rp.Verifier(&gooidc.Config{ClientID: "cart"}).Verify(context.Background(), tr["id_token"].(string)); err != nil || tok.Nonce != "n-42" {
		t.Fatalf("exchanged ID token: %v %v", tok, err)
	}
	form.Set("params", `{"nonce":"n-42","response_type":"code"}`)
	if p, m := b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", "http://127.0.0.1:9100", form, true); p.status != http.StatusBadRequest || m["token"] != nil {
		t.Fatalf("code without PKCE for a public client: %d %s", p.status, p.body)
	}
	form.Del("params")

	p, m = b.fedcmCall(http.MethodPost, op.issuer+"fedcm/disconnect", "http://127.0.0.1:9100", url.Values{"client_id": {"cart"}, "account_hint": {"alice"}}, true)
	if p.status != http.StatusOK || m["account_id"] != "alice" {
		t.Fatalf("disconnect: %d %s", p.status, p.body)
	}
	if got := accounts(); slices.Contains(got, any("cart")) {
		t.Fatalf("after disconnect approved_clients = %v", got)
	}

	if out := b.logout(op, ""); out.header.Get("Set-Login") != "logged-out" {
		t.Fatalf("sign-out Set-Login = %q (%d)", out.header.Get("Set-Login"), out.status)
	}
}

// TestFedCMRefusals: what is not the browser's FedCM request, not from a
// registered client's origin, or without the app's nonce is refused with
// the spec's {"error": {"code"}} body, and without CORS headers when the
// origin is not the client's (the page learns nothing).
func TestFedCMRefusals(t *testing.T) {
	op := newTestOP(t, fedcmConfig())
	b, _ := signedInBrowser(t, op)
	ok := url.Values{"client_id": {"shell"}, "account_id": {"alice"}, "nonce": {"n"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range ok {
			f[kk] = vv
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	tests := []struct {
		name, method, path, origin string
		form                       url.Values
		webidentity                bool
		status                     int
		code                       string
		cors                       bool
	}{
		{"accounts without Sec-Fetch-Dest", "GET", "fedcm/accounts", "", nil, false, 400, "invalid_request", false},
		{"client metadata without Sec-Fetch-Dest", "GET", "fedcm/client_metadata?client_id=shell", "", nil, false, 400, "invalid_request", false},
		{"client metadata of an unknown client", "GET", "fedcm/client_metadata?client_id=nope", "", nil, true, 404, "invalid_client", false},
		{"assertion without Sec-Fetch-Dest", "POST", "fedcm/assertion", shellOrigin, ok, false, 400, "invalid_request", false},
		{"assertion by GET", "GET", "fedcm/assertion", shellOrigin, nil, true, 405, "", false},
		{"assertion from an unregistered origin", "POST", "fedcm/assertion", "http://evil.example", ok, true, 403, "unauthorized_client", false},
		{"assertion from another client's origin", "POST", "fedcm/assertion", "http://127.0.0.1:9100", ok, true, 403, "unauthorized_client", false},
		{"assertion without Origin", "POST", "fedcm/assertion", "", ok, true, 403, "unauthorized_client", false},
		{"assertion for an unknown client", "POST", "fedcm/assertion", shellOrigin, with("client_id", "nope"), true, 400, "invalid_client", false},
		{"assertion without a nonce", "POST", "fedcm/assertion", shellOrigin, with("nonce", ""), true, 400, "invalid_request", true},
		{"assertion with nonce and params.nonce differing", "POST", "fedcm/assertion", shellOrigin, with("params", `{"nonce":"other"}`), true, 400, "invalid_request", true},
		{"assertion with params not JSON", "POST", "fedcm/assertion", shellOrigin, with("params", `{`), true, 400, "invalid_request", true},
		{"assertion for another account", "POST", "fedcm/assertion", shellOrigin, with("account_id", "bob"), true, 400, "invalid_request", true},
		{"disconnect from an unregistered origin", "POST", "fedcm/disconnect", "http://evil.example", ok, true, 403, "unauthorized_client", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.t = t
			p, m := b.fedcmCall(tt.method, op.issuer+tt.path, tt.origin, tt.form, tt.webidentity)
			if p.status != tt.status || (tt.code != "" && fedcmErrCode(m) != tt.code) {
				t.Fatalf("%d %s, want %d %s", p.status, p.body, tt.status, tt.code)
			}
			if got := p.header.Get("Access-Control-Allow-Origin") != ""; got != tt.cors {
				t.Errorf("CORS headers present = %v, want %v", got, tt.cors)
			}
			if _, has := m["token"]; has {
				t.Errorf("a refused request got a token: %s", p.body)
			}
			if tt.status >= 400 && tt.status != 405 && p.header.Get("SSOkit-Error-Description") == "" {
				t.Errorf("no description of what was wrong")
			}
		})
	}
	// params.nonce alone is accepted (newer Chromium sends it there)
	b.t = t
	if p, _ := b.fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", shellOrigin, func() url.Values { f := with("nonce", ""); f.Set("params", `{"nonce":"p"}`); return f }(), true); p.status != 200 {
		t.Fatalf("params.nonce: %d %s", p.status, p.body)
	}
	// a session-less browser is told it is logged out
	p, m := newBrowser(t).fedcmCall(http.MethodPost, op.issuer+"fedcm/assertion", shellOrigin, ok, true)
	if p.status != http.StatusUnauthorized || fedcmErrCode(m) != "access_denied" || p.header.Get("Set-Login") != "logged-out" {
		t.Fatalf("no session: %d %s", p.status, p.body)
	}
}

// FuzzFedCMParams: the ID assertion endpoint's nonce and params (untrusted
// form fields) never panic, and an accepted nonce is one the app sent.
func FuzzFedCMParams(f *testing.F) {
	for _, s := range [][2]string{
		{"n", ""}, {"", `{"nonce":"p"}`}, {"a", `{"nonce":"b"}`}, {"", `{`}, {"", `{"nonce":1}`},
		{"n", `{"response_type":"code","code_challenge":"x","code_challenge_method":"S256"}`},
		{"n", `{"response_type":"token"}`}, {"n", `[]`}, {"n", `null`}, {"n", `{"scope":7}`},
	} {
		f.Add(s[0], s[1])
	}
	pub := &client{}
	f.Fuzz(func(t *testing.T, field, params string) {
		nonce, why := fedcmNonce(field, params)
		if why == "" && nonce != field {
			var m map[string]any
			if json.Unmarshal([]byte(params), &m) != nil || m["nonce"] != nonce {
				t.Fatalf("nonce %q from neither %q nor %q", nonce, field, params)
			}
		}
		if why == "" && nonce == "" {
			t.Fatal("accepted an empty nonce")
		}
		req, why := fedcmCodeRequest(pub, params)
		if req != nil && (why != "" || req.CodeChallenge == "") {
			t.Fatalf("public client code request without PKCE accepted: %+v %q", req, why)
		}
	})
}
