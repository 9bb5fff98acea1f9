package provider

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/provider"
)

// TestBannerClients: zero-config accepts any client_id and says so; with
// registered clients the banner must not promise that.
func TestBannerClients(t *testing.T) {
	for _, tt := range []struct {
		name      string
		cfg       *config.Config
		want, not string
	}{
		{"zero-config", &config.Config{}, "any client_id", "registered"},
		{"config", &config.Config{Clients: []config.Client{{ClientID: "shell", RedirectURIs: []string{"http://localhost:5101/"}}}},
			"client_id shell (registered in the config)", "any client_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := provider.New(provider.Options{Issuer: "http://localhost:9400/", Config: tt.cfg, Keys: testutil.Keys()})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var b bytes.Buffer
			PrintBanner(&b, p, tt.cfg, testutil.Keys(), "")
			if !strings.Contains(b.String(), tt.want) || strings.Contains(b.String(), tt.not) {
				t.Errorf("banner:\n%s\nwant %q, not %q", b.String(), tt.want, tt.not)
			}
			if !strings.Contains(b.String(), "Dashboard: http://localhost:9400/_ssokit/") {
				t.Errorf("banner does not link the dashboard:\n%s", b.String())
			}
			// without apis: audiences are not restricted; the banner says so
			if !strings.Contains(b.String(), "audiences  any: no apis: in the config") {
				t.Errorf("banner does not say audiences are unrestricted:\n%s", b.String())
			}
		})
	}
}

// TestBannerAPIs: with apis: configured the banner lists the audiences
// and says others are refused.
func TestBannerAPIs(t *testing.T) {
	cfg := &config.Config{APIs: []config.API{{Audience: "https://api.example.com"}, {Audience: "https://billing"}}}
	p, err := provider.New(provider.Options{Issuer: "http://localhost:9400/", Config: cfg, Keys: testutil.Keys()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var b bytes.Buffer
	PrintBanner(&b, p, cfg, testutil.Keys(), "")
	if want := "audiences  https://api.example.com, https://billing (apis: in the config; others are refused)"; !strings.Contains(b.String(), want) {
		t.Errorf("banner:\n%s\nwant %q", b.String(), want)
	}
	if !strings.Contains(b.String(), "or any other username (made on the fly)") {
		t.Errorf("banner does not say any username signs in:\n%s", b.String())
	}
}

// TestClaimsFlag: --claims reaches the options; what is not a JSON object
// of unreserved claims is a usage error (exit 2) saying what to write.
func TestClaimsFlag(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	var got *Options
	run := func(args ...string) error {
		cmd := NewCmdProvider(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return cmd.Execute()
	}
	if err := run("--auto-login", "carol", "--claims", `{"roles":["admin"]}`); err != nil || got.Claims != `{"roles":["admin"]}` || got.AutoLogin != "carol" {
		t.Fatalf("%v %+v", err, got)
	}
	for in, want := range map[string]string{
		`["admin"]`:   `--claims: extra claims must be a JSON object such as {"roles": ["admin"]}`,
		`{"sub":"x"}`: `--claims: extra claims: "sub" is set by the provider and cannot be given`,
		`{roles}`:     "--claims: extra claims are not valid JSON",
	} {
		err := run("--claims", in)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("--claims %s: %v, want a usage error starting %q", in, err, want)
		}
	}
}
