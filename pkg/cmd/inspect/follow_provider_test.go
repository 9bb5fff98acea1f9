package inspect_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/events"
	"github.com/ssokit/ssokit/pkg/provider"
	"github.com/ssokit/ssokit/pkg/token"
	tui "github.com/ssokit/ssokit/pkg/tui/inspect"
)

// The inspector's follow consumer reads the real provider's event stream:
// a client_credentials grant shows up as a token event that decodes and
// verifies against the provider's own keys.
func TestFollowRealProvider(t *testing.T) {
	cfg, err := config.Parse("t.yaml", []byte("clients:\n  - client_id: bff\n    secret: s3cret\n    redirect_uris: [http://localhost:9000/cb]\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	p, err := provider.New(provider.Options{Issuer: issuer, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	defer func() { srv.Close(); p.Close() }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs, status := events.Follow(ctx, &http.Client{}, events.StreamURL(issuer, true))
	if s := <-status; !s.Connected {
		t.Fatalf("not connected: %v", s.Err)
	}
	resp, err := http.PostForm(issuer+"oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"bff"}, "client_secret": {"s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token endpoint: %s", resp.Status)
	}
	var ev events.Event
	for ev.Token == "" {
		select {
		case ev = <-evs:
		case <-time.After(10 * time.Second):
			t.Fatal("no token event")
		}
	}
	if ev.ClientID != "bff" || ev.TokenType != "access_token" {
		t.Errorf("event %+v", ev)
	}
	m := tui.New(tui.Options{Verifier: verifier(t, issuer), TickInterval: -1}, nil)
	m.Update(tui.AddMsg{Raw: ev.Token, Meta: tui.Meta{Source: "follow", ClientID: ev.ClientID, TokenType: ev.TokenType}})
	e := m.Selected()
	if e == nil || e.Token == nil {
		t.Fatalf("entry %+v", e)
	}
	res, err := verifier(t, issuer).Verify(ctx, ev.Token, false)
	if err != nil || !res.Valid {
		t.Fatalf("verify: %v %+v", err, res)
	}
	if !strings.HasPrefix(res.Checks[len(res.Checks)-1].Name, "iss") {
		t.Errorf("iss not checked: %+v", res.Checks)
	}
}

func verifier(t *testing.T, issuer string) tui.Verifier {
	keys, err := token.ResolveKeys(token.KeySource{Issuer: issuer}, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return &tui.KeyVerifier{Keys: keys}
}
