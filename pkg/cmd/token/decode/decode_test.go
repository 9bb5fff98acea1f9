package decode_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/ssokit/ssokit/pkg/cli"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/internal/golden"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/pkg/token/tokentest"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	// Golden output shows local time; pin it.
	time.Local = time.UTC
	os.Exit(m.Run())
}

func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: func() time.Time { return now }, Version: "test"}
	code = cli.Run(context.Background(), f, args)
	return out.String(), errOut.String(), code
}

func idClaims() map[string]any {
	return map[string]any{
		"iss": "http://localhost:9400/", "sub": "alice", "aud": "shell",
		"exp": now.Add(4*time.Minute + 12*time.Second).Unix(), "iat": now.Add(-55 * time.Minute).Unix(),
		"auth_time": now.Add(-55 * time.Minute).Unix(), "nonce": "n-0S6_WzA2Mj", "sid": "s-1",
		"azp": "shell", "name": "Alice Doe", "email": "alice@example.com", "email_verified": true,
	}
}

func TestDecodeGolden(t *testing.T) {
	accessClaims := map[string]any{
		"iss": "http://localhost:9400/", "sub": "alice", "aud": []string{"api", "shell"},
		"client_id": "shell", "scope": "openid profile api:read", "jti": "at-123",
		"iat": now.Add(-3*time.Hour - 20*time.Minute).Unix(), "exp": now.Add(-3*time.Hour - 12*time.Minute).Unix(),
		"roles": []string{"admin"}, "x-ansi": "\x1b[31mred\x1b[0m",
	}
	tests := []struct {
		name string
		tok  string
		args []string
	}{
		{"rs256_id_token", tokentest.Sign(t, jose.RS256, "rsa-1", idClaims(), nil), nil},
		{"es256_expired_access_token", tokentest.Sign(t, jose.ES256, "ec-1", accessClaims, nil), nil},
		{"hs256_json", tokentest.Sign(t, jose.HS256, "", idClaims(), nil), []string{"--json"}},
		{"jwe_header_only", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIiwia2lkIjoiZW5jLTEifQ..aXY.Y3Q.dGFn", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, "Bearer "+tt.tok+"\n", append([]string{"token", "decode"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden.EqualString(t, filepath.Join("testdata", tt.name+".golden"), out)
		})
	}
}

func TestDecodeJWEWithKey(t *testing.T) {
	priv := tokentest.PrivateKey(t, jose.RS256).(*rsa.PrivateKey)
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: &priv.PublicKey, KeyID: "enc-1"},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := enc.Encrypt([]byte(tokentest.Sign(t, jose.RS256, "rsa-1", idClaims(), nil)))
	raw, _ := obj.CompactSerialize()
	keyFile := filepath.Join(t.TempDir(), "key.json")
	jwk, _ := jose.JSONWebKey{Key: priv, KeyID: "enc-1"}.MarshalJSON()
	os.WriteFile(keyFile, jwk, 0o600)

	out, errOut, code := run(t, "", "token", "decode", "--key", keyFile, raw)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden.EqualString(t, filepath.Join("testdata", "jwe_decrypted"+".golden"), out)

	out, _, code = run(t, "", "token", "decode", "--key", keyFile, "--json", raw)
	if code != 0 || !strings.Contains(out, `"nested": {`) || !strings.Contains(out, `"encrypted": true`) {
		t.Errorf("exit %d, json:\n%s", code, out)
	}
}

func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"empty stdin", "", nil, "error: malformed token: empty input: expected a JWT (header.payload.signature)\n"},
		{"two parts", "abc.def", nil, "error: malformed token: truncated token: 2 dot-separated parts, a JWT has 3 (header.payload.signature)\n"},
		{"not base64", "", []string{"e#.e30.x"}, "error: malformed token: header is not base64url: illegal character '#' at offset 1\n"},
		{"not json payload", "eyJhbGciOiJIUzI1NiJ9.aGVsbG8.", nil, "error: malformed token: payload is not JSON: invalid character 'h' looking for beginning of value\n"},
		{"too large", strings.Repeat("a", 8<<20+1), nil, "error: input too large: more than 8388608 bytes (8 MiB); a JWT is normally a few kilobytes\n"},
		{"binary garbage", "\x00\xff\xfe.\x01.\x02", nil, "error: malformed token: header is not base64url: illegal character '\\x00' at offset 0\n"},
		{"missing key file", "", []string{"--key", "/nonexistent", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXY.Y3Q.dGFn"}, "error: --key: /nonexistent: no such file or directory\n"},
		{"two args", "", []string{"a", "b"}, "takes at most 1 argument(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.stdin, append([]string{"token", "decode"}, tt.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
			if !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr\n got: %q\nwant: %q (one line)", errOut, tt.want)
			}
		})
	}
}

func TestDecodeColour(t *testing.T) {
	ios, in, out, _ := iostreams.Test()
	ios.SetTTY(false, true, true)
	ios.SetColor(true)
	in.WriteString(tokentest.Sign(t, jose.RS256, "rsa-1", idClaims(), nil))
	f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}
	if code := cli.Run(context.Background(), f, []string{"token", "decode", "-"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !bytes.Contains(out.Bytes(), []byte("\x1b[33mUNVERIFIED:\x1b[0m")) {
		t.Errorf("no colour on a TTY:\n%q", out.String())
	}
}
