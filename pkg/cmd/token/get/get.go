// Package get implements `ssokit token get`: a real grant against any
// OpenID provider.
package get

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	flowbrowser "github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/openurl"
	"github.com/ssokit/ssokit/pkg/token"
)

// Grant types.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
)

// GetOptions are the inputs of `token get`.
type GetOptions struct {
	IO      *iostreams.IOStreams
	Browser openurl.Opener
	HTTP    *http.Client

	Issuer       string
	ClientID     string
	ClientSecret string
	Grant        string
	Scopes       []string
	Audience     string
	NoBrowser    bool
	Port         int
	Timeout      time.Duration
	Print        string
	CACert       string
}

// NewCmdGet returns `ssokit token get`.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Browser: f.Browser}
	cmd := &cobra.Command{
		Use:   "get --issuer URL --client-id ID",
		Short: "Get tokens from any OpenID provider with a real grant",
		Long: `Perform a real OAuth 2.0 grant against any OpenID provider (found through
its discovery document) and print the token response as JSON on stdout.

With --client-secret the grant is client_credentials. Without it, the
authorization code flow with PKCE (S256) runs the way "gcloud auth login"
does: a one-shot listener on a free loopback port (http://127.0.0.1:PORT/callback,
RFC 8252) receives the code, and the system browser opens the authorization
URL. --no-browser prints the URL on stderr instead. state and nonce are
checked. --grant forces a grant type (e.g. a confidential client using the
code flow).

--print access_token|id_token|refresh_token prints only that token, for
shell substitution.`,
		Example: `  # a user's tokens from the local provider (any client_id works with zero config)
  ssokit token get --issuer http://localhost:9400/ --client-id cli

  # a service token
  ssokit token get --issuer http://localhost:9400/ --client-id checkout-bff --client-secret dev-secret

  # straight into a request
  curl -H "Authorization: Bearer $(ssokit token get --issuer $ISS --client-id cli --print access_token)" $API`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Issuer == "" || opts.ClientID == "" {
				return cmdutil.FlagErrorf("--issuer and --client-id are required")
			}
			if opts.Grant == "" {
				opts.Grant = GrantAuthorizationCode
				if opts.ClientSecret != "" {
					opts.Grant = GrantClientCredentials
				}
			}
			switch opts.Grant {
			case GrantAuthorizationCode:
			case GrantClientCredentials:
				if opts.ClientSecret == "" {
					return cmdutil.FlagErrorf("client_credentials needs --client-secret")
				}
			default:
				return cmdutil.FlagErrorf("--grant must be %s or %s", GrantAuthorizationCode, GrantClientCredentials)
			}
			switch opts.Print {
			case "", "access_token", "id_token", "refresh_token":
			default:
				return cmdutil.FlagErrorf("--print must be access_token, id_token or refresh_token")
			}
			var err error
			if opts.HTTP, err = cmdutil.EnsureHTTPClient(opts.HTTP, opts.CACert, 30*time.Second); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Issuer, "issuer", "", "the provider's issuer `URL`")
	fl.StringVar(&opts.ClientID, "client-id", "", "OAuth client `id`")
	fl.StringVar(&opts.ClientSecret, "client-secret", "", "client secret (selects client_credentials)")
	fl.StringVar(&opts.Grant, "grant", "", "grant type: authorization_code or client_credentials")
	fl.StringSliceVar(&opts.Scopes, "scope", nil, "scopes to request (default openid,profile,email for the code flow)")
	fl.StringVar(&opts.Audience, "audience", "", "audience parameter (Auth0-style APIs)")
	fl.BoolVar(&opts.NoBrowser, "no-browser", false, "print the authorization URL instead of opening a browser")
	fl.IntVar(&opts.Port, "port", 0, "loopback port for the redirect listener (default: a free port)")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for the browser sign-in")
	cmdutil.AddCACertFlag(fl, &opts.CACert)
	fl.StringVar(&opts.Print, "print", "", "print only this token: access_token, id_token or refresh_token")
	cmdutil.BindEnv(cmd, "issuer", cmdutil.EnvIssuer, "client-id", cmdutil.EnvClientID, "client-secret", cmdutil.EnvClientSecret)
	return cmd
}

// Response is the token response printed as JSON.
type Response struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type,omitempty"`
	ExpiresIn    int64  `json:"expires_in,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

func getRun(ctx context.Context, opts *GetOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	d, err := token.Discover(ctx, opts.HTTP, opts.Issuer)
	var me *token.IssuerMismatchError
	switch {
	case errors.As(err, &me):
		return &cmdutil.FlagError{Err: err}
	case err != nil:
		return &cmdutil.NetworkError{Err: err}
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, opts.HTTP)
	var tok *oauth2.Token
	if opts.Grant == GrantClientCredentials {
		cc := clientcredentials.Config{ClientID: opts.ClientID, ClientSecret: opts.ClientSecret, TokenURL: d.TokenEndpoint, Scopes: opts.Scopes}
		if opts.Audience != "" {
			cc.EndpointParams = map[string][]string{"audience": {opts.Audience}}
		}
		tok, err = cc.Token(ctx)
	} else {
		tok, err = authCode(ctx, opts, d)
	}
	if err != nil {
		return grantError(err)
	}
	if opts.Grant == GrantAuthorizationCode {
		fmt.Fprintf(opts.IO.ErrOut, "Signed in%s at %s.\n", signedInAs(tok), d.Issuer)
	}
	resp := Response{AccessToken: tok.AccessToken, TokenType: tok.TokenType, ExpiresIn: tok.ExpiresIn, RefreshToken: tok.RefreshToken}
	if resp.ExpiresIn == 0 && !tok.Expiry.IsZero() {
		resp.ExpiresIn = int64(time.Until(tok.Expiry).Round(time.Second).Seconds())
	}
	resp.IDToken, _ = tok.Extra("id_token").(string)
	resp.Scope, _ = tok.Extra("scope").(string)
	if opts.Print != "" {
		v := map[string]string{"access_token": resp.AccessToken, "id_token": resp.IDToken, "refresh_token": resp.RefreshToken}[opts.Print]
		if v == "" {
			return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("the token response has no %s", opts.Print)}
		}
		_, err := fmt.Fprintln(opts.IO.Out, v)
		return err
	}
	enc := json.NewEncoder(opts.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(resp)
}

// grantError turns an OAuth error response into one line (exit 1: the
// provider refused); transport failures are network errors (exit 2).
func grantError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if msg == "" {
			msg = re.Response.Status
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("the provider refused the grant: %s", msg)}
	}
	var ge *grantErr
	if errors.As(err, &ge) {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: err}
	}
	return &cmdutil.NetworkError{Err: err}
}

// grantErr is a refusal reported on the redirect (error=…) or a failed
// state/nonce check.
type grantErr struct{ msg string }

func (e *grantErr) Error() string { return e.msg }

func authCode(ctx context.Context, opts *GetOptions, d *oidc.Discovery) (*oauth2.Token, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("loopback listener: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	scopes := opts.Scopes
	if len(scopes) == 0 {
		scopes = []string{"openid", "profile", "email"}
	}
	conf := oauth2.Config{
		ClientID: opts.ClientID, ClientSecret: opts.ClientSecret, RedirectURL: redirect, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: d.AuthorizationEndpoint, TokenURL: d.TokenEndpoint},
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	params := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce)}
	if opts.Audience != "" {
		params = append(params, oauth2.SetAuthURLParam("audience", opts.Audience))
	}
	authURL := conf.AuthCodeURL(state, params...)
	if err := preflight(ctx, opts.HTTP, authURL, redirect); err != nil {
		return nil, err
	}

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		res := result{code: q.Get("code")}
		switch {
		case q.Get("state") != state:
			res.err = &grantErr{"the redirect's state does not match: refusing the code (possible CSRF)"}
		case q.Get("error") != "":
			res.err = &grantErr{fmt.Sprintf("the provider refused the sign-in: %s %s", q.Get("error"), q.Get("error_description"))}
		case res.code == "":
			res.err = &grantErr{"the redirect carried no code"}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<!doctype html><title>ssokit</title><p>Sign-in failed: %s</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<!doctype html><title>ssokit</title><p>Signed in. You can close this tab and return to the terminal.</p>")
		}
		select {
		case done <- res:
		default:
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	if opts.NoBrowser || opts.Browser == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Open this URL in a browser to sign in:\n\n  %s\n\nWaiting for the redirect to %s …\n", authURL, redirect)
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Opening the browser to sign in; waiting for the redirect to %s …\n", redirect)
		if err := opts.Browser.Browse(authURL); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "could not open a browser (%v); open this URL yourself:\n\n  %s\n\n", err, authURL)
		}
	}
	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	var res result
	select {
	case res = <-done:
	case <-timer.C:
		return nil, &grantErr{fmt.Sprintf("no redirect within %s", opts.Timeout)}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if res.err != nil {
		return nil, res.err
	}
	tok, err := conf.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, err
	}
	if idt, ok := tok.Extra("id_token").(string); ok && idt != "" {
		if u, err := token.Decode(idt); err == nil {
			if n, _ := u.Claims["nonce"].(string); n != nonce {
				return nil, &grantErr{fmt.Sprintf("the ID token's nonce %q does not match the one sent", n)}
			}
		}
	}
	return tok, nil
}

// preflight asks the authorization endpoint what the browser would get,
// without following redirects, so that a provider refusing the request
// (an unknown client, an unregistered redirect_uri) fails the command now
// with its own words instead of after --timeout. A redirect back to us
// with error=… is a refusal too. A login page, a redirect elsewhere, or no
// answer at all proceeds to the browser, which has the user's session.
func preflight(ctx context.Context, client *http.Client, authURL, redirect string) error {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	resp, err := c.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil || !strings.HasPrefix(loc.String(), redirect) {
			return nil
		}
		if q := loc.Query(); q.Get("error") != "" {
			return &grantErr{strings.TrimSpace(fmt.Sprintf("the provider refused the sign-in: %s %s", q.Get("error"), q.Get("error_description")))}
		}
	case resp.StatusCode >= 400:
		var oe oidc.Error
		msg := flowbrowser.VisibleText(body, 300)
		if json.Unmarshal(body, &oe) == nil && oe.Code != "" {
			msg = oe.Error()
		}
		if msg == "" {
			msg = resp.Status
		}
		at := *resp.Request.URL
		at.RawQuery, at.User = "", nil
		return &grantErr{fmt.Sprintf("the provider refused the sign-in (HTTP %d at %s): %s", resp.StatusCode, at.String(), msg)}
	}
	return nil
}

// signedInAs names who signed in, from the ID token (" as alice"), or "".
func signedInAs(tok *oauth2.Token) string {
	idt, _ := tok.Extra("id_token").(string)
	u, err := token.Decode(idt)
	if err != nil {
		return ""
	}
	for _, c := range []string{"preferred_username", "email", "sub"} {
		if v, _ := u.Claims[c].(string); v != "" {
			return " as " + token.Printable(v)
		}
	}
	return ""
}

func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
