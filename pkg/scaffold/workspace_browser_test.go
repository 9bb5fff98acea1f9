package scaffold

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokit/ssokit/pkg/config"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
	"github.com/ssokit/ssokit/pkg/stack"
)

// The template builds are the heavy part of this package's tests (about a
// minute for vanilla and react on a 2-core machine), so TestTemplatesBuild
// and TestScaffoldedAppsInChromium share them. Once per test binary, every
// template is scaffolded into one workspace the way a developer would do it
// with `ssokit new` (render, write, register in the workspace's ssokit.yaml,
// each app on its own port); each is then built at most once, by whichever
// test asks first.
//
// The ports are reserved (listeners held open) before anything is rendered,
// because the builds bake the issuer in (VITE_SSOKIT_ISSUER) and the
// registrations name every origin exactly: the provider, the proxy and the
// apps' static servers later take over exactly these ports.

// workspace is the shared scaffold of every template.
type workspace struct {
	dir    string // ssokit.yaml and one directory per app
	config string // dir/ssokit.yaml
	issuer string

	mu                  sync.Mutex
	providerLn, proxyLn net.Listener // reserved until the stack binds them
	apps                map[string]*wsApp
}

// wsApp is one scaffolded template.
type wsApp struct {
	tmpl  Template
	data  Data
	dir   string
	files []File
	ln    net.Listener // the app's (dev-server) port, reserved for serveDist
	port  int

	buildOnce sync.Once
	buildErr  error
	buildLog  []string

	serveOnce sync.Once
}

var (
	wsOnce sync.Once
	wsVal  *workspace
	wsErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if wsVal != nil {
		wsVal.close()
	}
	os.Exit(code)
}

// sharedWorkspace returns the workspace, scaffolding it on first use.
func sharedWorkspace(t testing.TB) *workspace {
	t.Helper()
	wsOnce.Do(func() { wsVal, wsErr = newWorkspace() })
	if wsErr != nil {
		t.Fatalf("scaffold the workspace: %v", wsErr)
	}
	return wsVal
}

func reserve() (net.Listener, int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	return ln, ln.Addr().(*net.TCPAddr).Port, nil
}

func newWorkspace() (_ *workspace, err error) {
	dir, err := os.MkdirTemp("", "ssokit-scaffold-")
	if err != nil {
		return nil, err
	}
	w := &workspace{dir: dir, config: filepath.Join(dir, "ssokit.yaml"), apps: map[string]*wsApp{}}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	var providerPort, proxyPort int
	if w.providerLn, providerPort, err = reserve(); err != nil {
		return nil, err
	}
	if w.proxyLn, proxyPort, err = reserve(); err != nil {
		return nil, err
	}
	w.issuer = fmt.Sprintf("http://localhost:%d/", providerPort)
	// What a developer writes before the first `ssokit new` to move the
	// stack off its default ports; ssokit new reads issuer and proxy.addr.
	initial := fmt.Sprintf(`# The scaffold end-to-end test's stack (ports picked at run time).
issuer: %s
provider:
  addr: 127.0.0.1:%d
proxy:
  addr: 127.0.0.1:%d

# Test users: any password signs in.
users:
  - username: alice
    claims: {name: Alice Doe, email: alice@example.com, email_verified: true}
`, w.issuer, providerPort, proxyPort)
	if err := os.WriteFile(w.config, []byte(initial), 0o644); err != nil {
		return nil, err
	}
	tmpls, err := List(templatesFS())
	if err != nil {
		return nil, err
	}
	// Apps first, then tools (ssokit new playwright), which list the apps
	// registered by then.
	for _, apps := range []bool{true, false} {
		for _, tm := range tmpls {
			if tm.IsApp() != apps {
				continue
			}
			a := &wsApp{tmpl: tm, dir: filepath.Join(dir, tm.Name)}
			if tm.IsApp() {
				if a.ln, a.port, err = reserve(); err != nil {
					return nil, err
				}
			}
			w.apps[tm.Name] = a
			if err := w.scaffold(a); err != nil {
				return nil, fmt.Errorf("ssokit new %s: %w", tm.Name, err)
			}
		}
	}
	return w, nil
}

// scaffold does what `ssokit new TEMPLATE DIR --port P` does (pkg/cmd/new):
// defaults from ssokit.yaml, render, write, register.
func (w *workspace) scaffold(a *wsApp) error {
	cfg, err := ReadConfig(w.config)
	if err != nil {
		return err
	}
	a.data, err = Params{
		Template: a.tmpl.Name, Name: a.tmpl.Name, Port: a.port, Tool: !a.tmpl.IsApp(),
		Issuer: cfg.Issuer, ProxyURL: ProxyURLFrom(cfg), Apps: AppLinks(cfg),
	}.Data()
	if err != nil {
		return err
	}
	if a.files, err = Render(templatesFS(), a.tmpl.Name, a.data); err != nil {
		return err
	}
	if _, err := Write(a.dir, a.files, false); err != nil {
		return err
	}
	if !a.tmpl.IsApp() {
		return nil // a tool registers nothing
	}
	ch, err := PlanRegister(w.config, NewRegistration(a.tmpl, a.data, "./"+a.tmpl.Name, "e2e-secret"), a.data.Issuer)
	if err != nil {
		return err
	}
	if err := ch.Apply(); err != nil {
		return err
	}
	if a.tmpl.Federation == FederationRemote {
		// and into the host's remotes.json (mf-host is scaffolded first: order)
		host, err := FindHost(w.config, cfg, "")
		if err != nil {
			return err
		}
		ch, err := PlanRemote(host, NewRemote(a.data))
		if err != nil {
			return err
		}
		return ch.Apply()
	}
	return nil
}

func (w *workspace) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ln := range []net.Listener{w.providerLn, w.proxyLn} {
		if ln != nil {
			ln.Close()
		}
	}
	for _, a := range w.apps {
		if a.ln != nil {
			a.ln.Close() // closed already when serveDist's server owns it
		}
	}
	os.RemoveAll(w.dir)
}

// release closes a reserved listener and returns its address, for a server
// that binds the address itself (stack.Start) right away.
func (w *workspace) release(ln *net.Listener) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if *ln == nil {
		panic("release of an unreserved port")
	}
	addr := (*ln).Addr().String()
	(*ln).Close()
	return addr
}

// built returns the app of template name, built (npm install && npm run
// build, or go vet/test/build for the bff) on first use.
func (w *workspace) built(t testing.TB, name string) *wsApp {
	t.Helper()
	a, ok := w.apps[name]
	if !ok {
		t.Fatalf("no template %s in the workspace", name)
	}
	cache := ""
	if a.tmpl.Kind != KindBFF {
		cache = npmCache(t) // fails in CI without node and npm
	}
	first := false
	a.buildOnce.Do(func() {
		first = true
		a.buildErr = a.build(cache)
	})
	for _, l := range a.buildLog {
		if first {
			t.Log(l)
		} else {
			t.Log("(built earlier) " + l)
		}
	}
	if a.buildErr != nil {
		t.Fatalf("build %s: %v", name, a.buildErr)
	}
	return a
}

func (a *wsApp) build(npmCache string) error {
	if a.tmpl.Kind == KindBFF {
		env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		for _, args := range [][]string{{"vet", "./..."}, {"test", "./..."}, {"build", "-o", filepath.Join(a.dir, "app"), "."}} {
			if err := a.run(env, 5*time.Minute, "go", args...); err != nil {
				return err
			}
		}
		return nil
	}
	env := append(os.Environ(), "npm_config_cache="+npmCache, "npm_config_update_notifier=false", "npm_config_omit_lockfile_registry_resolved=true")
	// Install exactly what package-lock.json pins; --prefer-offline serves
	// repeat runs from the shared cache (.ci/setup.d/40-templates.sh).
	// No browser is ever downloaded (@playwright/test does not on install;
	// the variable makes sure).
	env = append(env, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	if err := a.run(env, 8*time.Minute, "npm", "install", "--no-audit", "--no-fund", "--prefer-offline"); err != nil {
		return err
	}
	if !a.tmpl.IsApp() {
		return nil // a tool: nothing to build (TestPlaywrightTemplate runs it)
	}
	return a.run(env, 5*time.Minute, "npm", "run", "build")
}

func (a *wsApp) run(env []string, timeout time.Duration, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = a.dir
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	line := fmt.Sprintf("%s: %s %s: %s", a.tmpl.Name, name, strings.Join(args, " "), time.Since(start).Round(100*time.Millisecond))
	a.buildLog = append(a.buildLog, line)
	if err != nil {
		return fmt.Errorf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), a.dir, err, out)
	}
	return nil
}

// serveDist serves the app's dist/ on its reserved port, as `vite preview`
// would, for the rest of the test binary. It returns the app's own origin.
func (a *wsApp) serveDist(t testing.TB) string {
	t.Helper()
	a.serveOnce.Do(func() {
		srv := &http.Server{Handler: distHandler(filepath.Join(a.dir, "dist"), a.data.Base), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				fmt.Fprintf(os.Stderr, "static server of %s: %v\n", a.tmpl.Name, err)
			}
		}()
	})
	return fmt.Sprintf("http://localhost:%d", a.port)
}

// distHandler serves a Vite build the way `vite preview` does: the files of
// dist under the base path (e.g. /vanilla/), and index.html for the other
// paths under it, which are the single-page app's own routes (base +
// "callback"). Vite's base is not stripped by the ssokit proxy, so the same
// handler serves the app behind the proxy and on its own origin.
func distHandler(dist, base string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.URL.Path+"/" == base {
			http.Redirect(w, r, base, http.StatusFound)
			return
		}
		rel, ok := strings.CutPrefix(r.URL.Path, base)
		if !ok {
			http.NotFound(w, r)
			return
		}
		name := filepath.Join(dist, filepath.FromSlash(path.Clean("/"+rel)))
		if info, err := os.Stat(name); err != nil || info.IsDir() {
			if ext := path.Ext(rel); ext != "" && ext != ".html" {
				http.NotFound(w, r) // a missing asset is an error, not a route
				return
			}
			name = filepath.Join(dist, "index.html")
		}
		f, err := os.Open(name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.ServeContent(w, r, info.Name(), info.ModTime(), f)
	})
}

// variant builds the app again with env added to its environment (Vite
// reads VITE_* from it) into a dist of its own, served on its own
// 127.0.0.1 port (another site than the provider's localhost) until the
// test ends; it returns the app's URL, ending in its base path.
func (a *wsApp) variant(t *testing.T, env ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(t.TempDir(), "dist")
	if err := a.run(append(os.Environ(), env...), 2*time.Minute, filepath.Join("node_modules", ".bin", "vite"), "build", "--outDir", dist, "--emptyOutDir"); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: distHandler(dist, a.data.Base), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("static server for %v: %v", env, err)
		}
	}()
	t.Cleanup(func() { srv.Close() })
	return fmt.Sprintf("http://%s%s", ln.Addr(), a.data.Base)
}

// needTemplates skips the test outside CI unless SSOKIT_TEST_TEMPLATES is
// set: it needs what (template builds with npm). With CI=true it always runs.
func needTemplates(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") != "true" && os.Getenv("SSOKIT_TEST_TEMPLATES") == "" {
		t.Skip("needs " + what + "; set SSOKIT_TEST_TEMPLATES=1 to run it, CI=true always does")
	}
}

// startStack runs what `ssokit up` runs for cfg (provider and proxy) on
// the workspace's reserved ports, without app processes (the tests serve
// each app's dist/), until the test ends. The apps were built for
// w.issuer, so the stack must have that issuer.
func (w *workspace) startStack(t *testing.T, cfg *config.Config, logger *slog.Logger) *stack.Stack {
	t.Helper()
	st, err := stack.Start(context.Background(), stack.Options{
		Config: cfg, ProviderAddr: w.release(&w.providerLn), ProxyAddr: w.release(&w.proxyLn),
		NoApps: true, Keys: testutil.Keys(), Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if st.Issuer() != w.issuer {
		t.Fatalf("stack issuer %s, but the apps were built for %s", st.Issuer(), w.issuer)
	}
	return st
}
