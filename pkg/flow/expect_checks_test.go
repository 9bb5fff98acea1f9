package flow

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// Each expectation of an expect: block is a function of its own; these
// tests call them one by one, away from the order check imposes.

func TestExpectationsCoverEveryKey(t *testing.T) {
	var names []string
	for _, x := range expectations {
		names = append(names, x.name)
	}
	for _, k := range expectKeys {
		switch k {
		case "error": // decided by check before the table runs
		case "same_session_as": // checked with same_sub_as
			if !slices.Contains(names, "same_sub_as") {
				t.Errorf("no expectation checks %s", k)
			}
		default:
			if !slices.Contains(names, k) {
				t.Errorf("expect key %s has no expectation in the table", k)
			}
		}
	}
}

// wantFails compares failures with substrings, one per failure.
func wantFails(t *testing.T, name string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: failures %q, want %d like %q", name, got, len(want), want)
		return
	}
	for i := range got {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("%s: failure %q, want it to contain %q", name, got[i], want[i])
		}
	}
}

func TestExpectTokens(t *testing.T) {
	ts := &tokenSet{}
	tests := []struct {
		name string
		want *bool
		got  *tokenSet
		fail []string
	}{
		{"unset", nil, nil, nil},
		{"want tokens, got them", ptr(true), ts, nil},
		{"want tokens, got none", ptr(true), nil, []string{"expected tokens, got none"}},
		{"want none, got none", ptr(false), nil, nil},
		{"want none, got tokens", ptr(false), ts, []string{"expected no tokens, got tokens"}},
	}
	for _, tt := range tests {
		got := expectTokens(&checked{e: &Expect{Tokens: tt.want}, o: outcome{tokens: tt.got}})
		wantFails(t, tt.name, got, tt.fail)
	}
}

func TestExpectSomeClaims(t *testing.T) {
	some := map[string]any{"sub": "alice"}
	tests := []struct {
		name   string
		e      *Expect
		claims map[string]any
		fail   []string
	}{
		{"nothing expected", &Expect{}, nil, nil},
		{"claims and none", &Expect{Claims: some}, nil, []string{"expected claims, but the step produced none"}},
		{"contain and none", &Expect{ClaimsContain: some}, nil, []string{"produced none"}},
		{"match and none", &Expect{ClaimsMatch: map[string]*regexp.Regexp{"sub": regexp.MustCompile(".")}}, nil, []string{"produced none"}},
		{"claims and some", &Expect{Claims: some}, some, nil},
	}
	for _, tt := range tests {
		wantFails(t, tt.name, expectSomeClaims(&checked{e: tt.e, claims: tt.claims}), tt.fail)
	}
}

func TestExpectClaims(t *testing.T) {
	claims := map[string]any{"sub": "alice", "n": float64(3), "amr": []any{"pwd"}, "addr": map[string]any{"country": "NZ"}}
	tests := []struct {
		name string
		want map[string]any
		fail []string
	}{
		{"equal", map[string]any{"sub": "alice", "amr": []any{"pwd"}}, nil},
		{"number from YAML", map[string]any{"n": 3}, nil},
		{"number as a string", map[string]any{"n": "3"}, nil},
		{"object", map[string]any{"addr": map[string]any{"country": "NZ"}}, nil},
		{"sorted failures", map[string]any{"sub": "bob", "amr": "pwd", "zz": 1}, []string{
			`claim amr: got ["pwd"], want "pwd"`, `claim sub: got "alice", want "bob"`, `claim zz: missing, want 1`}},
	}
	for _, tt := range tests {
		wantFails(t, tt.name, expectClaims(&checked{e: &Expect{Claims: tt.want}, claims: claims}), tt.fail)
	}
}

func TestExpectClaimsContain(t *testing.T) {
	claims := map[string]any{"email": "alice@example.com", "amr": []any{"pwd", "otp"}, "groups": map[string]any{"admin": true, "level": float64(2)}, "n": float64(3)}
	tests := []struct {
		name string
		want map[string]any
		fail []string
	}{
		{"substring", map[string]any{"email": "@example."}, nil},
		{"element", map[string]any{"amr": "otp"}, nil},
		{"elements", map[string]any{"amr": []any{"otp", "pwd"}}, nil},
		{"object key", map[string]any{"groups": "admin"}, nil},
		{"object subset", map[string]any{"groups": map[string]any{"level": 2}}, nil},
		{"number is equality", map[string]any{"n": 3}, nil},
		{"missing element", map[string]any{"amr": "hwk"}, []string{`claim amr: got ["pwd","otp"], want it to contain "hwk"`}},
		{"missing key", map[string]any{"groups": "root"}, []string{`want it to contain "root"`}},
		{"missing claim", map[string]any{"acr": "1"}, []string{`claim acr: missing, want it to contain "1"`}},
		{"no substring", map[string]any{"email": "bob"}, []string{`claim email: got "alice@example.com"`}},
	}
	for _, tt := range tests {
		wantFails(t, tt.name, expectClaimsContain(&checked{e: &Expect{ClaimsContain: tt.want}, claims: claims}), tt.fail)
	}
}

func TestExpectClaimsMatch(t *testing.T) {
	claims := map[string]any{"email": "alice@example.com", "n": float64(42)}
	re := regexp.MustCompile
	tests := []struct {
		name string
		want map[string]*regexp.Regexp
		fail []string
	}{
		{"matches", map[string]*regexp.Regexp{"email": re(`^alice@`), "n": re(`^4\d$`)}, nil},
		{"no match", map[string]*regexp.Regexp{"email": re(`^bob@`)}, []string{`claim email: got "alice@example.com", want it to match /^bob@/`}},
		{"missing", map[string]*regexp.Regexp{"sid": re(`.`)}, []string{`claim sid: missing, want it to match /./`}},
	}
	for _, tt := range tests {
		wantFails(t, tt.name, expectClaimsMatch(&checked{e: &Expect{ClaimsMatch: tt.want}, claims: claims}), tt.fail)
	}
}

func TestExpectSameSub(t *testing.T) {
	fr := &flowRun{tokens: map[string]*tokenSet{
		"shell":   {IDClaims: map[string]any{"sub": "alice", "sid": "s1"}},
		"other":   {IDClaims: map[string]any{"sub": "alice", "sid": "s2"}},
		"bob":     {IDClaims: map[string]any{"sub": "bob", "sid": "s1"}},
		"nosid":   {IDClaims: map[string]any{"sub": "alice"}},
		"opaque":  {AccessToken: "a"},
		"missing": nil,
	}}
	mine := map[string]any{"sub": "alice", "sid": "s1"}
	tests := []struct {
		name   string
		e      *Expect
		claims map[string]any
		fail   []string
	}{
		{"unset", &Expect{}, mine, nil},
		{"same sub", &Expect{SameSubAs: "other"}, mine, nil},
		{"other sub", &Expect{SameSubAs: "bob"}, mine, []string{`sub "alice" differs from bob's sub "bob"`}},
		{"same session", &Expect{SameSessionAs: "shell"}, mine, nil},
		{"other session", &Expect{SameSessionAs: "other"}, mine, []string{`sid "s1" differs from other's sid "s2": a different session`}},
		{"other sub and session", &Expect{SameSessionAs: "bob"}, map[string]any{"sub": "alice", "sid": "s9"}, []string{"differs from bob's sub", "differs from bob's sid"}},
		{"no sid", &Expect{SameSessionAs: "nosid"}, mine, []string{"same_session_as nosid: the ID tokens carry no sid claim"}},
		{"session wins over sub", &Expect{SameSubAs: "bob", SameSessionAs: "shell"}, mine, nil},
		{"app without ID token", &Expect{SameSubAs: "opaque"}, mine, []string{"opaque holds no ID token to compare with"}},
		{"app without tokens", &Expect{SameSubAs: "missing"}, mine, []string{"missing holds no ID token"}},
		{"step without claims", &Expect{SameSubAs: "shell"}, nil, []string{"no ID token to compare with shell's"}},
	}
	for _, tt := range tests {
		wantFails(t, tt.name, expectSameSub(&checked{fr: fr, e: tt.e, claims: tt.claims}), tt.fail)
	}
}

func TestExpectLifetime(t *testing.T) {
	hour := map[string]any{"iat": float64(1000), "exp": float64(4600)}
	tests := []struct {
		name     string
		min, max time.Duration
		claims   map[string]any
		fail     []string
	}{
		{"unset", 0, 0, nil, nil},
		{"within", 30 * time.Minute, 2 * time.Hour, hour, nil},
		{"exact", time.Hour, time.Hour, hour, nil},
		{"too short", 2 * time.Hour, 0, hour, []string{"ID token lifetime 1h0m0s is below the minimum 2h0m0s"}},
		{"too long", 0, 10 * time.Minute, hour, []string{"ID token lifetime 1h0m0s is above the maximum 10m0s"}},
		{"no token", time.Minute, 0, nil, []string{"lifetime: no ID token"}},
		{"no exp", time.Minute, 0, map[string]any{"iat": float64(1)}, []string{"lifetime: the ID token lacks iat or exp"}},
		{"string times", time.Minute, 0, map[string]any{"iat": "1", "exp": "2"}, []string{"lacks iat or exp"}},
	}
	for _, tt := range tests {
		got := expectLifetime(&checked{e: &Expect{LifetimeMin: tt.min, LifetimeMax: tt.max}, claims: tt.claims})
		wantFails(t, tt.name, got, tt.fail)
	}
}

// The verifying half of expectSignature runs against a provider in
// TestSignatureChecksFetchKeysOnce; here is what it says without a token.
func TestExpectSignatureWithoutIDToken(t *testing.T) {
	if got := expectSignature(&checked{e: &Expect{}}); got != nil {
		t.Errorf("signature not expected: %q", got)
	}
	for _, o := range []outcome{{}, {tokens: &tokenSet{AccessToken: "a"}}} {
		got := expectSignature(&checked{ctx: context.Background(), e: &Expect{Signature: true}, o: o})
		wantFails(t, "no ID token", got, []string{"signature: no ID token to verify"})
	}
}

func TestExpectRefreshToken(t *testing.T) {
	with, without := &tokenSet{RefreshToken: "r"}, &tokenSet{}
	tests := []struct {
		name string
		want *bool
		got  *tokenSet
		fail []string
	}{
		{"unset", nil, without, nil},
		{"wanted, issued", ptr(true), with, nil},
		{"wanted, not issued", ptr(true), without, []string{"expected a refresh token, got none"}},
		{"wanted, no tokens", ptr(true), nil, []string{"expected a refresh token, got none"}},
		{"unwanted, not issued", ptr(false), without, nil},
		{"unwanted, issued", ptr(false), with, []string{"expected no refresh token, got one"}},
	}
	for _, tt := range tests {
		wantFails(t, tt.name, expectRefreshToken(&checked{e: &Expect{RefreshToken: tt.want}, o: outcome{tokens: tt.got}}), tt.fail)
	}
}

func TestExpectFrontchannel(t *testing.T) {
	o := outcome{frontchannel: []string{"account", "shell"}}
	wantFails(t, "unset", expectFrontchannel(&checked{e: &Expect{}, o: o}), nil)
	wantFails(t, "all loaded", expectFrontchannel(&checked{e: &Expect{Frontchannel: []string{"shell", "account"}}, o: o}), nil)
	wantFails(t, "two missing", expectFrontchannel(&checked{e: &Expect{Frontchannel: []string{"legacy", "shell", "admin"}}, o: o}),
		[]string{"did not load legacy's front-channel logout URI", "did not load admin's"})
}

func TestCheckAuthError(t *testing.T) {
	st := &Step{Kind: StepUserinfo, act: newAction[StepUserinfo]()}
	o := outcome{authErr: &oidc.Error{Code: "invalid_token"}}
	wantFails(t, "no expectation", checkAuthError(st, &Expect{}, o), []string{"expected claims, got error invalid_token"})
	wantFails(t, "expected", checkAuthError(st, &Expect{Error: "invalid_token"}, o), nil)
	wantFails(t, "no tokens expected", checkAuthError(st, &Expect{Tokens: ptr(false)}, o), nil)
	wantFails(t, "another error", checkAuthError(st, &Expect{Error: "insufficient_scope"}, o), []string{"expected error insufficient_scope, got error invalid_token"})
}

func TestNum(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{float64(1700000000), 1700000000, true},
		{int64(-5), -5, true},
		{json.Number("42"), 42, true},
		{json.Number("4.2"), 0, false},
		{"42", 0, false},
		{nil, 0, false},
	} {
		if got, ok := num(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("num(%#v) = %d, %t; want %d, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestShow(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{"alice", `"alice"`},
		{[]any{"pwd", 1}, `["pwd",1]`},
		{map[string]any{"b": 1, "a": true}, `{"a":true,"b":1}`},
		{make(chan int), "0x"}, // no JSON: printed as Go prints it
	} {
		if got := show(tt.in); !strings.HasPrefix(got, tt.want) {
			t.Errorf("show(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// YAML values and JSON claims compare as people mean them.
func TestClaimEqual(t *testing.T) {
	for _, tt := range []struct {
		got, want any
		eq        bool
	}{
		{float64(3), 3, true},
		{float64(3), uint64(3), true},
		{float64(3), "3", true},
		{"3", float64(3), true},
		{true, "true", true},
		{"alice", "Alice", false},
		{[]any{"a", "b"}, []any{"a", "b"}, true},
		{[]any{"a", "b"}, []any{"b", "a"}, false},
		{map[string]any{"x": float64(1)}, map[string]any{"x": 1}, true},
		{nil, "", false},
	} {
		if got := claimEqual(tt.got, tt.want); got != tt.eq {
			t.Errorf("claimEqual(%#v, %#v) = %t, want %t", tt.got, tt.want, got, tt.eq)
		}
	}
}
