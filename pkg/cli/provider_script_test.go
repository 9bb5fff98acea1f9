package cli

import (
	"net/http/httptest"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ssokit/ssokit/pkg/provider"
)

// startProvider is the script command `start-provider`: a real provider
// (zero config, ephemeral keys) on a loopback port for the rest of the
// script, its URL in $PROVIDER and $SSOKIT_PROVIDER.
func startProvider(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: start-provider")
	}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	p, err := provider.New(provider.Options{Issuer: issuer})
	ts.Check(err)
	srv.Config.Handler = p
	srv.Start()
	ts.Defer(func() { srv.Close(); p.Close() })
	ts.Setenv("PROVIDER", issuer)
	ts.Setenv("SSOKIT_PROVIDER", issuer)
}
