package stack

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path"

	"github.com/ssokit/ssokit/pkg/config"
)

// demoApps are the built-in demo's micro-frontends: a shell at / and an
// account app at /account, each a page using silent auth.
var demoApps = []struct{ name, path string }{{"shell", "/"}, {"account", "/account"}}

// startDemoServers serves each demo app from the embedded files on its own
// loopback port and fills s.cfg with the clients and routes they need.
func (s *Stack) startDemoServers() error {
	if s.opts.Demo == nil {
		return fmt.Errorf("no config and no built-in demo files")
	}
	for _, d := range demoApps {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("demo app %s: %w", d.name, err)
		}
		base := s.proxyURL + path.Join(d.path, "/")
		if base[len(base)-1] != '/' {
			base += "/"
		}
		s.cfg.Clients = append(s.cfg.Clients, config.Client{
			ClientID: d.name, RedirectURIs: []string{base}, PostLogoutRedirectURIs: []string{base},
			WebOrigins: []string{s.proxyURL},
		})
		s.cfg.Apps = append(s.cfg.Apps, config.App{Name: d.name, Path: d.path, Upstream: "http://" + ln.Addr().String(), StripPrefix: d.path != "/"})
		// plain HTTP: the proxy reaches the demo apps at http:// upstreams
		s.serve(ln, demoHandler(s.opts.Demo, d.name, map[string]string{
			"issuer": s.issuer, "clientId": d.name, "redirectUri": base, "postLogout": base,
		}), nil)
	}
	return nil
}

// demoHandler serves one demo app: its index.html, the shared files and a
// generated config.js.
func demoHandler(demo fs.FS, name string, cfg map[string]string) http.Handler {
	appFS, _ := fs.Sub(demo, name)
	sharedFS, _ := fs.Sub(demo, "shared")
	app, shared := http.FileServerFS(appFS), http.FileServerFS(sharedFS)
	js, _ := json.Marshal(cfg)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		switch p := r.URL.Path; {
		case p == "/config.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			fmt.Fprintf(w, "window.SSOKIT_DEMO = %s;\n", js)
		case p == "/auth.js" || p == "/page.js" || p == "/style.css":
			shared.ServeHTTP(w, r)
		default:
			app.ServeHTTP(w, r)
		}
	})
}
