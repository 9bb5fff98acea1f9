package config

import (
	"errors"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
	"strings"
	"testing"
)

func TestValidateIssuer(t *testing.T) {
	for _, ok := range []string{DefaultIssuer, "http://localhost:9400", "https://id.example.test/realms/dev/", "http://[::1]:9400/", "http://127.0.0.1:9400/auth"} {
		if err := ValidateIssuer(ok); err != nil {
			t.Errorf("ValidateIssuer(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		"localhost:9400", "/relative", "ftp://h/", "http://", "http:///path",
		"http://h/?q=1", "http://h/#f", "http://u:p@h/",
		`http://h/"+os.Exit(1)+"`, "http://h/`x`", "http://h/</script>", "http://h/${x}",
		"http://h/a b", "http://h/\nx", `http://h/\x`, "http://h/\x00",
	} {
		if err := ValidateIssuer(bad); err == nil {
			t.Errorf("ValidateIssuer(%q) = nil, want an error", bad)
		}
	}
}

// A crafted issuer is refused with the file and line, before anything uses it.
func TestParseRefusesInjectedIssuer(t *testing.T) {
	src := "# ssokit.yaml\nissuer: 'http://localhost:9400/\" + func() string { os.WriteFile(\"pwned\", nil, 0o644); return \"\" }() + \"'\n"
	_, err := Parse("ssokit.yaml", []byte(src))
	var es *yamlfile.Errors
	if !errors.As(err, &es) || len(es.Diags) != 1 || es.Diags[0].Pos.Line != 2 || !strings.HasPrefix(es.Diags[0].Msg, "issuer: ") || !strings.Contains(err.Error(), "not allowed in a URL") {
		t.Fatalf("err = %v, want ssokit.yaml:2: issuer: … not allowed in a URL", err)
	}
}
