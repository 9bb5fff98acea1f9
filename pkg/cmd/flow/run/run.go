// Package run implements `ssokit flow run`.
package run

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/flow"
	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/iostreams"
)

// Options for `ssokit flow run`.
type Options struct {
	IO       *iostreams.IOStreams
	Files    []string
	Issuer   string
	Browser  string
	Parallel int
	JUnit    string
	HTML     string
	JSON     bool
	// Format is text, json or github (--format; GITHUB_ACTIONS=true picks
	// github when neither --format nor --json is given).
	Format  string
	Verbose bool
	Now     func() time.Time
	// StartProvider starts the embedded provider for a file; StartEmbedded
	// unless a test replaces it.
	StartProvider func(ctx context.Context, f *flow.File, now func() time.Time) (issuer string, stop func(), err error)
	// Transport carries the virtual browsers' requests (tests); nil is the default.
	Transport http.RoundTripper
	// CACert is a PEM file of extra CAs to trust (--cacert).
	CACert string
}

// NewCmdRun returns `ssokit flow run FILE…`.
func NewCmdRun(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "run FILE...",
		Short: "Run SSO flow files and report each step",
		Long: `Run the flows of each file in a virtual browser and report every step with its
outcome and time. Exit status: 0 when every flow passes, 1 when one fails,
2 for bad input (a flow file with errors, an unknown browser profile, an
issuer that cannot be reached).

Every file is validated whole before anything runs; errors point at
file:line:col with the offending text.

The provider is the file's "provider:" — "embedded" (the default) starts
ssokit's provider in-process on a free loopback port, with the file's apps
registered as public clients and its users; --issuer runs against any
OpenID provider instead (fault steps need ssokit's provider).

Browser profiles (--browser, or "browser:" in the file or a flow):
  chrome               third-party cookies allowed; SameSite Lax by default
  chrome-3pc-blocked   Chrome with third-party cookies blocked
  safari               ITP: third-party cookies blocked
  firefox              Total Cookie Protection: third-party cookies
                       partitioned by top-level site
  all                  every flow under every profile, with a matrix

Steps: login, silent (prompt=none in a hidden iframe or popup), redirect,
refresh ({app, tabs: N} from N tabs at once; lock: true under a Web Lock),
userinfo, logout (RP-initiated, following front-channel logout),
wait, fault, storage-access ({app, prompt: accept|decline}: a click in the
provider's frame calling requestStorageAccess, answered as the profile's
browser would; a later silent step's frame then gets the provider's
SameSite=None cookies), fedcm ({app, account, mediation: optional|silent,
response: id_token|code}: navigator.credentials.get({identity}) as Chrome
runs it — well-known and config files, the accounts list with the
provider's SameSite=None cookies, the account chooser or an automatic
sign-in of an account the user chose through FedCM before, the ID
assertion; safari and firefox have no FedCM, error fedcm_unsupported; a
provider without it gives fedcm_unavailable), fedcm-disconnect ({app,
account}: IdentityCredential.disconnect()). Each may carry expect: tokens, error, claims, claims_contain,
claims_match, same_sub_as, same_session_as, lifetime, signature,
refresh_token, frontchannel; and timeout (default 10s). When an
authentication fails because the browser withheld a cookie, the report says
which cookie and why, in one sentence. See ` + "`ssokit flow init`" + ` for a
commented example.

--format github (the default when GITHUB_ACTIONS=true) prints the text
report plus one ::error annotation per failing step at its file:line:col with
the one-sentence reason, and appends a Markdown summary (the browser matrix,
timings, failures) to $GITHUB_STEP_SUMMARY when that is set.`,
		Example: `  ssokit flow run flows.yaml
  ssokit flow run flows/*.yaml --browser all --junit sso-junit.xml
  ssokit flow run flows.yaml --browser all --html sso-report.html
  ssokit flow run flows.yaml --browser safari --verbose
  ssokit flow run flows.yaml --issuer http://localhost:8080/realms/dev --json

  # GitHub Actions (automatic when GITHUB_ACTIONS=true): annotations at the
  # failing step's line, a Markdown matrix in the job summary
  ssokit flow run flows.yaml --browser all --format github`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("%q needs at least one flow file (create one with `ssokit flow init`); see %q", cmd.CommandPath(), cmd.CommandPath()+" --help")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			switch {
			case opts.JSON && cmd.Flags().Changed("format") && opts.Format != "json":
				return cmdutil.FlagErrorf("--json and --format %s contradict each other; use one", opts.Format)
			case opts.JSON:
				opts.Format = "json"
			case !cmd.Flags().Changed("format") && os.Getenv("GITHUB_ACTIONS") == "true":
				opts.Format = "github"
			}
			switch opts.Format {
			case "text", "json", "github":
			default:
				return cmdutil.FlagErrorf("--format %q is not text, json or github", opts.Format)
			}
			opts.JSON = opts.Format == "json"
			if opts.Parallel < 1 {
				return cmdutil.FlagErrorf("--parallel must be at least 1, got %d", opts.Parallel)
			}
			if opts.Browser != "" && opts.Browser != "all" {
				if _, err := browser.LookupProfile(opts.Browser); err != nil {
					return cmdutil.FlagErrorf("--browser: %v, or all", err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Issuer, "issuer", "", "run against this OpenID provider instead of the file's provider")
	fl.StringVar(&opts.Browser, "browser", "", "browser profile for every flow: chrome, chrome-3pc-blocked, safari, firefox, or all")
	cmdutil.AddCACertFlag(fl, &opts.CACert)
	fl.IntVar(&opts.Parallel, "parallel", 1, "how many flows run at once")
	fl.StringVar(&opts.JUnit, "junit", "", "also write a JUnit XML report to this file")
	fl.StringVar(&opts.HTML, "html", "", "also write a self-contained HTML report to `FILE`: each flow as a sequence diagram of its requests and cookies, the browser matrix, timings")
	fl.BoolVar(&opts.JSON, "json", false, "print the results as JSON instead of text (--format json)")
	fl.StringVar(&opts.Format, "format", "text", "report format: text, json, or github (annotations and a job summary; the default when GITHUB_ACTIONS=true)")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show each step's requests as an arrow diagram (app → provider → app)")
	cmdutil.BindEnv(cmd, "issuer", cmdutil.EnvIssuer)
	return cmd
}

// Run parses every file, then runs them and reports.
func Run(ctx context.Context, opts *Options) error {
	var files []*flow.File
	var bad []string
	for _, path := range opts.Files {
		f, err := flow.ReadFile(path)
		if err != nil {
			var pe *flow.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, pe.Error())
				if opts.Format == "github" {
					_ = flow.WriteGitHubParseErrors(opts.IO.Out, pe, flow.GitHubOptions{Workspace: os.Getenv("GITHUB_WORKSPACE")})
				}
			} else {
				bad = append(bad, fmt.Sprintf("%s: %v", path, unwrapPathError(err)))
			}
			continue
		}
		files = append(files, f)
	}
	if len(bad) > 0 {
		fmt.Fprintln(opts.IO.ErrOut, strings.Join(bad, "\n"))
		fmt.Fprintf(opts.IO.ErrOut, "nothing ran: fix the flow file errors above\n")
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage}
	}
	// Open the report before anything runs: a path that cannot be written
	// is bad usage (exit 2), not a failed flow, and is worth knowing now.
	var junit *os.File
	if opts.JUnit != "" {
		fh, err := os.Create(opts.JUnit)
		if err != nil {
			return cmdutil.FlagErrorf("--junit %s: %v; nothing ran", opts.JUnit, unwrapPathError(err))
		}
		junit = fh
		defer fh.Close()
	}
	htmlFile, herr := createReport("--html", opts.HTML)
	if herr != nil {
		return herr
	}
	if htmlFile != nil {
		defer htmlFile.Close()
	}
	var profiles []string
	switch opts.Browser {
	case "":
	case "all":
		profiles = browser.ProfileNames()
	default:
		profiles = []string{opts.Browser}
	}
	if opts.Transport == nil {
		// the virtual browser trusts what every ssokit client trusts:
		// system roots, ssokit's local CA (up --tls) and --cacert
		cfg, err := cmdutil.TLSClientConfig(opts.CACert)
		if err != nil {
			return err
		}
		t := browser.DefaultTransport()
		t.TLSClientConfig = cfg
		opts.Transport = t
	}
	start := opts.StartProvider
	if start == nil {
		start = StartEmbedded
	}
	var results []*flow.Result
	for _, f := range files {
		issuer := opts.Issuer
		if issuer == "" && f.Provider != "embedded" {
			issuer = f.Provider
		}
		stop := func() {}
		if issuer == "" {
			var err error
			issuer, stop, err = start(ctx, f, opts.Now)
			if err != nil {
				return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
			}
			if opts.Verbose {
				fmt.Fprintf(opts.IO.ErrOut, "%s: embedded provider at %s\n", f.Path, issuer)
			}
		}
		r := &flow.Runner{Issuer: issuer, Profiles: profiles, Parallel: opts.Parallel, Transport: opts.Transport}
		res, err := r.Run(ctx, f)
		stop()
		if err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: fmt.Errorf("%s: %w", f.Path, err)}
		}
		results = append(results, res)
	}
	if htmlFile != nil { // before the traces go: the report draws them
		if err := writeHTML(htmlFile, opts, results, profiles); err != nil {
			return err
		}
	}
	if !opts.Verbose {
		for _, r := range results {
			for _, fr := range r.Flows {
				for _, s := range fr.Steps {
					s.Trace = nil
				}
			}
		}
	}
	out := opts.IO.Out
	var err error
	if opts.JSON {
		err = flow.WriteJSON(out, results)
	} else {
		err = flow.WriteText(out, results, flow.TextOptions{Verbose: opts.Verbose, Color: opts.IO.ColorEnabled()})
		if err == nil && len(profiles) > 1 {
			fmt.Fprintln(out)
			err = flow.WriteMatrix(out, results, profiles, opts.IO.ColorEnabled())
		}
	}
	if err == nil && opts.Format == "github" {
		err = flow.WriteGitHubAnnotations(out, results, flow.GitHubOptions{Workspace: os.Getenv("GITHUB_WORKSPACE")})
		if err == nil {
			writeStepSummary(opts, results)
		}
	}
	if err != nil {
		return err
	}
	if junit != nil {
		werr := flow.WriteJUnit(junit, results)
		if cerr := junit.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("--junit %s: %v", opts.JUnit, werr)
		}
	}
	for _, r := range results {
		if !r.Passed() {
			return cmdutil.ErrSilent
		}
	}
	return nil
}

// writeStepSummary appends the Markdown summary to $GITHUB_STEP_SUMMARY.
// A summary that cannot be written is worth a warning, not a failed run:
// the flows' verdict stands.
func writeStepSummary(opts *Options, results []*flow.Result) {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		err = flow.WriteGitHubSummary(f, results)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the job summary was not written to $GITHUB_STEP_SUMMARY (%s): %v\n", path, unwrapPathError(err))
	}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
