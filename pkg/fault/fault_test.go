package fault

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	f, err := Parse("endpoint=revoke,error=temporarily_unavailable,count=2,client_id=shell,latency=150ms,for=5m,clock_skew=-10m,access_token_ttl=20s")
	want := Fault{Endpoint: "revoke", Error: "temporarily_unavailable", Count: 2, ClientID: "shell", Latency: 150 * time.Millisecond, For: 5 * time.Minute, ClockSkew: -10 * time.Minute, AccessTokenTTL: 20 * time.Second}
	if err != nil || f != want {
		t.Fatalf("%+v %v", f, err)
	}
	for in, want := range map[string]string{
		"endpoint=tokn,error=not_a_code":      `endpoint: "tokn" is not one of *, authorize, token, userinfo, jwks, discovery, logout, revoke, introspect; did you mean "token"?`,
		"endpoint=token,error=login_requird":  `error: "login_requird" is not one of temporarily_unavailable, server_error, http_500 at token`,
		"endpoint=token,error=login_required": `"login_required" is not one of temporarily_unavailable, server_error, http_500 at token`,
		"error=temporarly_unavailable":        `did you mean "temporarily_unavailable"?`,
		"endpont=token":                       `unknown key "endpont" (want one of endpoint, client_id, latency, error, clock_skew, access_token_ttl, count, for); did you mean "endpoint"?`,
		"count=-1":                            "count must not be negative",
		"count=many":                          "count must be a whole number",
		"latency=fast":                        `latency must be a duration such as 200ms or 5m, got "fast"`,
		"for=-1s":                             "for: must not be negative",
		"endpoint":                            "is not key=value",
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestFits(t *testing.T) {
	any := Fault{Error: "login_required"}
	if !any.Fits("authorize", "x") || any.Fits("token", "x") {
		t.Error("a * fault must fire only where its error fits")
	}
	scoped := Fault{Endpoint: "revoke", ClientID: "shell", Error: "server_error"}
	if !scoped.Fits("revoke", "shell") || scoped.Fits("revoke", "other") || scoped.Fits("token", "shell") {
		t.Error("endpoint and client scope")
	}
	shape := Fault{ClockSkew: time.Minute, Count: 1}
	if !shape.Fits("token", "") || shape.Fits("authorize", "") {
		t.Error("a fault without an error shapes tokens: it fits the token endpoint only")
	}
}

func TestEveryEndpointHasErrors(t *testing.T) {
	for _, e := range Endpoints {
		for _, code := range ErrorsFor(e) {
			f := Fault{Endpoint: e, Error: code}
			if ps := f.Validate(); len(ps) > 0 {
				t.Errorf("%s/%s: %v", e, code, ps)
			}
		}
	}
}
