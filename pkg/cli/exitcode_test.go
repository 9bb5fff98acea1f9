package cli

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hs256 signs claims with secret as a compact HS256 JWT.
func hs256(claims, secret string) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(claims))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(in))
	return in + "." + enc.EncodeToString(m.Sum(nil))
}

// TestExitCodesEveryCommand holds the README's promise for every command:
// 0 success, 1 a check failed, 2 bad usage, unreadable input or a network error.
func TestExitCodesEveryCommand(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	inUse := busy.Addr().String()

	dir := t.TempDir()
	flowFile := filepath.Join(dir, "flows.yaml")
	if err := os.WriteFile(flowFile, []byte("apps:\n  shell: {origin: http://localhost:5101}\nflows:\n  - name: nothing\n    steps:\n      - wait: 1ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := "0123456789abcdef0123456789abcdef"
	valid := hs256(`{"sub":"alice","iss":"x","exp":4102444800}`, secret)
	expired := hs256(`{"sub":"alice","exp":1}`, secret)
	short := hs256(`{"sub":"alice"}`, "short")

	// A provider that refuses every grant: a failed check (1), not bad usage.
	var refusing *httptest.Server
	refusing = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/.well-known/openid-configuration" {
			fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]sauthorize","token_endpoint":"%[1]stoken","jwks_uri":"%[1]sjwks"}`, refusing.URL+"/")
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"unknown client"}`)
	}))
	defer refusing.Close()

	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		// groups: a mistyped verb is bad usage, with a suggestion
		{"root unknown", []string{"provder"}, 2, "Did you mean this?\n\tprovider"},
		{"flow unknown", []string{"flow", "rn"}, 2, "Did you mean this?\n\trun"},
		{"token unknown", []string{"token", "decdoe"}, 2, "Did you mean this?\n\tdecode"},
		{"token unknown far", []string{"token", "zzz"}, 2, `unknown command "zzz" for "ssokit token"`},
		{"flow help", []string{"flow"}, 0, ""},
		{"help unknown topic", []string{"help", "provder"}, 2, "Did you mean this?\n\tprovider"},
		{"help unknown verb", []string{"help", "flow", "rn"}, 2, "Did you mean this?\n\trun"},
		{"help verb", []string{"help", "flow", "run"}, 0, "ssokit flow run"},
		{"token help", []string{"token"}, 0, ""},

		// usage and input errors
		{"provider port in use", []string{"provider", "--addr", inUse, "--ephemeral-keys"}, 2, "already in use"},
		{"provider bad alg", []string{"provider", "--signing-alg", "HS256", "--ephemeral-keys"}, 2, "--signing-alg"},
		{"provider bad same-site", []string{"provider", "--same-site", "lux", "--ephemeral-keys"}, 2, "--same-site"},
		{"proxy port in use", []string{"proxy", "--addr", inUse, "--route", "/=http://127.0.0.1:1"}, 2, "already in use"},
		{"proxy no routes", []string{"proxy"}, 2, "no routes"},
		{"up port in use", []string{"up", "--no-apps", "--provider-addr", inUse}, 2, "already in use"},
		{"up missing config", []string{"up", "--config", filepath.Join(dir, "nope.yaml")}, 2, "nope.yaml"},
		{"flow junit unwritable", []string{"flow", "run", flowFile, "--junit", filepath.Join(dir, "no", "such", "dir", "j.xml")}, 2, "--junit"},
		{"flow missing file", []string{"flow", "run", filepath.Join(dir, "nope.yaml")}, 2, "nope.yaml"},
		{"flow run no args", []string{"flow", "run"}, 2, "needs at least one flow file"},
		{"verify short secret", []string{"token", "verify", "--secret", "short", short}, 2, "--secret"},
		{"verify network", []string{"token", "verify", "--issuer", "http://127.0.0.1:1/", valid}, 2, "network error"},
		{"decode garbage", []string{"token", "decode", "not-a-token"}, 2, ""},
		{"mint bad alg", []string{"token", "mint", "--alg", "HS256", "--keys-dir", dir}, 2, ""},
		{"new unknown template", []string{"new", "reakt", filepath.Join(dir, "app"), "--no-register"}, 2, "reakt"},

		{"inspect missing file", []string{"inspect", filepath.Join(dir, "tokens.txt")}, 2, "does not exist"},
		{"inspect two key sources", []string{"inspect", "--secret", "s", "--jwks", "x.json"}, 2, "at most one key source"},
		{"proxy bad route", []string{"proxy", "--route", "nourl"}, 2, "--route"},
		{"up bad log format", []string{"up", "--log-format", "xml"}, 2, "--log-format"},
		{"flow init unwritable", []string{"flow", "init", filepath.Join(dir, "no", "such", "flows.yaml")}, 2, "cannot write"},
		{"get unreachable", []string{"token", "get", "--issuer", "http://127.0.0.1:1/", "--client-id", "c", "--client-secret", "s", "--grant", "client_credentials"}, 2, "network error"},
		{"bad flag value", []string{"token", "mint", "--exp", "soon"}, 2, `--exp "soon" is not a duration`},
		{"version args", []string{"version", "x"}, 2, "takes no arguments"},

		// check failures
		{"get refused", []string{"token", "get", "--issuer", refusing.URL + "/", "--client-id", "c", "--client-secret", "s", "--grant", "client_credentials"}, 1, "invalid_client"},
		{"verify expired", []string{"token", "verify", "--secret", secret, expired}, 1, "expired"},

		// success
		{"verify valid", []string{"token", "verify", "--secret", secret, valid}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errOut := testFactory()
			code := Run(context.Background(), f, tt.args)
			if code != tt.code || !strings.Contains(errOut.String()+out.String(), tt.err) {
				t.Errorf("ssokit %s: exit %d, stdout %q, stderr %q\nwant exit %d, output ~%q",
					strings.Join(tt.args, " "), code, trunc(out.String()), errOut.String(), tt.code, tt.err)
			}
		})
	}
}

// TestInterruptExits130: Ctrl-C while a command waits on the network exits
// 130 quietly, not "network error: context canceled" with 2. The server
// cancels the command's context (as SIGINT would) when the request arrives.
func TestInterruptExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	}))
	defer srv.Close()
	for _, args := range [][]string{
		{"token", "verify", "--issuer", srv.URL + "/", hs256(`{"sub":"a"}`, "0123456789abcdef0123456789abcdef")},
		{"token", "get", "--issuer", srv.URL + "/", "--client-id", "cli", "--client-secret", "s", "--grant", "client_credentials"},
	} {
		f, out, errOut := testFactory()
		if code := Run(ctx, f, args); code != 130 || errOut.Len() != 0 || out.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 130 and silence", args[:2], code, out, errOut)
		}
	}
}
