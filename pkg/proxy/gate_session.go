package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// identity returns the user to forward, refreshing the access token when it
// is about to expire.
func (g *gate) identity(ctx context.Context, s *session) (identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := g.now()
	s.lastUsed = now
	if s.expiry.IsZero() || now.Add(refreshLeeway).Before(s.expiry) {
		return s.id, nil
	}
	if s.refresh == "" {
		return identity{}, errors.New("access token expired and there is no refresh token")
	}
	d, err := g.discover(ctx)
	if err != nil {
		return identity{}, &providerUnavailable{err}
	}
	// The refresh must finish even if this browser request goes away: the
	// provider rotates the refresh token, and a lost answer would lose the
	// session.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, g.client)
	tok, err := d.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: s.refresh}).Token()
	var oauthErr *oauth2.RetrieveError
	switch {
	case errors.As(err, &oauthErr) && oauthErr.Response != nil && oauthErr.Response.StatusCode < 500:
		return identity{}, fmt.Errorf("refresh: %s", describeOAuthError(err))
	case err != nil:
		return identity{}, &providerUnavailable{err}
	}
	s.id.accessToken = tok.AccessToken
	s.refresh = tok.RefreshToken // the old one when the provider does not rotate
	s.expiry = time.Time{}
	if tok.ExpiresIn > 0 {
		s.expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	if rawID, _ := tok.Extra("id_token").(string); rawID != "" {
		if idt, err := d.verifier.Verify(ctx, rawID); err == nil && s.setClaims(idt) == nil {
			s.idToken = rawID
		}
	}
	g.logger.Debug("token refreshed", "route", g.name, "user", s.id.user)
	return s.id, nil
}

// providerUnavailable is a failure to reach the provider, as opposed to
// the provider refusing: it does not end the session.
type providerUnavailable struct{ err error }

func (e *providerUnavailable) Error() string { return "provider unavailable: " + e.err.Error() }
func (e *providerUnavailable) Unwrap() error { return e.err }

// setClaims takes the forwarded user from a verified ID token.
func (s *session) setClaims(idt *oidc.IDToken) error {
	var c struct {
		Sub               string `json:"sub"`
		SID               string `json:"sid"`
		PreferredUsername string `json:"preferred_username"`
		Email             string `json:"email"`
	}
	if err := idt.Claims(&c); err != nil {
		return err
	}
	var all map[string]any
	if err := idt.Claims(&all); err != nil {
		return err
	}
	if c.Sub == "" {
		return errors.New("the ID token has no sub claim")
	}
	if s.sub == "" {
		s.sub, s.sid = c.Sub, c.SID
	}
	s.id.user = c.Sub
	if c.PreferredUsername != "" {
		s.id.user = c.PreferredUsername
	}
	s.id.email = c.Email
	s.claims = all
	return nil
}

// discover fetches the provider's discovery document once it answers.
func (g *gate) discover(ctx context.Context) (*discovered, error) {
	g.discMu.Lock()
	defer g.discMu.Unlock()
	if g.disc != nil {
		return g.disc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, g.client), g.auth.Issuer)
	if err != nil {
		return nil, err
	}
	var meta struct {
		EndSession  string   `json:"end_session_endpoint"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	_ = provider.Claims(&meta)
	endpoint := provider.Endpoint()
	switch {
	case g.auth.ClientSecret == "":
		endpoint.AuthStyle = oauth2.AuthStyleInParams // public: client_id in the body
	case len(meta.AuthMethods) == 0 || slices.Contains(meta.AuthMethods, "client_secret_basic"):
		endpoint.AuthStyle = oauth2.AuthStyleInHeader
	default:
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	g.disc = &discovered{
		oauth: oauth2.Config{
			ClientID:     g.auth.ClientID,
			ClientSecret: g.auth.ClientSecret,
			Endpoint:     endpoint,
			Scopes:       g.auth.Scopes,
		},
		verifier:   provider.Verifier(&oidc.Config{ClientID: g.auth.ClientID, Now: g.now}),
		endSession: meta.EndSession,
	}
	return g.disc, nil
}

func (g *gate) lookup(r *http.Request) *session {
	c, err := r.Cookie(g.sessionCookie())
	if err != nil || c.Value == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sessions[c.Value]
}

func (g *gate) drop(r *http.Request) {
	if c, err := r.Cookie(g.sessionCookie()); err == nil {
		g.mu.Lock()
		delete(g.sessions, c.Value)
		g.mu.Unlock()
	}
}

// prunePending drops expired sign-ins; g.mu is held.
func (g *gate) prunePending() {
	now := g.now()
	for k, p := range g.pending {
		if now.Sub(p.created) > loginTTL || len(g.pending) > maxPending {
			delete(g.pending, k)
		}
	}
}

// pruneSessions drops idle sessions; g.mu is held.
func (g *gate) pruneSessions() {
	now := g.now()
	for k, s := range g.sessions {
		if s.mu.TryLock() {
			idle := now.Sub(s.lastUsed) > idleSessionTTL
			s.mu.Unlock()
			if idle {
				delete(g.sessions, k)
			}
		}
	}
}

// cookie builds one of the gate's cookies: HttpOnly so scripts never see
// it, SameSite=Lax so it rides along on the top-level redirect back from the
// provider but not on cross-site subrequests, Secure over TLS.
func (g *gate) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     g.cookiePath(),
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}
