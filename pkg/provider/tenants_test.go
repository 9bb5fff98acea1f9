package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
)

type testTenants struct {
	*Tenants
	srv    *httptest.Server
	issuer string // the root's
}

// newTestTenants serves a Tenants router on a loopback httptest server
// whose root issuer is the server's URL with a trailing slash.
func newTestTenants(t testing.TB, cfg *config.Config, mod ...func(*TenantsOptions)) *testTenants {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	o := TenantsOptions{Options: Options{Issuer: issuer, Config: cfg, Keys: testKeys()}}
	for _, m := range mod {
		m(&o)
	}
	ts, err := NewTenants(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ts
	srv.Start()
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return &testTenants{Tenants: ts, srv: srv, issuer: issuer}
}

// op is a testOP for the issuer iss of the router (the root's or a tenant's).
func (ts *testTenants) op(iss string) *testOP {
	return &testOP{issuer: iss}
}

func twoTenantConfig() *config.Config {
	spa := func(port string) config.Client {
		return config.Client{ClientID: "spa", RedirectURIs: []string{"http://localhost:" + port + "/callback"},
			PostLogoutRedirectURIs: []string{"http://localhost:" + port + "/"}}
	}
	return &config.Config{Tenants: []config.Tenant{
		{Name: "acme", Users: []config.User{{Username: "carol", Password: "x", Claims: map[string]any{"email": "carol@acme.test"}}}, Clients: []config.Client{spa("5101")}},
		{Name: "beta", Profile: config.ProfileAuth0, Clients: []config.Client{spa("5102")}},
	}}
}

// TestTenantsGoOIDC: two tenants under one listener are two issuers to
// coreos/go-oidc + x/oauth2: each discovers its own issuer and endpoints,
// signs with its own keys, knows its own users; a token of one fails
// verification at the other, and its code, refresh and access tokens are
// refused there.
func TestTenantsGoOIDC(t *testing.T) {
	ts := newTestTenants(t, twoTenantConfig())
	ctx := context.Background()
	type signedIn struct {
		rp   *gooidc.Provider
		conf oauth2.Config
		tok  *oauth2.Token
		idt  *gooidc.IDToken
	}
	b := newBrowser(t)
	flow := func(name, port, user string) signedIn {
		t.Helper()
		iss := ts.issuer + name + "/"
		rp, err := gooidc.NewProvider(ctx, iss)
		if err != nil {
			t.Fatalf("%s discovery: %v", name, err)
		}
		conf := oauth2.Config{ClientID: "spa", Endpoint: rp.Endpoint(), RedirectURL: "http://localhost:" + port + "/callback",
			Scopes: []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess}}
		if !strings.HasPrefix(conf.Endpoint.AuthURL, iss) || !strings.HasPrefix(conf.Endpoint.TokenURL, iss) {
			t.Fatalf("%s endpoints outside its issuer: %+v", name, conf.Endpoint)
		}
		verifier := oauth2.GenerateVerifier()
		form := b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-"+name)))
		q := callbackParams(t, b.signIn(form, user, "x"), conf.RedirectURL)
		if q.Get("iss") != iss {
			t.Errorf("%s: authorization response iss %q", name, q.Get("iss"))
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("%s exchange: %v", name, err)
		}
		idt, err := rp.Verifier(&gooidc.Config{ClientID: "spa"}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatalf("%s verify: %v", name, err)
		}
		if idt.Issuer != iss || idt.Subject != user {
			t.Errorf("%s: iss %q sub %q", name, idt.Issuer, idt.Subject)
		}
		return signedIn{rp, conf, tok, idt}
	}
	a := flow("acme", "5101", "carol")  // acme's own user
	bb := flow("beta", "5102", "alice") // beta has the default users
	// their own keys
	acmeKeys, _ := ts.Tenant("acme")
	betaKeys, _ := ts.Tenant("beta")
	if acmeKeys.Keys().ActiveKID() == betaKeys.Keys().ActiveKID() || acmeKeys.Keys().ActiveKID() == ts.Root().Keys().ActiveKID() {
		t.Fatal("tenants share a signing key")
	}
	// acme's ID token does not verify as beta's, not even with beta's
	// issuer check off: the signature is the check that cannot be skipped
	rawA := a.tok.Extra("id_token").(string)
	if _, err := bb.rp.Verifier(&gooidc.Config{ClientID: "spa", SkipIssuerCheck: true}).Verify(ctx, rawA); err == nil {
		t.Fatal("acme's ID token verified with beta's keys")
	}
	if _, err := bb.rp.Verifier(&gooidc.Config{ClientID: "spa"}).Verify(ctx, rawA); err == nil || !strings.Contains(err.Error(), "issuer") && !strings.Contains(err.Error(), "signature") {
		t.Fatalf("acme's ID token at beta: %v", err)
	}
	// acme's access token at beta's userinfo; at acme's it works
	if _, err := bb.rp.UserInfo(ctx, oauth2.StaticTokenSource(a.tok)); err == nil {
		t.Error("beta's userinfo accepted acme's access token")
	}
	if ui, err := a.rp.UserInfo(ctx, oauth2.StaticTokenSource(a.tok)); err != nil || ui.Email != "carol@acme.test" {
		t.Errorf("acme userinfo: %v %+v", err, ui)
	}
	// acme's refresh token at beta's token endpoint
	stale := &oauth2.Token{RefreshToken: a.tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	if _, err := bb.conf.TokenSource(ctx, stale).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("acme's refresh token at beta: %v", err)
	}
	// acme's refresh token revoked at beta: beta knows nothing of it (RFC
	// 7009 answers 200 all the same), and it still works at acme
	resp, err := http.PostForm(ts.issuer+"beta/oauth/revoke", url.Values{"token": {a.tok.RefreshToken}, "client_id": {"spa"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := a.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: a.tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err != nil {
		t.Errorf("acme's refresh token after a revocation at beta: %v", err)
	}
	// acme's ID token as beta's logout hint
	if pg := b.get(ts.issuer + "beta/logout?id_token_hint=" + url.QueryEscape(rawA)); pg.status != http.StatusBadRequest || !strings.Contains(pg.body, "not an ID token from this provider") {
		t.Errorf("acme's id_token_hint at beta's logout: %d %s", pg.status, pg.body)
	}
	// beta's user is unknown at acme (acme lists its own users, with
	// passwords, so names are not made on the fly)
	pk := newPKCE()
	form := b.get(ts.op(ts.issuer+"acme/").authURL("spa", "http://localhost:5101/callback", pk, url.Values{"prompt": {"login"}}))
	if p := b.signIn(form, "alice", "x"); p.status != http.StatusUnauthorized {
		t.Errorf("alice (beta's user) at acme: %d", p.status)
	}
	// acme's code, presented to beta
	pk = newPKCE()
	q := callbackParams(t, b.get(ts.op(ts.issuer+"acme/").authURL("spa", "http://localhost:5101/callback", pk, url.Values{"prompt": {"none"}})), "http://localhost:5101/callback")
	status, body := ts.op(ts.issuer+"beta/").exchange(t, "spa", "http://localhost:5101/callback", q.Get("code"), pk.verifier)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("acme's code at beta: %d %v", status, body)
	}
}

// TestTenantsSessionsDoNotCross: a browser signed in at the root issuer
// and at tenant acme carries both cookies to acme's paths (the root's is
// Path=/); neither signs anyone in at another issuer, and signing out of
// one leaves the others' sessions alone.
func TestTenantsSessionsDoNotCross(t *testing.T) {
	ts := newTestTenants(t, twoTenantConfig())
	b := newBrowser(t)
	root, acme, beta := ts.op(ts.issuer), ts.op(ts.issuer+"acme/"), ts.op(ts.issuer+"beta/")
	silent := func(op *testOP, redirect string) url.Values {
		t.Helper()
		return callbackParams(t, b.get(op.authURL("spa", redirect, newPKCE(), url.Values{"prompt": {"none"}})), redirect)
	}
	// signed in at the root only
	pg := b.signIn(b.get(root.authURL("spa", "http://localhost:5101/callback", newPKCE(), nil)), "alice", "x")
	callbackParams(t, pg, "http://localhost:5101/callback")
	var rootCookie *http.Cookie
	for _, c := range readSetCookies(pg) {
		if c.Name == SessionCookie {
			rootCookie = c
		}
	}
	if rootCookie == nil || rootCookie.Path != "/" {
		t.Fatalf("root session cookie %+v", rootCookie)
	}
	if q := silent(acme, "http://localhost:5101/callback"); q.Get("error") != "login_required" {
		t.Fatalf("the root's session signed in at acme: %v", q)
	}
	// signed in at acme too: its cookie is scoped to /acme/
	pk := newPKCE()
	pg = b.signIn(b.get(acme.authURL("spa", "http://localhost:5101/callback", pk, nil)), "carol", "x")
	q := callbackParams(t, pg, "http://localhost:5101/callback")
	for _, c := range readSetCookies(pg) {
		if (c.Name == SessionCookie || c.Name == BrowserStateCookie) && c.Path != "/acme/" {
			t.Errorf("acme's %s cookie has Path %q, want /acme/", c.Name, c.Path)
		}
	}
	if status, tok := acme.exchange(t, "spa", "http://localhost:5101/callback", q.Get("code"), pk.verifier); status != http.StatusOK {
		t.Fatalf("acme exchange: %d %v", status, tok)
	}
	if q := silent(acme, "http://localhost:5101/callback"); q.Get("code") == "" {
		t.Fatalf("acme's own session: %v", q)
	}
	if q := silent(beta, "http://localhost:5102/callback"); q.Get("error") != "login_required" {
		t.Fatalf("a session signed in at beta: %v", q)
	}
	if q := silent(root, "http://localhost:5101/callback"); q.Get("code") == "" {
		t.Fatalf("the root's session is gone: %v", q)
	}
	// signing out of acme (confirmed) ends acme's session only
	pg = b.get(acme.issuer + "logout?client_id=spa")
	m := regexp1(`name="confirm" value="([^"]+)"`, pg.body)
	if m == "" {
		t.Fatalf("no logout confirmation:\n%s", pg.body)
	}
	b.postForm(acme.issuer+"logout", url.Values{"confirm": {m}, "client_id": {"spa"}})
	if q := silent(acme, "http://localhost:5101/callback"); q.Get("error") != "login_required" {
		t.Errorf("acme's session survived its logout: %v", q)
	}
	if q := silent(root, "http://localhost:5101/callback"); q.Get("code") == "" {
		t.Errorf("acme's logout ended the root's session: %v", q)
	}
}

func readSetCookies(p page) []*http.Cookie {
	return (&http.Response{Header: p.header}).Cookies()
}

func regexp1(expr, s string) string {
	m := regexp.MustCompile(expr).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestTenantsLazy: with no config, any valid name is a tenant on first use
// (its own issuer and keys, the default users), up to the cap; a bad name
// or the cap is a clear error; stray paths create nothing.
func TestTenantsLazy(t *testing.T) {
	ts := newTestTenants(t, nil, func(o *TenantsOptions) { o.MaxTenants = 2 })
	get := func(path string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(ts.issuer + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	for _, name := range []string{"t1", "t-2"} {
		status, d := get(name + "/.well-known/openid-configuration")
		if status != http.StatusOK || d["issuer"] != ts.issuer+name+"/" || d["token_endpoint"] != ts.issuer+name+"/oauth/token" {
			t.Fatalf("%s discovery: %d %v", name, status, d)
		}
	}
	if !ts.Lazy() || len(ts.List()) != 2 || !ts.List()[0].Lazy {
		t.Fatalf("tenants %+v", ts.List())
	}
	// any URL can make one: a lazy tenant's stores are a twentieth of the root's
	t1, _ := ts.Tenant("t1")
	if t1.store.sessions.max != defaultLimits.Sessions/20 || t1.store.interactions.max != 100 || ts.Root().store.interactions.max != defaultLimits.Interactions {
		t.Errorf("lazy tenant's limits: %d sessions, %d pending logins", t1.store.sessions.max, t1.store.interactions.max)
	}
	status, d := get("t3/.well-known/openid-configuration")
	if status != http.StatusServiceUnavailable || !strings.Contains(d["error_description"].(string), `tenant "t3" was not created: 2 tenants were already created on first use, the limit (ssokit provider --max-tenants)`) {
		t.Errorf("beyond the cap: %d %v", status, d)
	}
	// one name, one tenant, whatever the profile
	ts4 := newTestTenants(t, nil)
	if resp, err := http.Get(ts4.issuer + "realms/dup/.well-known/openid-configuration"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("realm dup: %v %v", err, resp.StatusCode)
	}
	resp, err := http.Get(ts4.issuer + "dup/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var dup map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&dup)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(fmt.Sprint(dup["error_description"]), `tenant "dup" exists already as a keycloak tenant with issuer `+ts4.issuer+`realms/dup`) {
		t.Errorf("generic dup after realm dup: %d %v", resp.StatusCode, dup)
	}
	if status, _ := get("t1/.well-known/jwks.json"); status != http.StatusOK {
		t.Errorf("t1 after the cap: %d", status)
	}
	// a tenant created on first use signs in the default users with any client
	op := ts.op(ts.issuer + "t1/")
	b := newBrowser(t)
	pk := newPKCE()
	q := callbackParams(t, b.signIn(b.get(op.authURL("any-app", "http://localhost:5173/cb", pk, nil)), "bob", ""), "http://localhost:5173/cb")
	if status, tok := op.exchange(t, "any-app", "http://localhost:5173/cb", q.Get("code"), pk.verifier); status != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("t1 exchange: %d %v", status, tok)
	}
	// not a tenant: bad names, reserved names, stray paths
	ts2 := newTestTenants(t, nil)
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{"a%20b/.well-known/openid-configuration", http.StatusNotFound, `is not a URL path segment: character ' ' at offset 1 is not allowed`},
		{"-x/authorize", http.StatusNotFound, `character '-' at offset 0`},
		{"favicon.ico", http.StatusNotFound, ""},
		{"acme/favicon.ico", http.StatusNotFound, ""},
		{"oauth/token", http.StatusMethodNotAllowed, ""}, // the root's token endpoint, not tenant "oauth"
		{".well-known/jwks.json", http.StatusOK, ""},
	} {
		resp, err := http.Get(ts2.issuer + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		_, _ = io.Copy(&body, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(body.String(), tt.want) {
			t.Errorf("%s: %d %s", tt.path, resp.StatusCode, body.String())
		}
	}
	// neither the mount nor the admin listener makes a tenant it would refuse
	for _, h := range []struct {
		handler http.Handler
		path    string
	}{{ts2.MountHandler(), "m1/_ssokit/status"}, {ts2.AdminHandler(), "a1/.well-known/openid-configuration"}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, ts2.issuer+h.path, nil)
		req.RemoteAddr = "127.0.0.1:1"
		h.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", h.path, rec.Code)
		}
	}
	if l := ts2.List(); len(l) != 0 {
		t.Errorf("stray paths created tenants: %+v", l)
	}
	// with clients registered it is not zero-config: no tenant on first use
	ts3 := newTestTenants(t, registeredConfig())
	if resp, err := http.Get(ts3.issuer + "acme/.well-known/openid-configuration"); err != nil || resp.StatusCode != http.StatusNotFound || len(ts3.List()) != 0 {
		t.Errorf("registered config created a tenant: %v %v", err, resp.StatusCode)
	}
}

// TestTenantsReservedNamesCoverRoutes: a tenant can never shadow one of the
// root's endpoints, because every route's first segment is reserved.
func TestTenantsReservedNamesCoverRoutes(t *testing.T) {
	op := newTestOP(t, nil)
	for _, path := range []string{PathDiscovery, PathJWKS, PathAuthorize, PathLogin, PathToken, "/token", PathUserinfo, PathRevoke, "/revoke",
		PathIntrospect, PathLogout, PathAuth0Logout, PathCheckSession, PathAdmin + "status"} {
		if !op.hasRoute(path) {
			t.Errorf("%s is not a route", path)
		}
		seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if !slices.Contains(config.ReservedTenantNames, seg) {
			t.Errorf("route %s: %q is not in config.ReservedTenantNames", path, seg)
		}
	}
}

// TestTenantsAdminAndEvents: each tenant has its own admin API under its
// prefix (what `flow` fault steps and `inspect --follow <tenant issuer>`
// use), not served on a mount; events name their tenant; a tenant's stream
// shows only its own events, the root's shows all.
func TestTenantsAdminAndEvents(t *testing.T) {
	ts := newTestTenants(t, twoTenantConfig())
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, ts.issuer+"acme/_ssokit/status", nil)
	req.RemoteAddr = "127.0.0.1:1"
	ts.ServeHTTP(rec, req)
	var st map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &st)
	if rec.Code != 200 || st["tenant"] != "acme" || st["issuer"] != ts.issuer+"acme/" {
		t.Fatalf("acme status: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodGet, ts.issuer+"_ssokit/status", nil)
	req.RemoteAddr = "127.0.0.1:1"
	ts.ServeHTTP(rec, req)
	var rootSt struct{ Tenants []TenantInfo }
	_ = json.Unmarshal(rec.Body.Bytes(), &rootSt)
	if len(rootSt.Tenants) != 2 || rootSt.Tenants[0].Name != "acme" || rootSt.Tenants[1].Issuer != ts.issuer+"beta/" || rootSt.Tenants[1].Profile != ProfileAuth0 {
		t.Errorf("root status tenants: %s", rec.Body)
	}
	for _, h := range []struct {
		name    string
		handler http.Handler
		path    string
		status  int
	}{
		{"mount refuses a tenant's admin API", ts.MountHandler(), "acme/_ssokit/status", http.StatusNotFound},
		{"mount serves a tenant", ts.MountHandler(), "acme/.well-known/openid-configuration", http.StatusOK},
		{"admin serves a tenant's admin API", ts.AdminHandler(), "beta/_ssokit/status", http.StatusOK},
		{"admin refuses a tenant's endpoints", ts.AdminHandler(), "beta/.well-known/openid-configuration", http.StatusNotFound},
		{"admin refuses the root's endpoints", ts.AdminHandler(), ".well-known/openid-configuration", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, ts.issuer+h.path, nil)
		req.RemoteAddr = "127.0.0.1:1"
		h.handler.ServeHTTP(rec, req)
		if rec.Code != h.status {
			t.Errorf("%s: %d, want %d: %s", h.name, rec.Code, h.status, rec.Body)
		}
	}
	// events: a fault installed at each tenant, read from the streams
	for _, name := range []string{"acme", "beta"} {
		req, _ := http.NewRequest(http.MethodPost, ts.issuer+name+"/_ssokit/faults", strings.NewReader(`{"endpoint":"token","error":"temporarily_unavailable","count":1}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s fault: %v %v", name, err, resp.StatusCode)
		}
		resp.Body.Close()
	}
	read := func(path string, n int) []events.Event {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, events.StreamURL(ts.issuer+path, false), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got []events.Event
		_ = events.ReadStream(resp.Body, func(e events.Event) error {
			got = append(got, e)
			if len(got) == n {
				return context.Canceled
			}
			return nil
		})
		return got
	}
	all := read("", 2)
	if len(all) != 2 || all[0].Tenant != "acme" || all[1].Tenant != "beta" || all[0].Kind != events.KindFault {
		t.Fatalf("root stream: %+v", all)
	}
	// the tenant's stream skips acme's event and stops at its own
	if got := read("beta/", 1); len(got) != 1 || got[0].Tenant != "beta" {
		t.Fatalf("beta stream: %+v", got)
	}
	b, _ := json.Marshal(events.Event{Kind: events.KindLogin})
	if strings.Contains(string(b), "tenant") {
		t.Errorf("a root event's JSON names a tenant: %s", b)
	}
}

// TestTenantsReload: a reload updates a tenant's clients keeping its
// sessions, adds new tenants and stops removed ones.
func TestTenantsReload(t *testing.T) {
	cfg := twoTenantConfig()
	ts := newTestTenants(t, cfg)
	b := newBrowser(t)
	acme := ts.op(ts.issuer + "acme/")
	callbackParams(t, b.signIn(b.get(acme.authURL("spa", "http://localhost:5101/callback", newPKCE(), nil)), "carol", "x"), "http://localhost:5101/callback")
	next := twoTenantConfig()
	next.Tenants = []config.Tenant{next.Tenants[0], {Name: "gamma"}}
	next.Tenants[0].Clients = append(next.Tenants[0].Clients, config.Client{ClientID: "other", RedirectURIs: []string{"http://localhost:5109/cb"}})
	if err := ts.Reload(next); err != nil {
		t.Fatal(err)
	}
	if q := callbackParams(t, b.get(acme.authURL("other", "http://localhost:5109/cb", newPKCE(), url.Values{"prompt": {"none"}})), "http://localhost:5109/cb"); q.Get("code") == "" {
		t.Errorf("acme after reload: %v", q)
	}
	if _, ok := ts.Tenant("beta"); ok {
		t.Error("beta survived its removal")
	}
	if _, ok := ts.Tenant("gamma"); !ok {
		t.Error("gamma was not created")
	}
	if resp, err := http.Get(ts.issuer + "beta/.well-known/openid-configuration"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("beta after removal: %v %v", err, resp.StatusCode)
	}
	bad := twoTenantConfig()
	bad.Tenants[0].Profile = "nope"
	if err := ts.Reload(bad); err == nil {
		t.Error("a reload with a bad profile succeeded")
	}
	if _, ok := ts.Tenant("gamma"); !ok {
		t.Error("a failed reload dropped the config in force")
	}
}

// hasRoute reports whether p's mux has an endpoint at path.
func (p *Provider) hasRoute(path string) bool {
	_, pattern := p.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}})
	return pattern != ""
}

// TestTenantsProfiles: a keycloak tenant is a realm at /realms/{name}
// and an entra tenant has issuer /{name}/v2.0 with its endpoints above it;
// go-oidc signs in at each (configured and created on first use), each
// with its own keys.
func TestTenantsProfiles(t *testing.T) {
	cfg := &config.Config{Tenants: []config.Tenant{
		{Name: "acme", Profile: config.ProfileKeycloak},
		{Name: "contoso", Profile: config.ProfileEntra},
		{Name: "shop", Profile: config.ProfileAuth0},
	}}
	configured := newTestTenants(t, cfg)
	lazy := newTestTenants(t, nil)
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		ts       *testTenants
		issuer   string // relative to the root issuer
		authPath string
		profile  Profile
	}{
		{"configured keycloak", configured, "realms/acme", "realms/acme/protocol/openid-connect/auth", ProfileKeycloak},
		{"configured entra", configured, "contoso/v2.0", "contoso/oauth2/v2.0/authorize", ProfileEntra},
		{"configured auth0", configured, "shop/", "shop/authorize", ProfileAuth0},
		{"lazy keycloak realm", lazy, "realms/demo", "realms/demo/protocol/openid-connect/auth", ProfileKeycloak},
		{"lazy entra", lazy, "00000000-0000-0000-0000-000000000001/v2.0", "00000000-0000-0000-0000-000000000001/oauth2/v2.0/authorize", ProfileEntra},
		{"lazy generic", lazy, "team-2/", "team-2/authorize", ProfileGeneric},
	} {
		t.Run(tt.name, func(t *testing.T) {
			iss := tt.ts.issuer + tt.issuer
			rp, err := gooidc.NewProvider(ctx, iss)
			if err != nil {
				t.Fatalf("discovery: %v", err)
			}
			if rp.Endpoint().AuthURL != tt.ts.issuer+tt.authPath {
				t.Errorf("authorization endpoint %s, want %s", rp.Endpoint().AuthURL, tt.ts.issuer+tt.authPath)
			}
			var found *TenantInfo
			for _, ti := range tt.ts.List() {
				if ti.Issuer == iss {
					found = &ti
				}
			}
			if found == nil || found.Profile != tt.profile {
				t.Fatalf("tenant list %+v has no %s tenant with issuer %s", tt.ts.List(), tt.profile, iss)
			}
			const redirect = "http://localhost:5101/callback"
			conf := oauth2.Config{ClientID: "spa", Endpoint: rp.Endpoint(), RedirectURL: redirect, Scopes: []string{gooidc.ScopeOpenID, "profile"}}
			verifier := oauth2.GenerateVerifier()
			b := newBrowser(t)
			q := callbackParams(t, b.signIn(b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))), "alice", "x"), redirect)
			tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			idt, err := rp.Verifier(&gooidc.Config{ClientID: "spa"}).Verify(ctx, tok.Extra("id_token").(string))
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if idt.Issuer != iss {
				t.Errorf("iss %q, want %q", idt.Issuer, iss)
			}
			p, _ := tt.ts.Tenant(found.Name)
			if p.Keys().ActiveKID() == tt.ts.Root().Keys().ActiveKID() {
				t.Error("the tenant signs with the root's key")
			}
		})
	}
}

// TestTenantProfilesMatchConfig: config validates the profile names the
// provider knows (config cannot import the provider).
func TestTenantProfilesMatchConfig(t *testing.T) {
	var names []string
	for _, p := range Profiles {
		names = append(names, string(p))
	}
	if !slices.Equal(names, config.Profiles) {
		t.Errorf("provider profiles %v, config profiles %v", names, config.Profiles)
	}
}

// FuzzSplitTenant: any request path splits into prefix + rest with a name
// of one segment; a name that passes CheckTenantName makes exactly that
// prefix back, so the router serves a tenant at the URLs its issuer names.
func FuzzSplitTenant(f *testing.F) {
	for _, s := range []string{"/acme/authorize", "/realms/demo/protocol/openid-connect/auth", "/realms/", "/realms//x", "/a", "//", "/x/v2.0/.well-known/openid-configuration", "/%2e%2e/authorize", "/realms/a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		prefix, name, rest := splitTenant(path)
		if prefix == "" {
			return
		}
		if prefix+rest != path || !strings.HasSuffix(prefix, "/"+name) || name == "" || strings.Contains(name, "/") || !strings.HasPrefix(rest, "/") {
			t.Fatalf("splitTenant(%q) = %q %q %q", path, prefix, name, rest)
		}
		pr, ok := lazyProfile(prefix, rest)
		if ok && config.CheckTenantName(name) == "" && tenantPrefix(name, pr) != prefix {
			t.Fatalf("%q: a %s tenant %q would live at %q, not %q", path, pr, name, tenantPrefix(name, pr), prefix)
		}
	})
}

// TestTenantsUnderAnIssuerPath: with a root issuer that has a path, served
// directly (not mounted), tenants live under that path.
func TestTenantsUnderAnIssuerPath(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	root := "http://" + srv.Listener.Addr().String() + "/base/"
	ts, err := NewTenants(TenantsOptions{Options: Options{Issuer: root, Keys: testKeys()}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ts
	srv.Start()
	t.Cleanup(func() { srv.Close(); ts.Close() })
	for path, iss := range map[string]string{"": root, "acme/": root + "acme/", "realms/demo/": root + "realms/demo"} {
		rp, err := gooidc.NewProvider(context.Background(), iss)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if !strings.HasPrefix(rp.Endpoint().TokenURL, strings.TrimSuffix(iss, "/")+"/") {
			t.Errorf("%s: token endpoint %s outside %s", path, rp.Endpoint().TokenURL, iss)
		}
	}
}

// TestTenantsUnknownAdmin: with a config, a test-API call (a storageState
// sign-in, say) for a tenant the config does not have is refused with a
// JSON error naming the tenants there are; nothing is created.
func TestTenantsUnknownAdmin(t *testing.T) {
	ts := newTestTenants(t, twoTenantConfig())
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, ts.issuer+"nope/_ssokit/signin", strings.NewReader(`{"user":"carol"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:1"
	ts.ServeHTTP(rec, req)
	var e map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != http.StatusNotFound || e["error"] != "invalid_request" || !strings.Contains(e["error_description"], `no tenant "nope"`) || !strings.Contains(e["error_description"], "acme, beta") {
		t.Fatalf("sign-in at an unknown tenant: %d %s", rec.Code, rec.Body)
	}
	if n := len(ts.List()); n != 2 {
		t.Errorf("%d tenants after the call, want the 2 configured", n)
	}
}
