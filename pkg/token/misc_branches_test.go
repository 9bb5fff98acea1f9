package token_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/token"
)

// TestDecryptKeySelection: keys whose kid differs from the JWE's are
// skipped, kid-less keys are tried, and the key that worked is named.
func TestDecryptKeySelection(t *testing.T) {
	right, wrong := make([]byte, 32), make([]byte, 32)
	right[0], wrong[0] = 1, 2
	tagged := encrypt(t, jose.DIRECT, right, "enc-2", "", "hello")
	for _, tt := range []struct {
		name    string
		raw     string
		keys    []jose.JSONWebKey
		wantKID string
		wantErr string
	}{
		{"kid picks the key", tagged, []jose.JSONWebKey{{Key: wrong, KeyID: "enc-1"}, {Key: right, KeyID: "enc-2"}}, "enc-2", ""},
		{"kid-less key is tried", tagged, []jose.JSONWebKey{{Key: wrong, KeyID: "enc-1"}, {Key: right}}, "", ""},
		{"a wrong key with the same kid", tagged, []jose.JSONWebKey{{Key: wrong, KeyID: "enc-2"}}, "", "cannot decrypt with the given key"},
		{"no key has the kid", tagged, []jose.JSONWebKey{{Key: right, KeyID: "enc-1"}, {Key: right, KeyID: "enc-3"}}, "", `no key matches the JWE's kid "enc-2"`},
		{"untagged JWE tries every key", encrypt(t, jose.DIRECT, right, "", "", "hello"), []jose.JSONWebKey{{Key: wrong, KeyID: "a"}, {Key: right, KeyID: "b"}}, "b", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := token.Decrypt(tt.raw, tt.keys)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want …%s…", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(d.Plaintext) != "hello" || d.KeyID != tt.wantKID || d.Nested != nil {
				t.Fatalf("%v %+v, want kid %q", err, d, tt.wantKID)
			}
		})
	}
	if _, err := token.Decrypt("a.b", []jose.JSONWebKey{{Key: right}}); !errors.Is(err, token.ErrMalformed) {
		t.Errorf("malformed: %v", err)
	}
}

func TestReadInputReadError(t *testing.T) {
	boom := errors.New("pipe closed")
	_, err := token.ReadInput(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || err.Error() != "reading input: pipe closed" {
		t.Errorf("err = %v", err)
	}
	got, err := token.ReadInput(strings.NewReader(strings.Repeat(" ", 10)))
	if err != nil || got != "" {
		t.Errorf("blank input: %q %v", got, err)
	}
}

func TestNormalizeForms(t *testing.T) {
	for in, want := range map[string]string{
		"abc.def.ghi":                       "abc.def.ghi",
		"  bearer abc.def.ghi\n":            "abc.def.ghi",
		"BEARER\tabc":                       "abc",
		"Authorization: Bearer abc.def.ghi": "abc.def.ghi",
		"authorization:bearer  abc":         "abc",
		"Bearer":                            "",
		"Bearerabc.def":                     "Bearerabc.def", // not a prefix without a space
		"Authorization: Basic dXNlcjpwYXNz": "Basic dXNlcjpwYXNz",
		"Bearer Bearer abc":                 "Bearer abc", // only one prefix is removed
	} {
		if got := token.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNumericDateKinds(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    any
		unix int64
		ok   bool
	}{
		{"int", int(1700000000), 1700000000, true},
		{"int64", int64(1700000000), 1700000000, true},
		{"negative float", float64(-1), -1, true},
		{"largest accepted", float64(1e12), 1e12, true},
		{"beyond 1e12", float64(1e12 + 1), 0, false},
		{"NaN", math.NaN(), 0, false},
		{"+Inf", math.Inf(1), 0, false},
		{"invalid json.Number", json.Number("12abc"), 0, false},
		{"bool", true, 0, false},
		{"int32 is not a decoded form", int32(5), 0, false},
	} {
		got, ok := token.NumericDate(tt.v)
		if ok != tt.ok || (ok && got.Unix() != tt.unix) {
			t.Errorf("%s: NumericDate(%v) = %v %v, want %d %v", tt.name, tt.v, got.Unix(), ok, tt.unix, tt.ok)
		}
	}
}

func TestLoadClaimsFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := token.LoadClaimsFile(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	arr := filepath.Join(dir, "arr.json")
	if err := os.WriteFile(arr, []byte(`["sub"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := token.LoadClaimsFile(arr); err == nil || !strings.HasPrefix(err.Error(), arr+": not a JSON object of claims: ") {
		t.Errorf("array file: %v", err)
	}
}
