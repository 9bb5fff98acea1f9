// Package healthcheck implements `ssokit healthcheck`, the probe a
// container's HEALTHCHECK or a CI job's wait loop runs: the image has no
// shell and no curl, so ssokit checks itself.
package healthcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// DefaultURL is the provider's default address, as a container's own
// health check reaches it.
const DefaultURL = "http://127.0.0.1:9400/"

// Options are the flags of `ssokit healthcheck`.
type Options struct {
	URL     string
	Timeout time.Duration
	CACert  string
	Quiet   bool
	// HTTP replaces the client (tests).
	HTTP *http.Client
}

// NewCmdHealthcheck returns `ssokit healthcheck`. runF replaces the run for tests.
func NewCmdHealthcheck(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "healthcheck [URL]",
		Short: "Exit 0 when an ssokit provider or proxy answers, 1 when not",
		Long: `Check that an ssokit provider or proxy is up, for a container's HEALTHCHECK
(the image has no shell or curl) or a CI job waiting for ` + "`ssokit up`" + `.

URL defaults to $` + cmdutil.EnvHealthURL + `, else ` + DefaultURL + ` (the provider).
A URL ending in "/" is first asked for its discovery document
(URL.well-known/openid-configuration): a provider is healthy when that
answers 200 with JSON naming an issuer. When nothing there is a discovery
document (404: a proxy, an app), and for any other URL, the URL itself must
answer 2xx or 3xx: a proxy whose app behind the route is down answers 502
and is unhealthy.

Exit status: 0 healthy, 1 unhealthy (refused, timed out, an error status,
a broken discovery document), 2 bad usage. One line says why, on stdout
when healthy and on stderr when not.`,
		Example: `  # the provider on its default address
  ssokit healthcheck

  # the proxy of ssokit up, through its shell route
  ssokit healthcheck http://127.0.0.1:9000/shell/

  # docker compose
  healthcheck:
    test: ["CMD", "/ko-app/ssokit", "healthcheck"]
    interval: 2s

  # CI: wait up to 30 s for ssokit up
  for i in $(seq 30); do ssokit healthcheck -q && break; sleep 1; done`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URL = firstNonEmpty(argAt(args, 0), os.Getenv(cmdutil.EnvHealthURL), DefaultURL)
			if _, err := parseURL(opts.URL); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be positive, got %s", opts.Timeout)
			}
			var err error
			if opts.HTTP, err = cmdutil.EnsureHTTPClient(opts.HTTP, opts.CACert, opts.Timeout); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&opts.Timeout, "timeout", 3*time.Second, "give up after this long (the whole check)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing when healthy")
	cmdutil.AddCACertFlag(fl, &opts.CACert)
	return cmd
}

// Run checks opts.URL once.
func Run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	msg, err := Check(ctx, opts.HTTP, opts.URL)
	if err != nil {
		fmt.Fprintf(f.IOStreams.ErrOut, "unhealthy: %v\n", err)
		return cmdutil.ErrSilent
	}
	if !opts.Quiet {
		fmt.Fprintf(f.IOStreams.Out, "healthy: %s\n", msg)
	}
	return nil
}

// Check probes rawURL as the command describes; it returns what answered,
// or why the server is not healthy.
func Check(ctx context.Context, c *http.Client, rawURL string) (string, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(u.Path, "/") || u.Path == "" {
		d := *u
		d.Path = strings.TrimSuffix(u.Path, "/") + "/.well-known/openid-configuration"
		status, body, err := get(ctx, c, d.String())
		if err != nil {
			return "", err
		}
		switch {
		case status == http.StatusOK:
			var doc oidc.Discovery
			if err := json.Unmarshal(body, &doc); err != nil || doc.Issuer == "" {
				return "", fmt.Errorf("%s answered 200 but not a discovery document with an issuer", d.String())
			}
			return fmt.Sprintf("provider at %s answers discovery (issuer %s)", u, doc.Issuer), nil
		case status != http.StatusNotFound:
			return "", fmt.Errorf("%s answered %d %s", d.String(), status, http.StatusText(status))
		}
	}
	status, _, err := get(ctx, c, u.String())
	if err != nil {
		return "", err
	}
	if status >= 400 {
		return "", fmt.Errorf("%s answered %d %s", u, status, http.StatusText(status))
	}
	return fmt.Sprintf("%s answered %d", u, status), nil
}

// get fetches url without following redirects (a 3xx is an answer) and
// reads at most 1 MiB of the body.
func get(ctx context.Context, c *http.Client, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := cc.Do(req)
	if err != nil {
		return 0, nil, describe(u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: reading the answer: %w", u, err)
	}
	return resp.StatusCode, body, nil
}

// describe turns a transport error into the one-line reason.
func describe(u string, err error) error {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%s did not answer in time", u)
	case errors.As(err, &oe) && oe.Op == "dial":
		return fmt.Errorf("nothing listens at %s (%v)", u, oe.Err)
	}
	return fmt.Errorf("%s: %v", u, err)
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL; e.g. %s (the provider) or http://127.0.0.1:9000/shell/ (the proxy)", s, DefaultURL)
	}
	return u, nil
}

func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
