package flow

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/oidc"
)

func ptr[T any](v T) *T { return &v }

func TestCheck(t *testing.T) {
	alice := &tokenSet{IDToken: "x", RefreshToken: "r", IDClaims: map[string]any{
		"sub": "alice", "sid": "s1", "iat": float64(1000), "exp": float64(4600), "amr": []any{"pwd"}, "email": "alice@example.com", "n": float64(3),
	}}
	shell := &tokenSet{IDClaims: map[string]any{"sub": "alice", "sid": "s1"}}
	other := &tokenSet{IDClaims: map[string]any{"sub": "alice", "sid": "s2"}}
	tests := []struct {
		name string
		kind string
		o    outcome
		e    *Expect
		want []string // substrings, one per failure; nil means pass
	}{
		{"plain success", StepSilent, outcome{tokens: alice}, nil, nil},
		{"unexpected error", StepSilent, outcome{authErr: &oidc.Error{Code: "login_required"}}, nil, []string{"expected tokens, got error login_required"}},
		{"expected error", StepSilent, outcome{authErr: &oidc.Error{Code: "login_required"}}, &Expect{Error: "login_required"}, nil},
		{"other error", StepSilent, outcome{authErr: &oidc.Error{Code: "consent_required"}}, &Expect{Error: "login_required"}, []string{"expected error login_required, got error consent_required"}},
		{"error expected, tokens came", StepSilent, outcome{tokens: alice}, &Expect{Error: "login_required"}, []string{"expected error login_required, got tokens"}},
		{"tokens false and an error", StepSilent, outcome{authErr: &oidc.Error{Code: "login_required"}}, &Expect{Tokens: ptr(false)}, nil},
		{"tokens false but tokens", StepSilent, outcome{tokens: alice}, &Expect{Tokens: ptr(false)}, []string{"expected no tokens"}},
		{"claims", StepSilent, outcome{tokens: alice}, &Expect{Claims: map[string]any{"sub": "alice", "n": int64(3), "email": "bob@example.com", "missing": "x"}},
			[]string{`claim email: got "alice@example.com", want "bob@example.com"`, `claim missing: missing, want "x"`}},
		{"number as string", StepSilent, outcome{tokens: alice}, &Expect{Claims: map[string]any{"n": "3"}}, nil},
		{"contain", StepSilent, outcome{tokens: alice}, &Expect{ClaimsContain: map[string]any{"amr": "pwd", "email": "@example.com"}}, nil},
		{"contain fails", StepSilent, outcome{tokens: alice}, &Expect{ClaimsContain: map[string]any{"amr": []any{"pwd", "otp"}}}, []string{`claim amr: got ["pwd"], want it to contain ["pwd","otp"]`}},
		{"match", StepSilent, outcome{tokens: alice}, &Expect{ClaimsMatch: map[string]*regexp.Regexp{"email": regexp.MustCompile(`^alice@`), "sub": regexp.MustCompile(`^bob$`)}},
			[]string{`claim sub: got "alice", want it to match /^bob$/`}},
		{"same session", StepSilent, outcome{tokens: alice}, &Expect{SameSessionAs: "shell"}, nil},
		{"different session", StepSilent, outcome{tokens: alice}, &Expect{SameSessionAs: "other"}, []string{`sid "s1" differs from other's sid "s2"`}},
		{"same sub, other session", StepSilent, outcome{tokens: alice}, &Expect{SameSubAs: "other"}, nil},
		{"compare with nobody", StepSilent, outcome{tokens: alice}, &Expect{SameSubAs: "nobody"}, []string{"nobody holds no ID token"}},
		{"lifetime", StepLogin, outcome{tokens: alice}, &Expect{LifetimeMin: time.Hour, LifetimeMax: time.Hour}, nil},
		{"lifetime out of bounds", StepLogin, outcome{tokens: alice}, &Expect{LifetimeMin: 2 * time.Hour}, []string{"ID token lifetime 1h0m0s is below the minimum 2h0m0s"}},
		{"refresh token", StepLogin, outcome{tokens: shell}, &Expect{RefreshToken: ptr(true)}, []string{"expected a refresh token, got none"}},
		{"frontchannel", StepLogout, outcome{frontchannel: []string{"shell"}}, &Expect{Frontchannel: []string{"shell", "account"}}, []string{"did not load account's front-channel logout URI"}},
		{"userinfo claims", StepUserinfo, outcome{claims: map[string]any{"sub": "alice"}}, &Expect{Claims: map[string]any{"sub": "alice"}}, nil},
		{"userinfo error", StepUserinfo, outcome{authErr: &oidc.Error{Code: "invalid_token"}}, nil, []string{"expected claims, got error invalid_token"}},
		{"step error wins", StepLogin, outcome{err: errString("boom")}, &Expect{Error: "x"}, []string{"boom"}},
	}
	fr := &flowRun{tokens: map[string]*tokenSet{"shell": shell, "other": other}}
	for _, tt := range tests {
		got := fr.check(context.Background(), &Step{Kind: tt.kind, act: newAction[tt.kind](), Expect: tt.e}, tt.o)
		if len(got) != len(tt.want) {
			t.Errorf("%s: failures %q, want %d like %q", tt.name, got, len(tt.want), tt.want)
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tt.want[i]) {
				t.Errorf("%s: failure %q, want it to contain %q", tt.name, got[i], tt.want[i])
			}
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
