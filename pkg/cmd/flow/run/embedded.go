package run

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/keys"
	"github.com/ssokit/ssokit/pkg/provider"
)

// EmbeddedConfig turns a flow file into the embedded provider's config:
// every app a registered public client (its redirect_uri, post-logout URI,
// origin for CORS and web_message, front-channel logout URI) and the
// file's users.
func EmbeddedConfig(f *flow.File) *config.Config {
	cfg := &config.Config{}
	cfg.Provider.EphemeralKeys = true
	cfg.Provider.SessionCookie.SameSite = f.SessionSameSite
	cfg.Provider.SigningAlg = f.SigningAlg
	cfg.Provider.Tokens.RefreshReuseInterval = f.RefreshReuseInterval
	for _, u := range f.Users {
		cfg.Users = append(cfg.Users, config.User{Username: u.Name, Password: u.Password, Claims: u.Claims})
	}
	byID := map[string]int{}
	for _, a := range f.Apps {
		post := a.PostLogoutRedirectURI
		if post == "" {
			post = a.Origin + "/"
		}
		i, ok := byID[a.ClientID]
		if !ok {
			cfg.Clients = append(cfg.Clients, config.Client{ClientID: a.ClientID})
			i = len(cfg.Clients) - 1
			byID[a.ClientID] = i
		}
		c := &cfg.Clients[i]
		c.RedirectURIs = appendNew(c.RedirectURIs, a.RedirectURI)
		c.PostLogoutRedirectURIs = appendNew(c.PostLogoutRedirectURIs, post)
		c.WebOrigins = appendNew(c.WebOrigins, a.Origin)
		if a.FrontchannelLogoutURI != "" {
			c.FrontchannelLogoutURI = a.FrontchannelLogoutURI
		}
	}
	return cfg
}

func appendNew(list []string, s string) []string {
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}

// StartEmbedded starts ssokit's provider in-process on a free loopback
// port with ephemeral keys, configured from the flow file. It returns the
// issuer (http://localhost:PORT/) and a stop function.
func StartEmbedded(ctx context.Context, f *flow.File, now func() time.Time) (string, func(), error) {
	cfg := EmbeddedConfig(f)
	if errs := cfg.Validate(); len(errs) > 0 {
		return "", nil, fmt.Errorf("%s: the embedded provider cannot use these apps or users: %v", f.Path, errs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("embedded provider: %v", err)
	}
	issuer := fmt.Sprintf("http://localhost:%d/", ln.Addr().(*net.TCPAddr).Port)
	alg := f.SigningAlg
	if alg == "" {
		alg = "RS256"
	}
	ks, err := keys.Load(keys.Options{Ephemeral: true, Alg: alg, Now: now})
	if err != nil {
		ln.Close()
		return "", nil, err
	}
	p, err := provider.New(provider.Options{Issuer: issuer, Config: cfg, Keys: ks, Now: now})
	if err != nil {
		ln.Close()
		return "", nil, fmt.Errorf("embedded provider: %v", err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		// Flows are over: give open requests a moment, then cut them (an
		// injected latency fault may still be sleeping).
		sctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
		p.Close()
	}
	return issuer, stop, nil
}
