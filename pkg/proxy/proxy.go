package proxy

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssokit/ssokit/pkg/netutil"
)

// Options configures a Proxy.
type Options struct {
	// Routes is the initial routing table; see Route.
	Routes []Route
	// Logger receives diagnostics: upstream errors, auth gate failures.
	// Nil discards them.
	Logger *slog.Logger
	// AccessLog receives one line per request (time, route, method, path,
	// status, bytes, latency). Nil disables the access log.
	AccessLog io.Writer
	// Color paints access-log lines with ANSI colours, one per route.
	Color bool
	// Now is the clock for access-log times and latencies and for token
	// expiry; nil means time.Now.
	Now func() time.Time
	// Transport carries requests to upstreams and to the auth gate's
	// provider. Nil: a transport tuned for a dev proxy on loopback (no
	// environment proxy, many idle connections per upstream, compression
	// passed through untouched).
	Transport http.RoundTripper
	// AllowedHosts are Host names answered besides loopback names and IP
	// addresses (netutil.NewHostPolicy: a name, a ".domain", or "*"). Any
	// other Host is refused with 403: a DNS rebinding page would otherwise
	// read every app (and a mounted provider) through the proxy.
	AllowedHosts []string
}

// Proxy is the path-routing reverse proxy, an http.Handler. It is safe for
// concurrent use; SetRoutes may be called while it serves.
type Proxy struct {
	logger    *slog.Logger
	accessLog io.Writer
	logMu     sync.Mutex
	color     bool
	now       func() time.Time
	transport http.RoundTripper
	via       string // this proxy's Via entry, unique per Proxy, to detect loops
	hosts     *netutil.HostPolicy

	table atomic.Pointer[table]

	gateMu sync.Mutex
	gates  map[string]*gate // by gateKey, kept across SetRoutes
}

// table is one immutable routing table; SetRoutes swaps in a new one.
type table struct {
	routes []*route // longest prefix first
}

// route is a validated Route with its reverse proxy.
type route struct {
	Route
	upstream *url.URL
	rp       *httputil.ReverseProxy
	gate     *gate
	apis     []*route // an SPA gate's APIs, each forwarding with the session's token
}

// New validates opts.Routes and returns the proxy. Route errors wrap
// ErrInvalidRoutes and name every offending route.
func New(opts Options) (*Proxy, error) {
	p := &Proxy{
		logger:    opts.Logger,
		accessLog: opts.AccessLog,
		color:     opts.Color,
		now:       opts.Now,
		transport: opts.Transport,
		gates:     map[string]*gate{},
		via:       "1.1 ssokit-" + randomString()[:8],
		hosts:     netutil.NewHostPolicy(opts.AllowedHosts...),
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.transport == nil {
		p.transport = NewTransport()
	}
	if err := p.SetRoutes(opts.Routes); err != nil {
		return nil, err
	}
	return p, nil
}

// NewTransport returns the transport New uses by default: no proxy from the
// environment (upstreams are local), a short dial timeout so a dead
// upstream answers 502 quickly, enough idle connections per upstream for a
// page that loads a hundred modules at once, and no transparent gzip, so
// the client's Accept-Encoding and the upstream's Content-Encoding pass
// through untouched.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// SetRoutes validates routes and, if they are all valid, replaces the
// routing table atomically; requests in flight finish on the old table. On
// error the current table stays in force. Auth gates whose settings did not
// change keep their sessions, so signed-in users stay signed in.
func (p *Proxy) SetRoutes(routes []Route) error {
	norm, err := normalize(routes)
	if err != nil {
		return err
	}
	t := &table{}
	p.gateMu.Lock()
	keep := map[string]*gate{}
	for _, r := range norm {
		rt := &route{Route: r}
		rt.upstream, _ = url.Parse(r.Upstream) // validated
		if rt.upstream == nil {
			rt.upstream = &url.URL{}
		}
		if r.Auth != nil {
			key := gateKey(r)
			g := p.gates[key]
			if g == nil {
				g = newGate(r, p.transport, p.now, p.logger)
			}
			keep[key] = g
			rt.gate = g
			for _, api := range r.Auth.APIs {
				sub := &route{Route: Route{Name: r.Name, Prefix: join(r.Prefix, strings.TrimSuffix(api.Path, "/")), Upstream: api.Upstream, StripPrefix: true}, gate: g}
				sub.upstream, _ = url.Parse(api.Upstream) // validated
				sub.rp = p.reverseProxy(sub)
				rt.apis = append(rt.apis, sub)
			}
		}
		rt.rp = p.reverseProxy(rt)
		t.routes = append(t.routes, rt)
	}
	p.gates = keep
	p.table.Store(t) // under gateMu, so concurrent reloads store in order
	p.gateMu.Unlock()
	return nil
}

// CloseIdleConnections closes the idle keep-alive connections to upstreams
// and providers, for a clean shutdown.
func (p *Proxy) CloseIdleConnections() {
	if t, ok := p.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

// Routes returns the routes in force, longest prefix first, with defaults
// filled in.
func (p *Proxy) Routes() []Route {
	t := p.table.Load()
	out := make([]Route, len(t.routes))
	for i, rt := range t.routes {
		out[i] = rt.Route.clone()
	}
	return out
}

// clone copies r deeply enough that changing the copy's headers or auth
// settings cannot reach a table in use.
func (r Route) clone() Route {
	if r.Headers != nil {
		h := make(map[string]string, len(r.Headers))
		for k, v := range r.Headers {
			h[k] = v
		}
		r.Headers = h
	}
	if r.Auth != nil {
		a := *r.Auth
		a.Scopes = append([]string(nil), a.Scopes...)
		a.APIs = append([]API(nil), a.APIs...)
		r.Auth = &a
	}
	return r
}

// match returns the route with the longest prefix that p lies under.
func (t *table) match(p string) *route {
	for _, rt := range t.routes {
		if underPrefix(p, rt.Prefix) {
			return rt
		}
	}
	return nil
}

// ServeHTTP routes r by the longest matching prefix.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := p.now()
	lw := &logWriter{ResponseWriter: w}
	t := p.table.Load()
	var rt *route
	defer func() {
		if p.accessLog != nil {
			p.logAccess(start, rt, r, lw)
		}
	}()

	if !p.hosts.Allows(r.Host) {
		p.hosts.Refuse(lw, r, "ssokit proxy")
		return
	}
	// Dot segments and doubled slashes would let a path match one route
	// and mean another once the upstream cleans it (/public/../admin), so
	// the browser is sent to the clean path first, as http.ServeMux does.
	if clean := cleanPath(r.URL.Path); clean != r.URL.Path && r.Method != http.MethodConnect {
		u := *r.URL
		u.Path, u.RawPath = clean, ""
		http.Redirect(lw, r, u.RequestURI(), http.StatusPermanentRedirect)
		return
	}
	// A request framed with Transfer-Encoding may also have carried a
	// Content-Length, which net/http drops (RFC 9112 §6.3: the encoding
	// wins) without a trace. RFC 9112 §6.1 then requires closing the
	// connection after the answer, so bytes that another parser would have
	// framed differently are never read as a second request. Browsers send
	// no chunked request bodies over HTTP/1.1, so this costs nothing.
	if len(r.TransferEncoding) > 0 && r.ProtoMajor == 1 {
		lw.Header().Set("Connection", "close")
	}
	if r.Body != nil && r.Body != http.NoBody {
		br := &bodyReader{ReadCloser: r.Body}
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, br))
		r.Body = br
	}
	rt = t.match(r.URL.Path)
	if r.Method != http.MethodConnect {
		if bad := t.ambiguous(r.URL, rt); bad != nil {
			bad.write(lw, r)
			return
		}
	}
	if rt != nil && len(r.Header["Via"]) > 0 && p.looped(r) {
		p.loop(lw, r, rt)
		return
	}
	if rt == nil {
		p.notFound(lw, r, t)
		return
	}
	if rt.gate != nil {
		rt.gate.serve(lw, r, rt)
		return
	}
	rt.forward(lw, r)
}

// forward hands r to the route's upstream, or to its in-process handler.
func (rt *route) forward(w http.ResponseWriter, r *http.Request) {
	if rt.Handler == nil {
		rt.rp.ServeHTTP(w, r)
		return
	}
	if rt.StripPrefix && rt.Prefix != "/" {
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = stripPrefix(r.URL.Path, rt.Prefix)
		u.RawPath = ""
		if r.URL.RawPath != "" && strings.HasPrefix(r.URL.RawPath, rt.Prefix) {
			u.RawPath = stripPrefix(r.URL.RawPath, rt.Prefix)
		}
		r2.URL = &u
		r = r2
	}
	rt.Handler.ServeHTTP(w, r)
}

// cleanPath is path.Clean that keeps a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// errorLog adapts the reverse proxy's *log.Logger to slog.
func (p *Proxy) errorLog() *log.Logger {
	return slog.NewLogLogger(p.logger.Handler(), slog.LevelWarn)
}

// looped reports whether r already passed through this proxy: a route
// whose upstream is the proxy itself would otherwise forward forever.
func (p *Proxy) looped(r *http.Request) bool {
	for _, v := range r.Header["Via"] {
		if strings.Contains(v, p.via) {
			return true
		}
	}
	return false
}

// bodyReader remembers why reading the client's request body failed, so a
// malformed body is answered 400 rather than blamed on the upstream.
type bodyReader struct {
	io.ReadCloser
	err error
}

type bodyKey struct{}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}
