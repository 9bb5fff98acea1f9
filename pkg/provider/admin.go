package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/fault"
	"github.com/ssokit/ssokit/pkg/netutil"
)

// AdminHeader marks a non-JSON admin call as deliberate. Like a JSON
// content type it makes the request non-simple, so a web page cannot forge
// it cross-origin (the browser would need a CORS preflight we never grant).
const AdminHeader = "X-Ssokit-Admin"

// handleAdmin serves /_ssokit/: events (SSE), faults, key rotation, ending
// sessions and a status summary. Loopback callers only.
//
//	GET    /_ssokit/events          Server-Sent Events (?replay=1 for recent events first; tokens redacted unless ?tokens=full)
//	GET    /_ssokit/faults          installed faults
//	POST   /_ssokit/faults          install a fault (JSON fault.Fault; durations as "20s" or nanoseconds)
//	DELETE /_ssokit/faults          remove all faults
//	POST   /_ssokit/rotate-keys     rotate the signing key now
//	POST   /_ssokit/end-sessions    end every SSO session now
//	GET    /_ssokit/status          counts of sessions, codes, tokens
//
// and the test API (testapi.go): sign-in, minting, sessions, users,
// clients, reset.
func (p *Provider) handleAdmin(w http.ResponseWriter, r *http.Request) {
	if !netutil.IsLoopbackAddr(r.RemoteAddr) {
		http.Error(w, "the ssokit admin API answers loopback callers only", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" && r.Header.Get(AdminHeader) == "" {
			writeOAuthError(w, errInvalidRequest("admin calls that change state need Content-Type: application/json or the %s header (CSRF protection)", AdminHeader))
			return
		}
	}
	rest := strings.TrimPrefix(r.URL.Path, PathAdmin)
	switch {
	case rest == "events" && r.Method == http.MethodGet:
		p.events.ServeSSE(w, r)
	case rest == "faults" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, p.faults.snapshot())
	case rest == "faults" && r.Method == http.MethodPost:
		var f fault.Fault
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err == nil {
			err = decodeFault(body, &f)
		}
		if err != nil {
			writeOAuthError(w, errInvalidRequest("fault is not valid JSON: %v; e.g. {\"endpoint\":\"authorize\",\"error\":\"login_required\",\"count\":1}", err))
			return
		}
		if ps := f.Validate(); len(ps) > 0 {
			msgs := make([]string, len(ps))
			for i, pr := range ps {
				msgs[i] = pr.Error()
			}
			writeOAuthError(w, errInvalidRequest("%s", strings.Join(msgs, "; ")))
			return
		}
		a := p.faults.add(f)
		p.publish(events.Event{Kind: events.KindFault, ClientID: f.ClientID, Endpoint: a.Endpoint, Detail: "installed"})
		writeJSON(w, http.StatusCreated, a)
	case rest == "faults" && r.Method == http.MethodDelete:
		p.faults.clear()
		w.WriteHeader(http.StatusNoContent)
	case rest == "rotate-keys" && r.Method == http.MethodPost:
		if err := p.keys.Rotate(); err != nil {
			writeOAuthError(w, errServer("rotate keys: %v", err))
			return
		}
		p.publish(events.Event{Kind: events.KindKeysRotated, Detail: "active kid " + p.keys.ActiveKID()})
		writeJSON(w, http.StatusOK, map[string]string{"kid": p.keys.ActiveKID()})
	case rest == "end-sessions" && r.Method == http.MethodPost:
		writeJSON(w, http.StatusOK, map[string]int{"ended": p.endAll()})
	case rest == "status" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"issuer": p.issuer, "kid": p.keys.ActiveKID(), "counts": p.store.counts()})
	default:
		if !p.handleTestAPI(w, r, rest) {
			writeOAuthError(w, oauthErr(http.StatusNotFound, "not_found", "no admin endpoint %s %s; see GET /_ssokit/events, /faults, /status, /sessions, /users, /clients and POST /rotate-keys, /end-sessions, /signin, /tokens, /users, /clients, /reset", r.Method, r.URL.Path))
		}
	}
}

// decodeFault reads a fault whose durations may be strings ("20s") or numbers.
func decodeFault(b []byte, f *fault.Fault) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, k := range []string{"latency", "clock_skew", "access_token_ttl", "for"} {
		if s, ok := raw[k].(string); ok {
			d, err := parseDuration(s)
			if err != nil {
				return err
			}
			raw[k] = d
		}
	}
	nb, _ := json.Marshal(raw)
	dec := json.NewDecoder(strings.NewReader(string(nb)))
	dec.DisallowUnknownFields()
	return dec.Decode(f)
}

func parseDuration(s string) (int64, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %v (use e.g. 500ms, 20s, 5m)", s, err)
	}
	return int64(d), nil
}
