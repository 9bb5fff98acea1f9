package provider

import (
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/fault"
	"github.com/ssokit/ssokit/pkg/token"
)

// The dashboard is plain HTML, CSS and JavaScript embedded in the binary:
// no build step, no library. It is served under the admin API (/_ssokit/),
// so it has the admin API's protections: loopback callers only, the Host
// check, and when the provider is mounted under the proxy it stays on the
// provider's own listener (AdminHandler), never on the apps' origin.
//
//go:embed web/dashboard
var dashboardFS embed.FS

// dashboardCSP allows only the dashboard's own script, style and
// connections: no inline script (data is rendered with textContent, and
// even a slip could run nothing), no framing (clickjacking of its
// buttons), no forms, no base URL changes.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// PathDashboard is the dashboard's URL path on the provider's own origin.
const PathDashboard = PathAdmin

// DashboardURL returns where the dashboard of a provider (or of its admin
// listener, when mounted) answers, for banners.
func DashboardURL(base string) string { return strings.TrimSuffix(base, "/") + PathDashboard }

// maxDecodeInput bounds a token posted to the decode endpoint.
const maxDecodeInput = 256 << 10

// handleDashboard serves the page (GET /_ssokit/), its assets and the few
// JSON endpoints only the page needs, all under /_ssokit/dashboard/:
//
//	GET  /_ssokit/dashboard/state        sessions, clients, users, faults, active key
//	POST /_ssokit/dashboard/decode       {"token": "…"}: decoded, verified, each claim explained
//	POST /_ssokit/dashboard/end-session  {"sid": "…"}: end one SSO session (front/back-channel as logout)
//
// handleAdmin has already checked the caller (loopback) and, for POST, the
// forgery-proof JSON content type or admin header.
func (p *Provider) handleDashboard(w http.ResponseWriter, r *http.Request, rest string) {
	switch {
	case rest == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		p.serveDashboardFile(w, r, "index.html")
	case rest == "dashboard/state" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, p.dashboardState(p.regOf(r)))
	case rest == "dashboard/decode" && r.Method == http.MethodPost:
		var in struct {
			Token string `json:"token"`
		}
		if !readJSON(w, r, &in, `{"token":"eyJ…"}`) {
			return
		}
		writeJSON(w, http.StatusOK, p.decodeForDashboard(in.Token))
	case rest == "dashboard/end-session" && r.Method == http.MethodPost:
		var in struct {
			SID string `json:"sid"`
		}
		if !readJSON(w, r, &in, `{"sid":"…"}`) {
			return
		}
		// as a logout: refresh tokens revoked, front/back-channel notified
		if in.SID == "" || p.endWhere(func(s *session) bool { return s.SID == in.SID }, "ended from the dashboard") == 0 {
			writeOAuthError(w, oauthErr(http.StatusNotFound, "not_found", "no live SSO session with sid %q; GET /_ssokit/dashboard/state lists them", in.SID))
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"ended": 1})
	case strings.HasPrefix(rest, "dashboard/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		name := strings.TrimPrefix(rest, "dashboard/")
		if !dashboardAsset(name) {
			http.NotFound(w, r)
			return
		}
		p.serveDashboardFile(w, r, name)
	default:
		writeOAuthError(w, oauthErr(http.StatusNotFound, "not_found", "no dashboard endpoint %s %s; the dashboard is GET %s", r.Method, r.URL.Path, PathDashboard))
	}
}

// dashboardAsset reports whether name is a static file of the dashboard
// (flat names only: no directories, nothing hidden).
func dashboardAsset(name string) bool {
	if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return false
	}
	_, err := fs.Stat(dashboardFS, "web/dashboard/"+name)
	return err == nil
}

var dashboardTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

func (p *Provider) serveDashboardFile(w http.ResponseWriter, r *http.Request, name string) {
	b, err := dashboardFS.ReadFile("web/dashboard/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	ct := dashboardTypes[path.Ext(name)]
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Content-Security-Policy", dashboardCSP)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// readJSON decodes a small JSON body strictly, answering the error itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDecodeInput))
	if err == nil {
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
	}
	if err != nil {
		writeOAuthError(w, errInvalidRequest("body is not the expected JSON: %v; e.g. %s", err, example))
		return false
	}
	return true
}

// dashState is what the dashboard lists besides the event stream.
type dashState struct {
	Issuer     string         `json:"issuer"`
	Alg        string         `json:"alg"`
	KID        string         `json:"kid"`
	Now        time.Time      `json:"now"`
	ZeroConfig bool           `json:"zero_config"`
	Sessions   []dashSession  `json:"sessions"`
	Clients    []dashClient   `json:"clients"`
	Users      []dashUser     `json:"users"`
	Faults     []activeFault  `json:"faults"`
	Endpoints  []string       `json:"fault_endpoints"`
	Errors     []string       `json:"fault_errors"`
	Counts     map[string]int `json:"counts"`
}

type dashSession struct {
	SID      string    `json:"sid"`
	User     string    `json:"user"`
	Clients  []string  `json:"clients"`
	AuthTime time.Time `json:"auth_time"`
	Expires  time.Time `json:"expires"`
	AMR      []string  `json:"amr,omitempty"`
}

type dashClient struct {
	ClientID     string   `json:"client_id"`
	App          string   `json:"app,omitempty"` // the app in ssokit.yaml that uses it: its log colour
	Public       bool     `json:"public"`
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	WebOrigins   []string `json:"web_origins,omitempty"`
	Frontchannel string   `json:"frontchannel_logout_uri,omitempty"`
	Backchannel  string   `json:"backchannel_logout_uri,omitempty"`
}

type dashUser struct {
	Username string   `json:"username"`
	Claims   []string `json:"claims"` // names only: values may be anything
	Password bool     `json:"password"`
}

func (p *Provider) dashboardState(reg *registry) dashState {
	now := p.now()
	st := dashState{
		Issuer: p.issuer, Alg: p.keys.Alg(), KID: p.keys.ActiveKID(), Now: now,
		ZeroConfig: reg.zeroConfig, Faults: p.faults.snapshot(), Counts: p.store.counts(),
		Endpoints: fault.Endpoints, Errors: fault.ErrorsFor("*"),
		Sessions: p.dashSessions(now), Clients: []dashClient{}, Users: []dashUser{},
	}
	for _, c := range reg.clients {
		st.Clients = append(st.Clients, dashClient{
			ClientID: c.ClientID, App: reg.apps[c.ClientID], Public: c.public(),
			RedirectURIs: c.RedirectURIs, WebOrigins: c.WebOrigins,
			Frontchannel: c.FrontchannelLogoutURI, Backchannel: c.BackchannelLogoutURI,
		})
	}
	slices.SortFunc(st.Clients, func(a, b dashClient) int { return strings.Compare(a.ClientID, b.ClientID) })
	for _, u := range reg.users {
		names := make([]string, 0, len(u.Claims))
		for k := range u.Claims {
			names = append(names, k)
		}
		slices.Sort(names)
		st.Users = append(st.Users, dashUser{Username: u.Username, Claims: names, Password: u.Password != ""})
	}
	return st
}

// appNames maps each client_id to the app of ssokit.yaml that uses it
// (apps[].client_id, else an app named like the client), so the dashboard
// colours a client as `up` colours that app's logs.
func appNames(cfg *config.Config) map[string]string {
	m := map[string]string{}
	for _, a := range cfg.Apps {
		if a.ClientID != "" {
			m[a.ClientID] = a.Name
		}
	}
	for _, c := range cfg.Clients {
		if _, ok := m[c.ClientID]; ok {
			continue
		}
		for _, a := range cfg.Apps {
			if a.Name == c.ClientID {
				m[c.ClientID] = a.Name
			}
		}
	}
	return m
}

// dashSessions returns the live sessions, newest first.
func (p *Provider) dashSessions(now time.Time) []dashSession {
	out := []dashSession{}
	for _, ss := range p.store.sessionsList(now) {
		cl := make([]string, 0, len(ss.Clients))
		for c := range ss.Clients {
			cl = append(cl, c)
		}
		slices.Sort(cl)
		out = append(out, dashSession{SID: ss.SID, User: ss.Sub, Clients: cl, AuthTime: ss.AuthTime, Expires: ss.Expires, AMR: ss.AMR})
	}
	slices.Reverse(out)
	return out
}

// publishFrontchannel records the front-channel logout iframes the logout
// page is about to load, one event per client, so the dashboard can draw
// each delivery (the browser loads them; the provider only asks).
func (p *Provider) publishFrontchannel(reg *registry, ss *session) {
	for id := range ss.Clients {
		if c, ok := reg.clients[id]; ok && c.FrontchannelLogoutURI != "" {
			p.publish(events.Event{Kind: events.KindFrontchannel, ClientID: id, User: ss.Sub, SID: ss.SID,
				Detail: "logout page loads " + c.FrontchannelLogoutURI + " in a hidden iframe"})
		}
	}
}

// dashMember is one header parameter or claim, explained.
type dashMember struct {
	Name    string `json:"name"`
	Value   string `json:"value"`             // JSON text of the value
	Explain string `json:"explain,omitempty"` // what the registered name means
	When    string `json:"when,omitempty"`    // a NumericDate as a time and relative to now
}

type dashDecoded struct {
	Error    string        `json:"error,omitempty"`
	Kind     string        `json:"kind,omitempty"`
	Redacted bool          `json:"redacted,omitempty"`
	Header   []dashMember  `json:"header,omitempty"`
	Claims   []dashMember  `json:"claims,omitempty"`
	Verify   *token.Result `json:"verify,omitempty"`
}

// decodeForDashboard is `ssokit inspect` for one token: decoded (labelled
// unverified), then verified against this provider's keys and issuer, with
// each claim explained.
func (p *Provider) decodeForDashboard(raw string) dashDecoded {
	var out dashDecoded
	redacted := strings.HasSuffix(raw, "…")
	if redacted {
		// a redacted token from the stream: decode what is there
		raw = strings.TrimSuffix(raw, "…")
		out.Redacted = true
	}
	u, err := token.Decode(raw)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Kind = string(u.Kind)
	now := p.now()
	members := func(keys []string, m map[string]any, explain func(string) string) []dashMember {
		var ms []dashMember
		for _, k := range keys {
			dm := dashMember{Name: k, Value: jsonText(m[k]), Explain: explain(k)}
			if token.IsNumericDate(k) {
				if t, ok := token.NumericDate(m[k]); ok {
					dm.When = t.UTC().Format(time.RFC3339) + " · " + token.Relative(k, t, now)
				}
			}
			ms = append(ms, dm)
		}
		return ms
	}
	out.Header = members(u.HeaderKeys, u.Header, token.ExplainHeader)
	out.Claims = members(u.ClaimKeys, u.Claims, token.ExplainClaim)
	if redacted {
		return out
	}
	res, err := token.Verify(raw, token.VerifyOptions{Keys: p.keys.JWKS().Keys, Now: p.now, Leeway: token.DefaultLeeway, Issuer: p.issuer})
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Verify = res
	return out
}

// jsonText renders a claim value as JSON without HTML escaping: the page
// shows it with textContent, so "<" must stay "<", not become \u003c.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
