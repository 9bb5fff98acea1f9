// Package fault is the one description of an injected failure: its fields,
// the endpoints and errors it may name, its validation and its key=value
// form. ssokit.yaml's faults:, `ssokit provider --fault`, the admin API and
// flow files' fault steps all read faults through it, and the provider
// fires them. It is a leaf: it imports nothing of ssokit but the suggester.
package fault

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ssokit/ssokit/pkg/internal/suggest"
)

// Fault is an injected failure, scoped to an endpoint and optionally a
// client, for a number of requests or a duration.
type Fault struct {
	// Endpoint is one of Endpoints; "" and "*" mean any.
	Endpoint string `yaml:"endpoint,omitempty" json:"endpoint,omitempty"`
	ClientID string `yaml:"client_id,omitempty" json:"client_id,omitempty"`
	// Latency delays the response.
	Latency time.Duration `yaml:"latency,omitempty" json:"latency,omitempty"`
	// Error forces an OAuth error from ErrorsFor(Endpoint), or HTTP500.
	Error string `yaml:"error,omitempty" json:"error,omitempty"`
	// ClockSkew shifts iat/exp/nbf/auth_time of issued tokens.
	ClockSkew time.Duration `yaml:"clock_skew,omitempty" json:"clock_skew,omitempty"`
	// AccessTokenTTL shortens issued access tokens (e.g. 20s to exercise refresh).
	AccessTokenTTL time.Duration `yaml:"access_token_ttl,omitempty" json:"access_token_ttl,omitempty"`
	// Count limits the fault to this many matching requests; 0 = unlimited.
	Count int `yaml:"count,omitempty" json:"count,omitempty"`
	// For limits the fault to a duration from when it is installed; 0 = forever.
	For time.Duration `yaml:"for,omitempty" json:"for,omitempty"`
}

// HTTP500 is the Error that answers a bare HTTP 500 instead of an OAuth error.
const HTTP500 = "http_500"

// Endpoints are the endpoint names a fault can target ("*" is any).
var Endpoints = []string{"*", "authorize", "token", "userinfo", "jwks", "discovery", "logout", "revoke", "introspect"}

// Keys are the fields of a fault, as written in YAML, JSON and key=value.
var Keys = []string{"endpoint", "client_id", "latency", "error", "clock_skew", "access_token_ttl", "count", "for"}

// authorizeErrors come back to the app on its redirect URI; every other
// endpoint answers its caller directly, where only "the server failed"
// errors make sense.
var (
	authorizeErrors = []string{"login_required", "interaction_required", "consent_required", "access_denied", "temporarily_unavailable", "server_error", HTTP500}
	serverErrors    = []string{"temporarily_unavailable", "server_error", HTTP500}
)

// ErrorsFor lists the errors a fault on endpoint may force. For "*" (or "")
// that is every error; such a fault fires only where its error fits.
func ErrorsFor(endpoint string) []string {
	switch endpoint {
	case "authorize", "*", "":
		return authorizeErrors
	}
	return serverErrors
}

// Fits reports whether the fault applies to a request to endpoint from
// clientID. A fault without an error shapes issued tokens (clock skew,
// access-token lifetime), so it fits the token endpoint only; a fault
// with an error fits where that error can be answered.
func (f *Fault) Fits(endpoint, clientID string) bool {
	if f.Endpoint != "" && f.Endpoint != "*" && f.Endpoint != endpoint {
		return false
	}
	if f.ClientID != "" && f.ClientID != clientID {
		return false
	}
	if f.Error == "" {
		return endpoint == "token"
	}
	return slices.Contains(ErrorsFor(endpoint), f.Error)
}

// Problem is one thing wrong with a fault: the field (a Keys entry) and
// what is wrong with it.
type Problem struct {
	Field string
	Msg   string
}

func (p Problem) Error() string { return p.Field + ": " + p.Msg }

// Validate returns every problem of f.
func (f *Fault) Validate() []Problem {
	var out []Problem
	add := func(field, format string, args ...any) {
		out = append(out, Problem{field, fmt.Sprintf(format, args...)})
	}
	endpointOK := f.Endpoint == "" || slices.Contains(Endpoints, f.Endpoint)
	if !endpointOK {
		add("endpoint", "%q is not one of %s%s", f.Endpoint, strings.Join(Endpoints, ", "), suggest.DidYouMean(f.Endpoint, Endpoints))
	}
	if f.Error != "" {
		// With a misspelt endpoint, the error is checked against them all.
		endpoint := f.Endpoint
		if !endpointOK {
			endpoint = "*"
		}
		if known := ErrorsFor(endpoint); !slices.Contains(known, f.Error) {
			where := ""
			if endpoint != "" && endpoint != "*" {
				where = " at " + f.Endpoint
			}
			add("error", "%q is not one of %s%s%s", f.Error, strings.Join(known, ", "), where, suggest.DidYouMean(f.Error, known))
		}
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"latency", f.Latency}, {"access_token_ttl", f.AccessTokenTTL}, {"for", f.For}} {
		if d.v < 0 {
			add(d.field, "must not be negative, got %s", d.v)
		}
	}
	if f.Count < 0 {
		add("count", "must not be negative, got %d", f.Count)
	}
	if f.Latency > 10*time.Minute {
		add("latency", "%s is longer than the 10m a fault may delay a response", f.Latency)
	}
	return out
}

// Set sets the field key from its text form: durations such as 200ms or
// -5m, a whole count, or text. Unknown keys and malformed values are errors
// that say what is expected.
func (f *Fault) Set(key, value string) error {
	dur := func(d *time.Duration) error {
		v, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("%s must be a duration such as 200ms or 5m, got %q", key, value)
		}
		*d = v
		return nil
	}
	switch key {
	case "endpoint":
		f.Endpoint = value
	case "client_id":
		f.ClientID = value
	case "error":
		f.Error = value
	case "latency":
		return dur(&f.Latency)
	case "clock_skew":
		return dur(&f.ClockSkew)
	case "access_token_ttl":
		return dur(&f.AccessTokenTTL)
	case "for":
		return dur(&f.For)
	case "count":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("count must be a whole number, got %q", value)
		}
		if n < 0 {
			return fmt.Errorf("count must not be negative, got %d", n)
		}
		f.Count = n
	default:
		return fmt.Errorf("unknown key %q (want one of %s)%s", key, strings.Join(Keys, ", "), suggest.DidYouMean(key, Keys))
	}
	return nil
}

// Parse reads the key=value form: comma-separated pairs with the keys of
// ssokit.yaml's faults: entries, e.g.
// "endpoint=token,error=temporarily_unavailable,count=1". The fault is
// validated.
func Parse(s string) (Fault, error) {
	var f Fault
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || v == "" {
			return f, fmt.Errorf("%q is not key=value; e.g. endpoint=token,error=temporarily_unavailable,count=1", kv)
		}
		if err := f.Set(k, v); err != nil {
			return f, err
		}
	}
	if ps := f.Validate(); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.Error()
		}
		return f, fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return f, nil
}
