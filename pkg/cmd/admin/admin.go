// Package admin implements `ssokit admin`: the provider's admin and test
// API from the command line — sessions, sign-in, minting, users, clients,
// faults, keys, reset — so no one needs curl with special headers.
package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/provider"
)

// EnvProvider names the provider when --provider is not given.
const EnvProvider = "SSOKIT_PROVIDER"

// Options are the flags every admin verb shares.
type Options struct {
	IO       *iostreams.IOStreams
	HTTP     *http.Client
	Provider string
	CACert   string
	JSON     bool
}

// NewCmdAdmin returns `ssokit admin` with its verbs.
func NewCmdAdmin(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "admin <command>",
		Short: "Drive a running provider: sessions, sign-in, tokens, users, clients, faults",
		Long: `Drive a running ssokit provider through its admin API, the way tests need to:
sign a browser in without the form (cookies and a Playwright storageState),
mint tokens exactly as the provider issues them, add and remove users and
clients, inject faults, rotate keys, list and end sessions, and reset
everything between tests.

The admin API answers loopback callers only, on the provider's own origin.
--provider is its URL (default $` + EnvProvider + `, else ` + config.DefaultIssuer + `).
--json prints what the API answered, for scripts.

Exit codes: 0 done; 1 the provider failed; 2 bad usage, bad input the
provider refused (an unknown user, a malformed claim), or no provider there.`,
		Example: `  # sign alice in and hand the session to Playwright
  ssokit admin signin alice --claim roles='["admin"]' --storage-state .auth/alice.json

  # an access token for an API test, and an expired one
  ssokit admin mint alice --client-id shell --aud orders-api --print access_token
  ssokit admin mint alice --client-id shell --expired --print access_token

  # seed a user and a client, then put everything back as configured
  ssokit admin users add carol --claim email=carol@example.com
  ssokit admin clients add web --redirect-uri http://localhost:5173/callback
  ssokit admin reset`,
	}
	cmdutil.Group(cmd)
	pf := cmd.PersistentFlags()
	pf.StringVar(&opts.Provider, "provider", "", "the provider's `URL` (default $"+EnvProvider+", else "+config.DefaultIssuer+")")
	pf.BoolVar(&opts.JSON, "json", false, "print the API's JSON answer")
	cmdutil.AddCACertFlag(pf, &opts.CACert)
	cmd.AddCommand(
		NewCmdStatus(opts, nil),
		NewCmdSessions(opts),
		NewCmdSignIn(opts, nil),
		NewCmdMint(opts, nil),
		NewCmdUsers(opts),
		NewCmdClients(opts),
		NewCmdFaults(opts),
		NewCmdRotateKeys(opts, nil),
		NewCmdReset(opts, nil),
	)
	return cmd
}

// client is the admin API of one provider.
type client struct {
	base *url.URL
	http *http.Client
}

// newClient resolves --provider (or $SSOKIT_PROVIDER) into a client.
func (o *Options) newClient() (*client, error) {
	// A persistent flag of the parent, so not cmdutil.BindEnv (which binds
	// a command's own flags); the same precedence: flag, variable, default.
	raw, from := o.Provider, "--provider"
	if raw == "" {
		raw, from = os.Getenv(EnvProvider), "$"+EnvProvider
	}
	if raw == "" {
		raw = config.DefaultIssuer
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, cmdutil.FlagErrorf("%s=%q is not the provider's URL; e.g. %s", from, raw, config.DefaultIssuer)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	hc, err := cmdutil.EnsureHTTPClient(o.HTTP, o.CACert, 30*time.Second)
	if err != nil {
		return nil, err
	}
	return &client{base: u, http: hc}, nil
}

// APIError is an answer of the admin API other than success.
type APIError struct {
	Status      int
	Code        string
	Description string
}

func (e *APIError) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("the provider answered %d %s", e.Status, e.Code)
	}
	return e.Description
}

// call sends body as JSON (nil: no body, but the admin header, so state
// changing calls pass the provider's forgery check) and decodes the
// answer into out.
func (c *client) call(ctx context.Context, method, path string, body, out any) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := *c.base
	u.Path += provider.PathAdmin + path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(provider.AdminHeader, "1")
	resp, err := c.http.Do(req)
	if err != nil {
		return &cmdutil.NetworkError{Err: fmt.Errorf("no provider answered at %s (start one with `ssokit up` or `ssokit provider`, or point --provider at it): %w", c.base, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return &cmdutil.NetworkError{Err: err}
	}
	if resp.StatusCode/100 != 2 {
		var oe oidc.Error
		ae := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(b, &oe) == nil && oe.Code != "" {
			ae.Code, ae.Description = oe.Code, oe.Description
		} else {
			ae.Description = fmt.Sprintf("%s %s: %d %s", method, u.String(), resp.StatusCode, strings.TrimSpace(string(b)))
		}
		if resp.StatusCode >= 500 {
			return ae
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: ae}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = append((*raw)[:0], b...)
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the expected JSON (is %s an ssokit provider?): %v", method, u.String(), c.base, err)
	}
	return nil
}

// printJSON writes v indented on stdout.
// fetch calls the admin API and, with --json, prints its answer as it
// came (printed is then true); else it returns the answer for the verb to
// print as text.
func (o *Options) fetch(ctx context.Context, method, path string, body any) (raw json.RawMessage, printed bool, err error) {
	c, err := o.newClient()
	if err != nil {
		return nil, false, err
	}
	if err := c.call(ctx, method, path, body, &raw); err != nil {
		return nil, false, err
	}
	if o.JSON {
		return raw, true, o.printJSON(raw)
	}
	return raw, false, nil
}

func (o *Options) printJSON(v any) error {
	if raw, ok := v.(json.RawMessage); ok {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err == nil {
			buf.WriteByte('\n')
			_, err = o.IO.Out.Write(buf.Bytes())
			return err
		}
	}
	enc := json.NewEncoder(o.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isAPIError reports whether err is the provider refusing the call.
func isAPIError(err error) bool {
	var ae *APIError
	return errors.As(err, &ae)
}
