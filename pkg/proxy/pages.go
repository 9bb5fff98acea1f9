package proxy

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// statusClientClosed is logged, as nginx does, when the client went away
// before the upstream answered; nothing is written back.
const statusClientClosed = 499

// badGateway answers a request the upstream could not: a friendly page
// naming the route, the upstream, what went wrong and the likely fix.
func (p *Proxy) badGateway(w http.ResponseWriter, r *http.Request, rt *route, err error) {
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		if lw, ok := w.(*logWriter); ok {
			lw.status = statusClientClosed
		}
		return
	}
	if body, ok := r.Context().Value(bodyKey{}).(*bodyReader); ok && body.err != nil {
		errorPage{
			Status: http.StatusBadRequest,
			Error:  "bad_request",
			Title:  "The request body could not be read",
			Route:  rt.Name,
			Prefix: rt.Prefix,
			Detail: body.err.Error(),
			Hint:   "The client sent a malformed or truncated body; nothing is wrong with the upstream.",
		}.write(w, r)
		return
	}
	p.logger.Warn("upstream unavailable", "route", rt.Name, "upstream", rt.Upstream, "path", r.URL.Path, "err", err)
	page := errorPage{
		Status:   http.StatusBadGateway,
		Error:    "bad_gateway",
		Title:    "The upstream for this route is not answering",
		Route:    rt.Name,
		Prefix:   rt.Prefix,
		Upstream: rt.Upstream,
		Detail:   err.Error(),
		Hint:     upstreamHint(rt, err),
	}
	page.write(w, r)
}

// upstreamHint turns a transport error into the most likely fix.
func upstreamHint(rt *route, err error) string {
	host := rt.upstream.Host
	port := rt.upstream.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[rt.upstream.Scheme]
	}
	fixFlag := fmt.Sprintf("--route %s=%s://%s:PORT or upstream: in ssokit.yaml", rt.Prefix, rt.upstream.Scheme, rt.upstream.Hostname())
	var dnsErr *net.DNSError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("Nothing is listening on %s. Start the dev server of app %q (it should listen on port %s), or point the route at the port it really uses (%s).", host, rt.Name, port, fixFlag)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("The host name %q does not resolve. Use localhost or 127.0.0.1 for a dev server on this machine.", rt.upstream.Hostname())
	case errors.As(err, &recordErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("The upstream speaks plain HTTP but the route says https. Use http://%s.", host)
	case strings.Contains(err.Error(), "malformed HTTP response"):
		return fmt.Sprintf("Something answers on %s but not with HTTP/1.1: is it an HTTPS server (use https://) or another program on port %s?", host, port)
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("%s did not answer in time. The dev server may be starting, hung on a breakpoint, or behind a firewall; check its output.", host)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("The upstream closed the connection without answering; it may have crashed. Check the output of app %q.", rt.Name)
	default:
		return fmt.Sprintf("Check that app %q is running and answers at %s.", rt.Name, rt.Upstream)
	}
}

// loop answers a request that came back to the proxy that sent it.
func (p *Proxy) loop(w http.ResponseWriter, r *http.Request, rt *route) {
	errorPage{
		Status:   http.StatusLoopDetected,
		Error:    "loop_detected",
		Title:    "This route forwards to the proxy itself",
		Route:    rt.Name,
		Prefix:   rt.Prefix,
		Upstream: rt.Upstream,
		Detail:   "the request already passed through this proxy (Via: " + p.via + ")",
		Hint:     fmt.Sprintf("Point route %q at the app's own dev server port, not at the proxy's.", rt.Name),
	}.write(w, r)
}

// notFound answers a path no route claims, listing the routes that exist.
func (p *Proxy) notFound(w http.ResponseWriter, r *http.Request, t *table) {
	page := errorPage{
		Status: http.StatusNotFound,
		Error:  "not_found",
		Title:  "No route for this path",
		Detail: fmt.Sprintf("no route matches %s", r.URL.Path),
		Hint:   "Add a route for it (--route /path=http://localhost:PORT, or apps: in ssokit.yaml), or use one of the routes below.",
	}
	if len(t.routes) == 0 {
		page.Hint = "The proxy has no routes yet. Add one with --route /path=http://localhost:PORT, or apps: in ssokit.yaml."
	}
	// List shortest prefix first, the order people read a site map in.
	for i := len(t.routes) - 1; i >= 0; i-- {
		rt := t.routes[i]
		page.Routes = append(page.Routes, routeInfo{Name: rt.Name, Prefix: rt.Prefix, Upstream: rt.Upstream, Auth: rt.Auth != nil})
	}
	page.write(w, r)
}

// errorPage is the body of a 404 or 502 answer, as HTML or JSON.
type errorPage struct {
	Status   int         `json:"status"`
	Error    string      `json:"error"`
	Title    string      `json:"title"`
	Route    string      `json:"route,omitempty"`
	Prefix   string      `json:"prefix,omitempty"`
	Upstream string      `json:"upstream,omitempty"`
	Detail   string      `json:"detail"`
	Hint     string      `json:"hint"`
	Routes   []routeInfo `json:"routes,omitempty"`
}

type routeInfo struct {
	Name     string `json:"name"`
	Prefix   string `json:"prefix"`
	Upstream string `json:"upstream"`
	Auth     bool   `json:"auth,omitempty"`
}

func (e errorPage) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if wantsJSON(r) {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(e.Status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(e)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		_ = pageTemplate.Execute(w, e)
	}
}

// wantsJSON reports whether the client prefers JSON to HTML: fetch() calls
// and API clients that ask for application/json and not for text/html.
func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{"statusText": http.StatusText}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Status}} · {{.Title}} · ssokit proxy</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem;margin:0 0 .25rem}
.status{color:#cf222e;font-weight:600}
.hint{background:#fff8c5;border:1px solid #d4a72c66;border-radius:6px;padding:.75rem 1rem}
code,pre{font:14px ui-monospace,monospace}
pre{background:#f6f8fa;padding:.75rem 1rem;border-radius:6px;white-space:pre-wrap}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #d0d7de}
footer{margin-top:2rem;color:#59636e;font-size:.85rem}
</style>
</head>
<body>
<p class="status">{{.Status}} {{statusText .Status}}</p>
<h1>{{.Title}}</h1>
{{- if .Route}}
<p>Route <strong>{{.Route}}</strong> (<code>{{.Prefix}}</code>) forwards to <code>{{.Upstream}}</code>.</p>
{{- end}}
<p class="hint">{{.Hint}}</p>
<pre>{{.Detail}}</pre>
{{- if .Routes}}
<h2>Routes</h2>
<table>
<tr><th>app</th><th>path</th><th>upstream</th><th>auth</th></tr>
{{- range .Routes}}
<tr><td>{{.Name}}</td><td><a href="{{.Prefix}}">{{.Prefix}}</a></td><td><code>{{.Upstream}}</code></td><td>{{if .Auth}}required{{end}}</td></tr>
{{- end}}
</table>
{{- end}}
<footer>ssokit proxy</footer>
</body>
</html>
`))
