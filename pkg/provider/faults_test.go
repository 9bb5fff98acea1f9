package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ssokit/ssokit/pkg/fault"
)

// TestEveryFaultFires installs, for every endpoint a fault can name and
// every error it may force there, a fault with count 1, and checks what the
// client gets: the error the endpoint's way (a redirect to the app for
// authorize, a JSON OAuth error or a bare HTTP 500 elsewhere), then the
// normal answer once the fault is used up.
func TestEveryFaultFires(t *testing.T) {
	for _, endpoint := range fault.Endpoints {
		if endpoint == "*" {
			continue
		}
		for _, code := range fault.ErrorsFor(endpoint) {
			t.Run(endpoint+"/"+code, func(t *testing.T) {
				op := newTestOP(t, registeredConfig())
				b, _ := signedInBrowser(t, op)
				call := op.faultProbe(t, b, endpoint)
				before := call()
				op.installFault(t, fmt.Sprintf(`{"endpoint":%q,"error":%q,"count":1}`, endpoint, code))
				got := call()
				switch {
				case code == fault.HTTP500:
					if got.status != http.StatusInternalServerError {
						t.Fatalf("got %+v, want HTTP 500", got)
					}
				case endpoint == "authorize":
					if got.status != http.StatusFound || got.redirectErr != code || got.state != "st-shell" {
						t.Fatalf("got %+v, want a redirect to the app with error=%s and its state", got, code)
					}
				default:
					want := http.StatusBadRequest
					if code == "temporarily_unavailable" {
						want = http.StatusServiceUnavailable
					}
					if got.status != want || got.jsonErr != code {
						t.Fatalf("got %+v, want %d with error %s", got, want, code)
					}
				}
				if after := call(); after.status != before.status || after.jsonErr != "" || after.redirectErr != "" {
					t.Fatalf("after the one use: %+v, want the normal answer %+v", after, before)
				}
			})
		}
	}
}

// TestAnyEndpointFaultFiresWhereItsErrorFits: a fault without an endpoint
// forcing login_required is an authorize answer; the token endpoint does
// not use it up.
func TestAnyEndpointFaultFiresWhereItsErrorFits(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	b, _ := signedInBrowser(t, op)
	token := op.faultProbe(t, b, "token")
	op.installFault(t, `{"error":"login_required","count":1}`)
	if got := token(); got.status != http.StatusOK {
		t.Fatalf("token under an authorize-only error: %+v", got)
	}
	if q, _ := op.silentCall(t, b); q.Get("error") != "login_required" {
		t.Fatalf("silent authentication: %v, want login_required", q)
	}
}

type probeResult struct {
	status      int
	jsonErr     string // the OAuth error of a JSON answer
	redirectErr string // the error of a redirect to the app
	state       string
}

// faultProbe returns a function that makes one ordinary request to
// endpoint, as its client would, with everything it needs prepared ahead
// (tokens are obtained before any fault is installed).
func (op *testOP) faultProbe(t *testing.T, b *browser, endpoint string) func() probeResult {
	t.Helper()
	do := func(req *http.Request) probeResult {
		t.Helper()
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		r := probeResult{status: resp.StatusCode}
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			r.jsonErr = str(m["error"])
		}
		if loc, err := url.Parse(resp.Header.Get("Location")); err == nil && resp.StatusCode == http.StatusFound {
			r.redirectErr, r.state = loc.Query().Get("error"), loc.Query().Get("state")
		}
		return r
	}
	form := func(path string, v url.Values, basic bool) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, op.issuer+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth("bff", "s3cret")
		}
		return req
	}
	get := func(path string, bearer string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, op.issuer+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		return req
	}
	switch endpoint {
	case "authorize":
		return func() probeResult {
			return do(get(strings.TrimPrefix(op.authURL("shell", shellCB, newPKCE(), url.Values{"prompt": {"none"}}), op.issuer), ""))
		}
	case "token":
		// client_credentials needs no fresh code per call.
		return func() probeResult {
			return do(form("oauth/token", url.Values{"grant_type": {"client_credentials"}}, true))
		}
	case "userinfo":
		q, pk := op.silentCall(t, b)
		st, m := op.exchange(t, "shell", shellCB, q.Get("code"), pk.verifier)
		if st != http.StatusOK {
			t.Fatalf("token: %d %v", st, m)
		}
		at := str(m["access_token"])
		return func() probeResult { return do(get("userinfo", at)) }
	case "jwks":
		return func() probeResult { return do(get(".well-known/jwks.json", "")) }
	case "discovery":
		return func() probeResult { return do(get(".well-known/openid-configuration", "")) }
	case "logout":
		return func() probeResult { return do(get("logout", "")) }
	case "revoke":
		return func() probeResult { return do(form("oauth/revoke", url.Values{"token": {"unknown"}}, true)) }
	case "introspect":
		return func() probeResult { return do(form("introspect", url.Values{"token": {"unknown"}}, true)) }
	}
	t.Fatalf("no probe for endpoint %s", endpoint)
	return nil
}

// TestAdminRefusesMisspeltFault: the admin API validates like the config
// file and --fault, with the hint.
func TestAdminRefusesMisspeltFault(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	st, body := op.admin(t, http.MethodPost, "faults", "application/json", `{"endpoint":"revok","error":"temporarily_unavailable"}`)
	if st != http.StatusBadRequest || !strings.Contains(body, `did you mean \"revoke\"?`) {
		t.Fatalf("got %d %s", st, body)
	}
}

// TestLatencyFaultIsUsedUp: a counted latency fault delays that many
// requests, then is gone (it used to delay every request forever).
func TestLatencyFaultIsUsedUp(t *testing.T) {
	op := newTestOP(t, registeredConfig())
	op.installFault(t, `{"endpoint":"discovery","latency":"1ms","count":2}`)
	b := newBrowser(t)
	for range 3 {
		b.get(op.issuer + ".well-known/openid-configuration")
	}
	delayed := 0
	for _, e := range op.Events().Recent() {
		if e.Endpoint == "discovery" && strings.HasPrefix(e.Detail, "latency") {
			delayed++
		}
	}
	if _, body := op.admin(t, http.MethodGet, "faults", "", ""); delayed != 2 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("%d requests delayed, faults left %s; want 2 and none", delayed, body)
	}
}
