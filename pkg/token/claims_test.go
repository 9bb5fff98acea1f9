package token

import (
	"encoding/json"
	"testing"
	"time"
)

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{42 * time.Second, "42s"},
		{-42 * time.Second, "42s"},
		{4*time.Minute + 12*time.Second, "4m12s"},
		{3*time.Hour + 12*time.Minute + 5*time.Second, "3h12m"},
		{52 * time.Hour, "2d4h"},
		{1500 * time.Millisecond, "1s"},
	}
	for _, tt := range tests {
		if got := HumanDuration(tt.d); got != tt.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		claim string
		off   time.Duration
		want  string
	}{
		{"exp", 4*time.Minute + 12*time.Second, "expires in 4m12s"},
		{"exp", -3*time.Hour - 12*time.Minute, "expired 3h12m ago"},
		{"nbf", time.Minute, "not valid for 1m00s"},
		{"nbf", -time.Minute, "valid since 1m00s ago"},
		{"iat", -5 * time.Minute, "5m00s ago"},
		{"iat", 5 * time.Minute, "in 5m00s (in the future)"},
	}
	for _, tt := range tests {
		if got := Relative(tt.claim, now.Add(tt.off), now); got != tt.want {
			t.Errorf("Relative(%s, %v) = %q, want %q", tt.claim, tt.off, got, tt.want)
		}
	}
}

func TestNumericDate(t *testing.T) {
	tests := []struct {
		v    any
		want int64
		ok   bool
	}{
		{json.Number("1700000000"), 1700000000, true},
		{json.Number("1700000000.5"), 1700000000, true},
		{float64(12), 12, true},
		{"1700000000", 0, false},
		{json.Number("1e300"), 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := NumericDate(tt.v)
		if ok != tt.ok || (ok && got.Unix() != tt.want) {
			t.Errorf("NumericDate(%#v) = %v, %v", tt.v, got.Unix(), ok)
		}
	}
}

func TestExplain(t *testing.T) {
	for _, c := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce", "azp", "sid", "client_id", "scope"} {
		if ExplainClaim(c) == "" {
			t.Errorf("no explanation for claim %s", c)
		}
	}
	if ExplainHeader("kid") == "" || ExplainClaim("x-custom") != "" {
		t.Error("ExplainHeader/ExplainClaim")
	}
}
