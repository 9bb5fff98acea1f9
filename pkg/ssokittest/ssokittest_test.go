package ssokittest_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/ssokittest"
	"github.com/ssokit/ssokit/pkg/token"
)

// TestNewCleansUp: the provider serves discovery during the test and is
// gone once the (sub)test's cleanup ran.
func TestNewCleansUp(t *testing.T) {
	var issuer string
	t.Run("inner", func(t *testing.T) {
		op := ssokittest.New(t)
		issuer = op.Issuer()
		resp, err := op.Client().Get(issuer + ".well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("discovery: %d", resp.StatusCode)
		}
	})
	if _, err := http.Get(issuer + ".well-known/openid-configuration"); err == nil {
		t.Error("the provider still answers after the test's cleanup")
	}
}

// TestOptions: users, registered clients, clock and algorithm are the
// test's; tokens carry exact times from the injected clock.
func TestOptions(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	op := ssokittest.New(t,
		ssokittest.WithUser("carol", map[string]any{"email": "carol@example.com"}),
		ssokittest.WithClient(config.Client{ClientID: "web", RedirectURIs: []string{"http://localhost:5173/cb"}}),
		ssokittest.WithClock(func() time.Time { return now }),
		ssokittest.WithSigningAlg("ES256"))
	res := op.Tokens(t, "carol", ssokittest.ClientID("web"), ssokittest.Lifetime(2*time.Minute))
	u, err := token.Decode(res.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	if u.Header["alg"] != "ES256" || u.Claims["email"] != "carol@example.com" || u.Claims["aud"] != "web" {
		t.Errorf("ID token %v %v", u.Header, u.Claims)
	}
	exp, _ := u.Claims["exp"].(interface{ Int64() (int64, error) })
	if exp == nil {
		t.Fatalf("exp %T", u.Claims["exp"])
	}
	if e, _ := exp.Int64(); e != now.Add(2*time.Minute).Unix() {
		t.Errorf("exp %d, want %d", e, now.Add(2*time.Minute).Unix())
	}
	users := op.Provider().Users()
	if len(users) != 1 || users[0].Username != "carol" {
		t.Errorf("users %+v", users)
	}
	rp, err := oidc.NewProvider(context.Background(), op.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	if rp.Endpoint().TokenURL != op.Issuer()+"oauth/token" || !strings.HasSuffix(op.JWKSURL(), "/.well-known/jwks.json") {
		t.Errorf("endpoints %+v %s", rp.Endpoint(), op.JWKSURL())
	}
}

// TestStartRefusesBadConfig: a client ssokit.yaml would refuse is refused
// with the same message.
func TestStartRefusesBadConfig(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), `public client "web" needs at least one redirect_uri`) {
			t.Errorf("panic %v", r)
		}
	}()
	ssokittest.Start(ssokittest.WithClient(config.Client{ClientID: "web"}))
}

// TestTokenFailsTheTest: an unknown user fails the test it was given.
func TestTokenFailsTheTest(t *testing.T) {
	op := ssokittest.New(t)
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine, as it ends a test
		defer close(done)
		op.Token(ft, "mallory")
	}()
	<-done
	if !strings.Contains(ft.msg, `user "mallory" does not exist; users: alice, bob`) {
		t.Errorf("failure message %q", ft.msg)
	}
}

type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestSharedKeysAreCopies: providers share the first key, each with its
// own copy (rotating one changes no other), their temporary key
// directories are removed at cleanup, and a token of one provider does not
// pass another's issuer check.
func TestSharedKeysAreCopies(t *testing.T) {
	a, b := ssokittest.New(t), ssokittest.New(t)
	kid := a.Provider().Keys().ActiveKID()
	if b.Provider().Keys().ActiveKID() != kid {
		t.Fatal("the second provider generated its own key")
	}
	if err := a.Provider().Keys().Rotate(); err != nil {
		t.Fatal(err)
	}
	if b.Provider().Keys().ActiveKID() != kid || a.Provider().Keys().ActiveKID() == kid {
		t.Error("rotating one provider's keys changed another's")
	}
	if c := ssokittest.New(t, ssokittest.WithFreshKeys()); c.Provider().Keys().ActiveKID() == kid {
		t.Error("WithFreshKeys reused the shared key")
	}
	rp, err := oidc.NewProvider(context.Background(), b.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	tok := ssokittest.New(t).Token(t, "alice", ssokittest.Audience("api"))
	if _, err := rp.Verifier(&oidc.Config{ClientID: "api"}).Verify(context.Background(), tok); err == nil || !strings.Contains(err.Error(), "issued by a different provider") {
		t.Errorf("another provider's token: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "ssokittest-keys-*"))
	if len(dirs) == 0 {
		t.Error("no key directory while providers run")
	}
}

// TestKeyDirsRemoved: Close removes the provider's key directory.
func TestKeyDirsRemoved(t *testing.T) {
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "ssokittest-keys-*"))
	ssokittest.Start().Close()
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "ssokittest-keys-*"))
	if len(after) > len(before) {
		t.Errorf("key directories left behind: %v", after)
	}
}
