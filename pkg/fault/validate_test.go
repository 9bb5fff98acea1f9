package fault

import (
	"slices"
	"testing"
	"time"
)

// TestValidateProblems pins every problem Validate reports, with its field
// and exact text, including several problems of one fault at once.
func TestValidateProblems(t *testing.T) {
	const endpoints = "*, authorize, token, userinfo, jwks, discovery, logout, revoke, introspect"
	const authz = "login_required, interaction_required, consent_required, access_denied, temporarily_unavailable, server_error, http_500"
	const server = "temporarily_unavailable, server_error, http_500"
	for _, tt := range []struct {
		name string
		f    Fault
		want []Problem
	}{
		{"empty fault is valid", Fault{}, nil},
		{"any endpoint written as *", Fault{Endpoint: "*", Error: "server_error"}, nil},
		{"latency at the 10m limit", Fault{Latency: 10 * time.Minute}, nil},
		{"negative clock skew is allowed", Fault{ClockSkew: -time.Hour}, nil},
		{"unknown endpoint without suggestion", Fault{Endpoint: "nowhere"},
			[]Problem{{"endpoint", `"nowhere" is not one of ` + endpoints}}},
		{"unknown endpoint with suggestion", Fault{Endpoint: "userinf"},
			[]Problem{{"endpoint", `"userinf" is not one of ` + endpoints + `; did you mean "userinfo"?`}}},
		{"endpoint names are case-sensitive", Fault{Endpoint: "Token"},
			[]Problem{{"endpoint", `"Token" is not one of ` + endpoints + `; did you mean "token"?`}}},
		{"unknown error at any endpoint lists every error without where", Fault{Error: "boom"},
			[]Problem{{"error", `"boom" is not one of ` + authz}}},
		{"unknown error at * lists every error", Fault{Endpoint: "*", Error: "server_eror"},
			[]Problem{{"error", `"server_eror" is not one of ` + authz + `; did you mean "server_error"?`}}},
		{"authorize-only error at a server endpoint", Fault{Endpoint: "jwks", Error: "access_denied"},
			[]Problem{{"error", `"access_denied" is not one of ` + server + " at jwks"}}},
		{"misspelt endpoint checks the error against all endpoints", Fault{Endpoint: "tokn", Error: "login_required"},
			[]Problem{{"endpoint", `"tokn" is not one of ` + endpoints + `; did you mean "token"?`}}},
		{"misspelt endpoint and bad error: both reported, no where", Fault{Endpoint: "tokn", Error: "nope"},
			[]Problem{
				{"endpoint", `"tokn" is not one of ` + endpoints + `; did you mean "token"?`},
				{"error", `"nope" is not one of ` + authz},
			}},
		{"negative durations and count in field order", Fault{Latency: -time.Second, AccessTokenTTL: -2 * time.Second, For: -time.Minute, Count: -3},
			[]Problem{
				{"latency", "must not be negative, got -1s"},
				{"access_token_ttl", "must not be negative, got -2s"},
				{"for", "must not be negative, got -1m0s"},
				{"count", "must not be negative, got -3"},
			}},
		{"latency over 10m", Fault{Latency: 10*time.Minute + time.Second},
			[]Problem{{"latency", "10m1s is longer than the 10m a fault may delay a response"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.f.Validate()
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate() =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	if got := (Problem{"count", "must not be negative, got -1"}).Error(); got != "count: must not be negative, got -1" {
		t.Errorf("Problem.Error() = %q", got)
	}
}

// TestErrorsForEveryEndpoint pins which errors each endpoint may force:
// authorize (and any) gets the redirect errors, the rest only server errors.
func TestErrorsForEveryEndpoint(t *testing.T) {
	for _, e := range append([]string{""}, Endpoints...) {
		want := serverErrors
		if e == "" || e == "*" || e == "authorize" {
			want = authorizeErrors
		}
		if got := ErrorsFor(e); !slices.Equal(got, want) {
			t.Errorf("ErrorsFor(%q) = %v, want %v", e, got, want)
		}
		if !slices.Contains(ErrorsFor(e), HTTP500) {
			t.Errorf("ErrorsFor(%q) lacks %s", e, HTTP500)
		}
	}
}

// TestFitsMatrix checks Fits for every endpoint against faults scoped to
// any endpoint, one endpoint, a client, and without an error.
func TestFitsMatrix(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    Fault
		fits func(endpoint, client string) bool
	}{
		{"* with server_error fits everywhere", Fault{Endpoint: "*", Error: "server_error"},
			func(string, string) bool { return true }},
		{"empty endpoint with http_500 fits everywhere", Fault{Error: HTTP500},
			func(string, string) bool { return true }},
		{"any endpoint with consent_required fits authorize only", Fault{Error: "consent_required"},
			func(e, _ string) bool { return e == "authorize" }},
		{"jwks-scoped fault fits jwks only", Fault{Endpoint: "jwks", Error: "temporarily_unavailable"},
			func(e, _ string) bool { return e == "jwks" }},
		{"client-scoped fault fits that client only", Fault{ClientID: "web", Error: "server_error"},
			func(_, c string) bool { return c == "web" }},
		{"token-shaping fault without error fits token only", Fault{AccessTokenTTL: 20 * time.Second},
			func(e, _ string) bool { return e == "token" }},
		{"token-shaping fault scoped elsewhere never fits", Fault{Endpoint: "userinfo", ClockSkew: time.Minute},
			func(string, string) bool { return false }},
		{"error not valid at its own endpoint never fits", Fault{Endpoint: "token", Error: "login_required"},
			func(string, string) bool { return false }},
	} {
		for _, e := range Endpoints[1:] {
			for _, c := range []string{"", "web", "other"} {
				if got, want := tt.f.Fits(e, c), tt.fits(e, c); got != want {
					t.Errorf("%s: Fits(%q, %q) = %v, want %v", tt.name, e, c, got, want)
				}
			}
		}
	}
}

func TestSet(t *testing.T) {
	var f Fault
	for k, v := range map[string]string{"endpoint": "token", "client_id": "a=b", "error": "server_error", "latency": "1.5s", "clock_skew": "-5m", "access_token_ttl": "20s", "for": "1h", "count": "0"} {
		if err := f.Set(k, v); err != nil {
			t.Fatalf("Set(%s, %s): %v", k, v, err)
		}
	}
	want := Fault{Endpoint: "token", ClientID: "a=b", Error: "server_error", Latency: 1500 * time.Millisecond, ClockSkew: -5 * time.Minute, AccessTokenTTL: 20 * time.Second, For: time.Hour}
	if f != want {
		t.Errorf("after Set: %+v, want %+v", f, want)
	}
	for _, tt := range []struct{ k, v, want string }{
		{"clock_skew", "5", `clock_skew must be a duration such as 200ms or 5m, got "5"`},
		{"access_token_ttl", "", `access_token_ttl must be a duration such as 200ms or 5m, got ""`},
		{"for", "forever", `for must be a duration such as 200ms or 5m, got "forever"`},
		{"count", "1.5", `count must be a whole number, got "1.5"`},
		{"count", "-2", "count must not be negative, got -2"},
		{"COUNT", "1", `unknown key "COUNT" (want one of endpoint, client_id, latency, error, clock_skew, access_token_ttl, count, for); did you mean "count"?`},
		{"zzzzzzzz", "1", `unknown key "zzzzzzzz" (want one of endpoint, client_id, latency, error, clock_skew, access_token_ttl, count, for)`},
	} {
		g := want
		if err := g.Set(tt.k, tt.v); err == nil || err.Error() != tt.want {
			t.Errorf("Set(%q, %q) = %v, want %q", tt.k, tt.v, err, tt.want)
		}
		if g != want {
			t.Errorf("failed Set(%q, %q) changed the fault: %+v", tt.k, tt.v, g)
		}
	}
}

func TestParseForms(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Fault
	}{
		{" endpoint=token , error=server_error ", Fault{Endpoint: "token", Error: "server_error"}},
		{"client_id=a=b,error=http_500", Fault{ClientID: "a=b", Error: HTTP500}},
		{"latency=10m", Fault{Latency: 10 * time.Minute}},
		{"count=1,count=3", Fault{Count: 3}},
	} {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"", `"" is not key=value; e.g. endpoint=token,error=temporarily_unavailable,count=1`},
		{"endpoint=token,", `"" is not key=value; e.g. endpoint=token,error=temporarily_unavailable,count=1`},
		{"endpoint=", `"endpoint=" is not key=value; e.g. endpoint=token,error=temporarily_unavailable,count=1`},
		{"endpoint =token", `unknown key "endpoint " (want one of endpoint, client_id, latency, error, clock_skew, access_token_ttl, count, for); did you mean "endpoint"?`},
		{"latency=11m", "latency: 11m0s is longer than the 10m a fault may delay a response"},
		{"endpoint=jwks,error=access_denied,latency=-1s",
			`error: "access_denied" is not one of temporarily_unavailable, server_error, http_500 at jwks; latency: must not be negative, got -1s`},
	} {
		if _, err := Parse(tt.in); err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v\nwant %q", tt.in, err, tt.want)
		}
	}
}

// TestParseRoundTrip: every valid endpoint/error pair in key=value form
// parses back to the same fault.
func TestParseRoundTrip(t *testing.T) {
	for _, e := range Endpoints {
		for _, code := range ErrorsFor(e) {
			in := "endpoint=" + e + ",error=" + code + ",count=2"
			f, err := Parse(in)
			if err != nil {
				t.Errorf("Parse(%q): %v", in, err)
				continue
			}
			if want := (Fault{Endpoint: e, Error: code, Count: 2}); f != want {
				t.Errorf("Parse(%q) = %+v", in, f)
			}
		}
	}
}
