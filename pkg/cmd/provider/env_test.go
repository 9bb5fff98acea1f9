package provider

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/openurl"
)

// TestProviderInContainer starts `ssokit provider` as a container would:
// configured by SSOKIT_ variables only, bound beyond loopback, with no
// HOME (keys in memory with one notice line, start-up does not fail).
func TestProviderInContainer(t *testing.T) {
	t.Setenv("HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("SSOKIT_PROVIDER_ADDR", "0.0.0.0:0")
	t.Setenv("SSOKIT_ISSUER", "http://localhost:9400/")
	t.Setenv("SSOKIT_INTERNAL_URL", "http://ssokit:9400/")
	t.Setenv("SSOKIT_AUTO_LOGIN", "bob")
	t.Setenv("SSOKIT_LOG_FORMAT", "json")

	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Browser: &openurl.Stub{}, Now: time.Now}
	ready := make(chan string, 1)
	cmd := NewCmdProvider(f, func(ctx context.Context, o *Options) error {
		o.Ready = func(a string) { ready <- a }
		return Run(ctx, f, o)
	})
	cmd.SetArgs(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("provider: %v\n%s", err, errOut)
	}
	defer func() { cancel(); <-done }()
	if !strings.HasPrefix(addr, "[::]:") && !strings.HasPrefix(addr, "0.0.0.0:") {
		t.Errorf("listening on %s, want every interface", addr)
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	resp, err := http.Get("http://127.0.0.1:" + port + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("discovery: %d", resp.StatusCode)
	}
	out := errOut.String()
	var notice, warning int
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "notice: signing keys are in memory only: no user cache dir ($HOME is unset)") {
			notice++
		}
		if strings.HasPrefix(l, "WARNING: the provider listens on ") {
			warning++
		}
	}
	if notice != 1 || warning != 1 || !strings.Contains(out, "issuer     http://localhost:9400/") || !strings.Contains(out, "auto-login bob") {
		t.Errorf("stderr:\n%s", out)
	}
}
