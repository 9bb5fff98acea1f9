package ssokittest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/ssokittest"
)

// requireToken is the code under test: a service's bearer-token
// middleware, written with coreos/go-oidc as a real service would be.
func requireToken(verifier *oidc.IDTokenVerifier, next func(w http.ResponseWriter, r *http.Request, claims map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, "no bearer token", http.StatusUnauthorized)
			return
		}
		tok, err := verifier.Verify(r.Context(), raw)
		var expired *oidc.TokenExpiredError
		switch {
		case errors.As(err, &expired):
			http.Error(w, "token expired", http.StatusUnauthorized)
			return
		case err != nil && strings.Contains(err.Error(), "audience"):
			http.Error(w, "token is for another API", http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		var claims map[string]any
		_ = tok.Claims(&claims)
		next(w, r, claims)
	})
}

// A service's middleware verified against a real provider: a valid token
// passes, an expired one, one for another API and none are refused.
func Example() {
	// in a test: op := ssokittest.New(t, …) and no Close
	op := ssokittest.Start(ssokittest.WithUser("alice", map[string]any{"email": "alice@example.com"}))
	defer op.Close()
	// the user's claims go to the ID token and userinfo; claims an API
	// reads from the access token are given per token, as an IdP's rule would add them
	admin := ssokittest.Claims(map[string]any{"roles": []string{"admin"}})

	rp, err := oidc.NewProvider(context.Background(), op.Issuer())
	if err != nil {
		panic(err)
	}
	api := httptest.NewServer(requireToken(rp.Verifier(&oidc.Config{ClientID: "orders-api"}),
		func(w http.ResponseWriter, r *http.Request, claims map[string]any) {
			fmt.Fprintf(w, "hello %s, roles %v", claims["sub"], claims["roles"])
		}))
	defer api.Close()

	for _, token := range []string{
		op.Token(nil, "alice", ssokittest.Audience("orders-api"), admin),
		op.Token(nil, "alice", ssokittest.Audience("orders-api"), admin, ssokittest.Expired()),
		op.Token(nil, "alice", ssokittest.Audience("billing-api")),
		"",
	} {
		req, _ := http.NewRequest("GET", api.URL, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	}
	// Output:
	// 200 hello alice, roles [admin]
	// 401 token expired
	// 401 token is for another API
	// 401 no bearer token
}

// A service-to-service token, as client_credentials issues it, with the
// permissions the API checks.
func ExampleProvider_ClientToken() {
	op := ssokittest.Start(ssokittest.WithClient(config.Client{ClientID: "checkout-bff", Secret: "dev-secret"}))
	defer op.Close()

	rp, _ := oidc.NewProvider(context.Background(), op.Issuer())
	token := op.ClientToken(nil, "checkout-bff", ssokittest.Audience("orders-api"),
		ssokittest.Claims(map[string]any{"permissions": []string{"read:orders"}}))
	tok, err := rp.Verifier(&oidc.Config{ClientID: "orders-api"}).Verify(context.Background(), token)
	if err != nil {
		panic(err)
	}
	var claims struct {
		Permissions []string `json:"permissions"`
	}
	_ = tok.Claims(&claims)
	fmt.Println(tok.Subject, claims.Permissions)
	// Output: checkout-bff [read:orders]
}

// Tokens gives the whole response; its refresh token is stored by the
// provider and rotates through golang.org/x/oauth2 like any other.
func ExampleProvider_Tokens() {
	op := ssokittest.Start()
	defer op.Close()

	t := op.Tokens(nil, "bob")
	rp, _ := oidc.NewProvider(context.Background(), op.Issuer())
	conf := oauth2.Config{ClientID: "ssokit-test", Endpoint: rp.Endpoint()}
	fresh, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: t.RefreshToken}).Token()
	if err != nil {
		panic(err)
	}
	idt, err := rp.Verifier(&oidc.Config{ClientID: "ssokit-test"}).Verify(context.Background(), fresh.Extra("id_token").(string))
	if err != nil {
		panic(err)
	}
	fmt.Println(idt.Subject, fresh.RefreshToken != t.RefreshToken)
	// Output: bob true
}

// A browser-like client that is already signed in: an app's redirect to
// /authorize comes straight back with a code, no login form.
func ExampleProvider_SignedInClient() {
	op := ssokittest.Start()
	defer op.Close()

	c := op.SignedInClient(nil, "alice", map[string]any{"tenant": "acme"})
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	rp, _ := oidc.NewProvider(context.Background(), op.Issuer())
	conf := oauth2.Config{ClientID: "shell", Endpoint: rp.Endpoint(), RedirectURL: "http://localhost:5101/callback", Scopes: []string{oidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	resp, err := c.Get(conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		panic(err)
	}
	idt, _ := rp.Verifier(&oidc.Config{ClientID: "shell"}).Verify(context.Background(), tok.Extra("id_token").(string))
	var claims struct{ Tenant string }
	_ = idt.Claims(&claims)
	fmt.Println(resp.StatusCode, idt.Subject, claims.Tenant)
	// Output: 302 alice acme
}
