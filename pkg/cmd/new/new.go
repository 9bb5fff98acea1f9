// Package new implements `ssokit new`: scaffold a micro-frontend with working
// silent-auth wiring and register it in ssokit.yaml.
package new

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ssokit/ssokit/pkg/cmd/new/ci"
	"github.com/ssokit/ssokit/pkg/cmdutil"
	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/plural"
	"github.com/ssokit/ssokit/pkg/iostreams"
	"github.com/ssokit/ssokit/pkg/scaffold"
)

// Options are the arguments and flags of `ssokit new`.
type Options struct {
	IO        *iostreams.IOStreams
	Templates fs.FS

	Template   string
	Dir        string
	Name       string
	Path       string
	Port       int
	ClientID   string
	Issuer     string
	ConfigFile string
	NoRegister bool
	Force      bool
	DryRun     bool
	Install    bool
	List       bool
	// Host is the mf-host app an mf-remote joins (default: the only one).
	Host string

	// Prompt asks for what is missing (template, name, path, port) on a
	// terminal; fields whose flag was given are not asked. Tests replace it.
	Prompt func(o *Options, templates []scaffold.Template, flagsSet map[string]bool) error
	// RunInstall runs the template's install command in dir. Tests replace it.
	RunInstall func(ctx context.Context, dir, command string, log io.Writer) error
	// ClientSecret is the secret of a bff's client; empty: random. Tests pin it.
	ClientSecret string
	// PortInUse reports a port taken on this machine (default
	// scaffold.PortInUse); the default --port skips such ports. Tests replace it.
	PortInUse func(port int) bool

	flagsSet map[string]bool
	prompted bool
	// hostChange adds an mf-remote to its host's remotes.json.
	hostChange *scaffold.ConfigChange
}

// NewCmdNew returns `ssokit new`. runF replaces the run for tests.
func NewCmdNew(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Templates: f.Templates, Prompt: promptTUI, RunInstall: npmInstall}
	cmd := &cobra.Command{
		Use:   "new [TEMPLATE] [DIR]",
		Short: "Scaffold a micro-frontend with working silent-auth wiring",
		Long: `Create an app that signs in through the ssokit provider, signs in silently
when the user already signed in through another app, renews its tokens, signs
out everywhere, and falls back cleanly when the browser blocks third-party
cookies. Then register it in ssokit.yaml so that ` + "`ssokit up`" + ` serves it at once.

Templates (ssokit new --list):
  vanilla  TypeScript + Vite, no auth library: a small commented module doing
           PKCE, silent auth (refresh token, hidden iframe when same-site,
           top-level prompt=none redirect; FedCM and the Storage Access API
           opt-in in its .env) and sign-out everywhere
  react    React + Vite + oidc-client-ts (silent_redirect_uri page, monitorSession)
  vue      Vue 3 + Vite + oidc-client-ts
  auth0    React + Vite + @auth0/auth0-spa-js, unchanged, pointed at the local provider
  shell    the container that links the apps under the proxy and shows the shared user
  bff      a server-rendered Go app behind the proxy's auth gate
  spa-bff  React with no OAuth code: the proxy is its backend-for-frontend
  mf-host  a Module Federation host that owns the one auth client and passes
           it to its remotes (listed in its remotes.json)
  mf-remote
           a remote for it: uses the host's client inside the host, its own
           (silent SSO) standalone; registered in the host's remotes.json

Tools (not apps: nothing is registered, no route or port):
  playwright  a Playwright fixture (sign the browser in through the provider's
              test API, faults, provider events, the tokens an app holds) and
              an example spec over your apps, in DIR (default ./e2e)

DIR defaults to ./NAME, and NAME to DIR's last element or else the template
name. The app is served by the proxy at --path (default /NAME) and its dev
server listens on --port (default: one above the highest port in ssokit.yaml,
from 5101).

Registration adds to ssokit.yaml (created when absent) a client with exact
redirect URIs, post-logout URI, web origins and front-channel logout URI (a
confidential client for bff), and an apps: route. The file's comments and
ordering are kept: the new entries are spliced in as text. Re-running with the
same choices changes nothing; an app name, path or port, or a client_id,
already used differently is a conflict; a file that does not parse is never
rewritten.

An mf-remote is also added to its host's remotes.json (the mf-host app of
ssokit.yaml, or --host NAME): a name or entry already taken by another
remote is a conflict, and a remotes.json that does not parse is refused
with its line.

A non-empty DIR is refused without --force, and --force only overwrites the
files the template produces: nothing else in DIR is deleted.

On a terminal with TEMPLATE or DIR missing, ssokit new asks for them (and for
name, path and port unless given as flags). Without a terminal, or with CI
set, it never asks: TEMPLATE is then required and everything else defaults.`,
		Example: `  # an app under http://localhost:9000/account/, dev server on :5102
  ssokit new vanilla account --port 5102

  # React with oidc-client-ts, under /orders, without touching ssokit.yaml
  ssokit new react web/orders --path /orders --no-register

  # see what would be written, and the change to ssokit.yaml, as a diff
  ssokit new auth0 profile --dry-run

  # create and npm install in one go
  ssokit new vue settings --install && ssokit up

  # a Module Federation host, and a remote it loads (added to its remotes.json)
  ssokit new mf-host portal && ssokit new mf-remote billing

  # Playwright specs for the apps registered in ssokit.yaml, in ./e2e
  ssokit new playwright --install

  ssokit new --list`,
		Args: cmdutil.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Template = args[0]
			}
			if len(args) > 1 {
				opts.Dir = args[1]
			}
			opts.flagsSet = map[string]bool{}
			cmd.Flags().Visit(func(fl *pflag.Flag) { opts.flagsSet[fl.Name] = true })
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Name, "name", "", "app name: directory, npm package, client_id and route default (lowercase letters, digits, hyphens)")
	fl.StringVar(&opts.Path, "path", "", "route under the proxy, like /account (default /NAME)")
	fl.IntVar(&opts.Port, "port", 0, "dev-server port (default: next free one after the apps in ssokit.yaml, from 5101)")
	fl.StringVar(&opts.ClientID, "client-id", "", "OAuth client_id (default NAME)")
	fl.StringVar(&opts.Issuer, "issuer", "", "provider issuer (default: issuer from ssokit.yaml, else "+config.DefaultIssuer+")")
	fl.StringVarP(&opts.ConfigFile, "config", "c", config.DefaultFile, "ssokit.yaml to register the app in")
	fl.BoolVar(&opts.NoRegister, "no-register", false, "do not touch ssokit.yaml")
	fl.BoolVar(&opts.Force, "force", false, "write into a non-empty DIR (overwrites only the template's files)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list the files and show the ssokit.yaml change as a diff; write nothing")
	fl.BoolVar(&opts.Install, "install", false, "run npm install in DIR afterwards")
	fl.BoolVar(&opts.List, "list", false, "list the templates and exit")
	fl.StringVar(&opts.Host, "host", "", "mf-remote: the mf-host app of ssokit.yaml to register with (default: the only one)")
	// `ssokit new ci` is a verb of its own; new stays runnable with
	// TEMPLATE [DIR], so its usage keeps that line (cmdutil.Group's
	// template, inherited from root, would hide it).
	cmd.SetUsageTemplate(cmd.UsageTemplate())
	cmd.AddCommand(ci.NewCmdCI(f, nil))
	return cmd
}

// Run creates the app.
func Run(ctx context.Context, o *Options) error {
	templates, err := scaffold.List(o.Templates)
	if err != nil {
		return err
	}
	if o.List {
		return listTemplates(o.IO.Out, templates)
	}
	if o.flagsSet == nil {
		o.flagsSet = map[string]bool{}
	}
	if (o.Template == "" || o.Dir == "") && o.IO.CanPrompt() && o.Prompt != nil {
		if err := o.Prompt(o, templates, o.flagsSet); err != nil {
			return err
		}
		o.prompted = true
	}
	if o.Template == "" {
		return cmdutil.FlagErrorf("which template? run `ssokit new TEMPLATE [DIR]` with one of: %s (ssokit new --list describes them)", templateNames(templates))
	}
	tmpl, err := scaffold.Lookup(o.Templates, o.Template)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if !tmpl.IsApp() {
		return runTool(ctx, o, tmpl)
	}
	if o.Name == "" {
		o.Name = tmpl.Name
		if o.Dir != "" {
			o.Name = filepath.Base(filepath.Clean(o.Dir))
			if abs, err := filepath.Abs(o.Dir); err == nil {
				o.Name = filepath.Base(abs) // "." names the app after the current directory
			}
		}
	}
	if err := scaffold.ValidateName(o.Name); err != nil {
		if !o.flagsSet["name"] && o.Dir != "" {
			err = fmt.Errorf("%w; DIR's last element is the default name: pass --name", err)
		}
		return &cmdutil.FlagError{Err: err}
	}
	if o.Dir == "" {
		o.Dir = o.Name
	}

	// ssokit.yaml: defaults (issuer, next port, proxy origin, other apps) and registration.
	cfg, cfgErr := scaffold.ReadConfig(o.ConfigFile)
	if cfgErr != nil && !o.NoRegister {
		return &cmdutil.FlagError{Err: fmt.Errorf("%w\nfix it, or pass --no-register", cfgErr)}
	}
	if o.Port == 0 {
		o.Port = scaffold.NextFreePort(cfg, o.portInUse())
	}
	if o.Issuer == "" && cfg != nil && cfg.Issuer != "" {
		// ReadConfig decodes loosely; the issuer ends up in generated
		// code, so check it here and point at the line.
		if err := config.ValidateIssuer(cfg.Issuer); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("%s:%d: issuer: %w\nfix the issuer in %s, or pass --issuer", o.ConfigFile, config.KeyLine(o.ConfigFile, "issuer"), err, o.ConfigFile)}
		}
		o.Issuer = cfg.Issuer
	}
	data, err := scaffold.Params{
		Template: tmpl.Name, Name: o.Name, Path: o.Path, Port: o.Port, ClientID: o.ClientID,
		Issuer: o.Issuer, ProxyURL: scaffold.ProxyURLFrom(cfg), Apps: scaffold.AppLinks(cfg),
	}.Data()
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}

	if tmpl.OriginIssuer && data.Issuer != data.IssuerOrigin+"/" {
		fmt.Fprintf(o.IO.ErrOut, "warning: template %s needs the issuer to be the provider's origin plus \"/\" (%s/), not %s: its SDK derives the expected iss from the origin\n",
			tmpl.Name, data.IssuerOrigin, data.Issuer)
	}
	files, err := scaffold.Render(o.Templates, tmpl.Name, data)
	if err != nil {
		return err
	}
	if tmpl.Federation == scaffold.FederationHost {
		files = scaffold.KeepRemotes(o.Dir, files) // an existing host keeps its remotes
	}
	changes, err := scaffold.Plan(o.Dir, files, o.Force)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	var reg *scaffold.ConfigChange
	if !o.NoRegister {
		cwd, err := relDir(o.ConfigFile, o.Dir)
		if err != nil {
			return err
		}
		reg, err = scaffold.PlanRegister(o.ConfigFile, scaffold.NewRegistration(tmpl, data, cwd, o.ClientSecret), data.Issuer)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		if tmpl.Federation == scaffold.FederationRemote {
			hostFile, err := scaffold.FindHost(o.ConfigFile, cfg, o.Host)
			if err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if o.hostChange, err = scaffold.PlanRemote(hostFile, scaffold.NewRemote(data)); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
		}
	}

	if o.DryRun {
		return dryRun(o, changes, reg)
	}
	if _, err := scaffold.Write(o.Dir, files, o.Force); err != nil {
		return err
	}
	if reg != nil {
		if err := reg.Apply(); err != nil {
			return fmt.Errorf("the app was written to %s, but %s could not be updated: %w", o.Dir, o.ConfigFile, err)
		}
	}
	if o.hostChange != nil {
		if err := o.hostChange.Apply(); err != nil {
			return fmt.Errorf("the app was written to %s and registered, but the host's %s could not be updated: %w", o.Dir, o.hostChange.Path, err)
		}
	}
	report(o, tmpl, data, changes, reg)
	if o.Install {
		return install(ctx, o, tmpl)
	}
	return nil
}

func listTemplates(w io.Writer, templates []scaffold.Template) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range templates {
		fmt.Fprintf(tw, "%s\t%s\n", t.Name, t.Description)
	}
	return tw.Flush()
}

func templateNames(templates []scaffold.Template) string {
	names := make([]string, len(templates))
	for i, t := range templates {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// relDir is dir relative to the config file's directory, as cwd: wants it.
func relDir(configFile, dir string) (string, error) {
	absCfg, err := filepath.Abs(filepath.Dir(configFile))
	if err != nil {
		return "", err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absCfg, absDir)
	if err != nil {
		return absDir, nil // another volume: keep it absolute
	}
	rel = filepath.ToSlash(rel)
	if rel == "." || !strings.HasPrefix(rel, "../") {
		rel = "./" + strings.TrimPrefix(rel, "./")
	}
	return strings.TrimSuffix(rel, "/."), nil
}

func dryRun(o *Options, changes []scaffold.Change, reg *scaffold.ConfigChange) error {
	out := o.IO.Out
	fmt.Fprintf(out, "Would write %s to %s:\n", plural.Count(len(changes), "file"), o.Dir)
	for _, c := range changes {
		fmt.Fprintf(out, "  %-9s %s\n", c.Action, filepath.ToSlash(filepath.Join(o.Dir, c.Path)))
	}
	switch {
	case reg == nil:
		fmt.Fprintf(out, "\n%s: not touched (--no-register)\n", o.ConfigFile)
	case !reg.Changed():
		fmt.Fprintf(out, "\n%s: already registered, unchanged\n", o.ConfigFile)
	default:
		fmt.Fprintf(out, "\n%s", reg.Diff())
	}
	if h := o.hostChange; h != nil {
		if h.Changed() {
			fmt.Fprintf(out, "\n%s", h.Diff())
		} else {
			fmt.Fprintf(out, "\n%s: already lists this remote, unchanged\n", h.Path)
		}
	}
	fmt.Fprintln(o.IO.ErrOut, "dry run: nothing was written")
	return nil
}

func report(o *Options, t scaffold.Template, d scaffold.Data, changes []scaffold.Change, reg *scaffold.ConfigChange) {
	out := o.IO.Out
	counts := map[scaffold.Action]int{}
	for _, c := range changes {
		counts[c.Action]++
	}
	fmt.Fprintln(out, filesSummary(o.Dir, t.Name, counts))
	switch {
	case reg == nil:
		fmt.Fprintf(out, "Not registered (--no-register): add client %s and route %s to %s yourself.\n", d.ClientID, d.Path, o.ConfigFile)
	case !reg.Changed():
		fmt.Fprintf(out, "%s already registers app %s; unchanged.\n", o.ConfigFile, d.Name)
	default:
		verb := "Updated"
		if reg.Old == nil {
			verb = "Created"
		}
		var what []string
		if reg.AddedClient {
			what = append(what, "client "+d.ClientID)
		}
		if reg.AddedApp {
			what = append(what, fmt.Sprintf("route %s → http://localhost:%d", d.Path, d.Port))
		}
		fmt.Fprintf(out, "%s %s: %s.\n", verb, o.ConfigFile, strings.Join(what, ", "))
	}
	if h := o.hostChange; h != nil {
		if h.Changed() {
			fmt.Fprintf(out, "Added remote %s to the host's %s (the host's dev server restarts to load it).\n", scaffold.FederationName(d.Name), h.Path)
		} else {
			fmt.Fprintf(out, "%s already lists remote %s; unchanged.\n", h.Path, scaffold.FederationName(d.Name))
		}
	}
	fmt.Fprintf(out, "\nNext steps:\n  cd %s\n", o.Dir)
	if t.Install != "" && !o.Install {
		fmt.Fprintf(out, "  %s\n", t.Install)
	}
	fmt.Fprintf(out, "  %s\n  open %s\n", upCommand(o.Dir, o.ConfigFile), d.AppURL)
	cfgFlag := ""
	if o.ConfigFile != config.DefaultFile {
		cfgFlag = " --config " + o.ConfigFile
	}
	if o.prompted {
		// The same choices as one command, for scripts and CI (create-vite does this too).
		fmt.Fprintf(o.IO.ErrOut, "\nWithout prompts: ssokit new %s %s --path %s --port %d%s\n", t.Name, o.Dir, d.Path, d.Port, cfgFlag)
	}
}

func install(ctx context.Context, o *Options, t scaffold.Template) error {
	if t.Install == "" {
		fmt.Fprintf(o.IO.ErrOut, "template %s has nothing to install\n", t.Name)
		return nil
	}
	var log strings.Builder
	stop := spinner(o.IO, fmt.Sprintf("%s in %s", t.Install, o.Dir))
	start := time.Now()
	err := o.RunInstall(ctx, o.Dir, t.Install, &log)
	stop()
	if err != nil {
		fmt.Fprint(o.IO.ErrOut, log.String())
		return fmt.Errorf("%s in %s failed: %w", t.Install, o.Dir, err)
	}
	fmt.Fprintf(o.IO.ErrOut, "✓ %s in %s (%s)\n", t.Install, o.Dir, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// spinner shows progress on stderr: animated on a terminal, one line otherwise.
func spinner(io *iostreams.IOStreams, what string) (stop func()) {
	if !io.IsStderrTTY() {
		fmt.Fprintf(io.ErrOut, "running %s…\n", what)
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		start := time.Now()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(io.ErrOut, "\r%s %s (%ds)", frames[i%len(frames)], what, int(time.Since(start).Seconds()))
			select {
			case <-done:
				fmt.Fprint(io.ErrOut, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// npmInstall runs command (e.g. "npm install") in dir.
func npmInstall(ctx context.Context, dir, command string, log io.Writer) error {
	args := strings.Fields(command)
	if len(args) == 0 {
		return errors.New("empty install command")
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.Env = append(os.Environ(), "npm_config_fund=false", "npm_config_audit=false")
	return cmd.Run()
}

// filesSummary says what writing the app did, without "0 files" or "1 files".
func filesSummary(dir, tmpl string, counts map[scaffold.Action]int) string {
	created, overwritten, unchanged := counts[scaffold.Create], counts[scaffold.Overwrite], counts[scaffold.Unchanged]
	var parts []string
	if created > 0 {
		parts = append(parts, plural.Count(created, "file")+" created")
	}
	if overwritten > 0 {
		parts = append(parts, plural.Count(overwritten, "file")+" overwritten")
	}
	switch {
	case created == 0 && overwritten == 0:
		return fmt.Sprintf("%s already matches template %s: %s unchanged.", dir, tmpl, plural.Count(unchanged, "file"))
	case unchanged > 0:
		parts = append(parts, fmt.Sprintf("%d unchanged", unchanged))
	}
	verb := "Created"
	if created == 0 {
		verb = "Updated"
	}
	return fmt.Sprintf("%s %s from template %s: %s.", verb, dir, tmpl, strings.Join(parts, ", "))
}

// upCommand is the `ssokit up` to run from inside dir so that it uses
// configFile: plain `ssokit up` when up's search (this directory, then its
// parents; SSOKIT_CONFIG first) finds that file, else with --config and an
// absolute path, which works from anywhere.
func upCommand(dir, configFile string) string {
	absCfg, err1 := filepath.Abs(configFile)
	absDir, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return "ssokit up --config " + configFile
	}
	if os.Getenv("SSOKIT_CONFIG") == "" && filepath.Base(absCfg) == config.DefaultFile {
		for d := absDir; ; d = filepath.Dir(d) {
			p := filepath.Join(d, config.DefaultFile)
			if _, err := os.Stat(p); err == nil {
				if p == absCfg {
					rel, err := filepath.Rel(absDir, absCfg)
					if err != nil {
						rel = absCfg
					}
					return "ssokit up   # uses " + rel
				}
				break // a nearer ssokit.yaml would win
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "ssokit up --config " + absCfg
}

func (o *Options) portInUse() func(int) bool {
	if o.PortInUse != nil {
		return o.PortInUse
	}
	return scaffold.PortInUse
}

// runTool writes a tool template (kind tool): no route, port, client or
// registration; DIR defaults to the template's default_dir. It reads
// ssokit.yaml for the issuer, the proxy's origin and the apps it lists.
func runTool(ctx context.Context, o *Options, tmpl scaffold.Template) error {
	for _, fl := range []string{"path", "port", "client-id"} {
		if o.flagsSet[fl] {
			return cmdutil.FlagErrorf("--%s: template %s is a tool, not an app: it has no route, port or client (it is written to DIR, default ./%s)", fl, tmpl.Name, tmpl.DefaultDir)
		}
	}
	o.Path, o.Port, o.ClientID = "", 0, "" // answers a prompt may have given
	if o.Dir == "" {
		o.Dir = filepath.FromSlash(tmpl.DefaultDir)
	}
	if o.Name == "" {
		o.Name = filepath.Base(filepath.Clean(o.Dir))
		if abs, err := filepath.Abs(o.Dir); err == nil {
			o.Name = filepath.Base(abs)
		}
	}
	if err := scaffold.ValidateName(o.Name); err != nil {
		if !o.flagsSet["name"] {
			err = fmt.Errorf("%w; DIR's last element is the default name: pass --name", err)
		}
		return &cmdutil.FlagError{Err: err}
	}
	cfg, err := scaffold.ReadConfig(o.ConfigFile)
	if err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("%w\nfix it, or point --config at another ssokit.yaml", err)}
	}
	if o.Issuer == "" && cfg != nil && cfg.Issuer != "" {
		if err := config.ValidateIssuer(cfg.Issuer); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("%s:%d: issuer: %w\nfix the issuer in %s, or pass --issuer", o.ConfigFile, config.KeyLine(o.ConfigFile, "issuer"), err, o.ConfigFile)}
		}
		o.Issuer = cfg.Issuer
	}
	data, err := scaffold.Params{
		Template: tmpl.Name, Name: o.Name, Tool: true,
		Issuer: o.Issuer, ProxyURL: scaffold.ProxyURLFrom(cfg), Apps: scaffold.AppLinks(cfg),
	}.Data()
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	files, err := scaffold.Render(o.Templates, tmpl.Name, data)
	if err != nil {
		return err
	}
	changes, err := scaffold.Plan(o.Dir, files, o.Force)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if o.DryRun {
		out := o.IO.Out
		fmt.Fprintf(out, "Would write %s to %s:\n", plural.Count(len(changes), "file"), o.Dir)
		for _, c := range changes {
			fmt.Fprintf(out, "  %-9s %s\n", c.Action, filepath.ToSlash(filepath.Join(o.Dir, c.Path)))
		}
		fmt.Fprintf(out, "\n%s: not touched (template %s is a tool, not an app)\n", o.ConfigFile, tmpl.Name)
		fmt.Fprintln(o.IO.ErrOut, "dry run: nothing was written")
		return nil
	}
	if _, err := scaffold.Write(o.Dir, files, o.Force); err != nil {
		return err
	}
	counts := map[scaffold.Action]int{}
	for _, c := range changes {
		counts[c.Action]++
	}
	out := o.IO.Out
	fmt.Fprintln(out, filesSummary(o.Dir, tmpl.Name, counts))
	fmt.Fprintf(out, "%s: not touched (a tool registers nothing).\n", o.ConfigFile)
	if len(data.Apps) < 2 {
		fmt.Fprintf(out, "The example spec signs in at one app and checks a second: %s lists %s; add apps with `ssokit new`, or set APP_A and APP_B.\n", o.ConfigFile, plural.Count(len(data.Apps), "app"))
	}
	fmt.Fprintf(out, "\nNext steps, with `ssokit up` running:\n  cd %s\n", o.Dir)
	if tmpl.Install != "" && !o.Install {
		fmt.Fprintf(out, "  %s\n", tmpl.Install)
	}
	for _, step := range tmpl.NextSteps {
		fmt.Fprintf(out, "  %s\n", step)
	}
	if o.Install {
		return install(ctx, o, tmpl)
	}
	return nil
}
