package proxy

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// reverseProxy builds the httputil.ReverseProxy for one route.
func (p *Proxy) reverseProxy(rt *route) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			rt.rewrite(pr)
			// RFC 9110 §7.6.3: a proxy adds itself to Via; the unique
			// pseudonym also lets the proxy recognise a request it sent.
			pr.Out.Header.Add("Via", p.via)
		},
		Transport: p.transport,
		// FlushInterval stays 0 on purpose. httputil.ReverseProxy already
		// flushes every write at once (as with FlushInterval -1) for
		// text/event-stream and for every response of unknown length
		// (chunked, or delimited by close), so Server-Sent Events, chunked
		// progress and long polling stream unbuffered. A global -1 would
		// add a header flush, a timer goroutine and a write syscall to every
		// small response of known length for no streaming gain.
		// TestStreamsUnbuffered holds this.
		FlushInterval:  0,
		BufferPool:     bufferPool{},
		ErrorLog:       p.errorLog(),
		ModifyResponse: rt.modifyResponse,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.badGateway(w, r, rt, err)
		},
	}
}

// rewrite turns the inbound request into the upstream request. By the time
// it runs, httputil.ReverseProxy has already removed the hop-by-hop headers
// (Connection and the headers it names, Keep-Alive, Proxy-Connection, TE,
// Trailer, Transfer-Encoding, Upgrade — re-adding Upgrade for WebSockets)
// and the client's Forwarded and X-Forwarded-For/-Host/-Proto.
func (rt *route) rewrite(pr *httputil.ProxyRequest) {
	in, out := pr.In, pr.Out
	if rt.StripPrefix && rt.Prefix != "/" {
		out.URL.Path = stripPrefix(in.URL.Path, rt.Prefix)
		out.URL.RawPath = ""
		if in.URL.RawPath != "" && strings.HasPrefix(in.URL.RawPath, rt.Prefix) {
			out.URL.RawPath = stripPrefix(in.URL.RawPath, rt.Prefix)
		}
	}
	pr.SetURL(rt.upstream)
	if rt.PreserveHost {
		out.Host = in.Host
	}

	// Identity and forwarding headers are asserted by the proxy alone: any
	// the client sent are dropped, so an upstream that trusts
	// X-Forwarded-User cannot be fooled by a curl command. So are their
	// spellings with '_' (X-Forwarded_User, X_Forwarded_For): CGI, WSGI
	// (Python's wsgiref), Rack and PHP turn '-' into '_' and merge both into
	// one variable, so the client's value would join the proxy's. The same
	// holds for the headers the route sets.
	for name := range out.Header {
		if spoofable(name) || rt.setsHeader(name) {
			delete(out.Header, name)
		}
	}
	pr.SetXForwarded()
	out.Header.Set("Forwarded", forwarded(in))
	if rt.StripPrefix && rt.Prefix != "/" {
		out.Header.Set("X-Forwarded-Prefix", rt.Prefix)
	}
	for name, value := range rt.Headers {
		out.Header.Set(name, value)
	}
	// The provider's and the gates' cookies are credentials for ssokit
	// alone; on localhost the browser sends them to every port.
	stripSsokitCookies(out.Header)
	if rt.gate != nil {
		// Behind the gate the session is the only credential: the
		// client's own Authorization is replaced.
		out.Header.Del("Authorization")
	}
	if id, ok := in.Context().Value(identityKey{}).(*identity); ok {
		out.Header.Set("Authorization", "Bearer "+id.accessToken)
		out.Header.Set("X-Forwarded-User", id.user)
		if id.email != "" {
			out.Header.Set("X-Forwarded-Email", id.email)
		}
	}
}

// modifyResponse points redirects from the upstream back through the proxy,
// as nginx's proxy_redirect default does: a Location on the upstream's own
// origin (a dev server that sees Host: localhost:5102 builds those) becomes
// a path on the proxy, and with StripPrefix a path the upstream sees as /x
// becomes /prefix/x again, so the browser stays on the route.
func (rt *route) modifyResponse(res *http.Response) error {
	loc := res.Header.Get("Location")
	if loc == "" {
		return nil
	}
	if fixed, ok := rt.rewriteLocation(loc); ok {
		res.Header.Set("Location", fixed)
	}
	return nil
}

func (rt *route) rewriteLocation(loc string) (string, bool) {
	u, err := url.Parse(loc)
	if err != nil {
		return "", false
	}
	if u.IsAbs() || u.Host != "" {
		if !strings.EqualFold(u.Host, rt.upstream.Host) || u.Scheme != "" && u.Scheme != rt.upstream.Scheme {
			return "", false // another site, such as the OpenID provider
		}
		u.Scheme, u.Host, u.User = "", "", nil
	} else if !strings.HasPrefix(u.Path, "/") {
		return "", false // relative: resolves against the proxied URL already
	}
	// Undo what the request rewrite did: the upstream's base path, then
	// the stripped prefix.
	if base := strings.TrimSuffix(rt.upstream.Path, "/"); base != "" {
		if !underPrefix(u.Path, base) {
			return u.String(), true
		}
		u.Path = stripPrefix(u.Path, base)
		u.RawPath = ""
	}
	if rt.StripPrefix && rt.Prefix != "/" {
		u.Path = rt.Prefix + u.Path
		u.RawPath = ""
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), true
}

// spoofable reports whether a client-sent header claims something only the
// proxy may assert: forwarding details or the signed-in user, in any case
// and with '_' for '-'.
func spoofable(name string) bool {
	return hasHeaderPrefix(name, "X-FORWARDED-") ||
		hasHeaderPrefix(name, "X-AUTH-REQUEST-") ||
		len(name) == len("X-REAL-IP") && hasHeaderPrefix(name, "X-REAL-IP") ||
		len(name) == len("FORWARDED") && hasHeaderPrefix(name, "FORWARDED")
}

// hasHeaderPrefix reports whether name starts with prefix (upper case, '-'
// for '_') in the folding of normHeader, without allocating: it runs for
// every header of every request.
func hasHeaderPrefix(name, prefix string) bool {
	if len(name) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := name[i]
		switch {
		case c == '_':
			c = '-'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// setsHeader reports whether name is a spelling with '_' of a header the
// route sets; the exact spelling is replaced by Header.Set anyway.
func (rt *route) setsHeader(name string) bool {
	if len(rt.Headers) == 0 || !strings.Contains(name, "_") {
		return false
	}
	n := normHeader(name)
	for h := range rt.Headers {
		if normHeader(h) == n {
			return true
		}
	}
	return false
}

// normHeader folds a header name the way CGI-style servers do when they
// build HTTP_* variables: case ignored, '_' and '-' the same.
func normHeader(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "_", "-"))
}

// stripSsokitCookies removes ssokit's own cookies from a forwarded request:
// the provider's (ssokit_session, ssokit_bs, ssokit_csrf), the gates'
// (ssokit_proxy_*), and their __Host- and __Secure- forms. The gate has
// read its cookies from the incoming request before this runs.
func stripSsokitCookies(h http.Header) {
	lines := h["Cookie"]
	found := false
	for _, line := range lines {
		found = found || strings.Contains(line, "ssokit_")
	}
	if !found {
		return
	}
	var kept []string
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			name, _, _ := strings.Cut(part, "=")
			if part == "" || isSsokitCookie(name) {
				continue
			}
			kept = append(kept, part)
		}
	}
	delete(h, "Cookie")
	if len(kept) > 0 {
		h.Set("Cookie", strings.Join(kept, "; "))
	}
}

func isSsokitCookie(name string) bool {
	name = strings.TrimPrefix(strings.TrimPrefix(name, "__Host-"), "__Secure-")
	return strings.HasPrefix(name, "ssokit_")
}

// stripPrefix removes prefix from p; the result always starts with "/".
func stripPrefix(p, prefix string) string {
	rest := strings.TrimPrefix(p, prefix)
	if rest == "" || rest[0] != '/' {
		rest = "/" + rest
	}
	return rest
}

// forwarded renders the RFC 7239 Forwarded header for one hop.
func forwarded(r *http.Request) string {
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	var b strings.Builder
	b.Grow(len(r.RemoteAddr) + len(r.Host) + 32)
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if strings.Contains(ip, ":") {
			b.WriteString(`for="[`)
			b.WriteString(ip)
			b.WriteString(`]";`)
		} else {
			b.WriteString("for=")
			b.WriteString(ip)
			b.WriteString(";")
		}
	}
	b.WriteString("host=")
	writeTokenOrQuoted(&b, r.Host)
	b.WriteString(";proto=")
	b.WriteString(proto)
	return b.String()
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// writeTokenOrQuoted writes v as an RFC 7230 token, or quoted if it is not one.
func writeTokenOrQuoted(b *strings.Builder, v string) {
	token := v != ""
	for i := 0; i < len(v) && token; i++ {
		token = isTokenChar(v[i])
	}
	if token {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	if strings.ContainsAny(v, `\"`) {
		v = quoteEscaper.Replace(v)
	}
	b.WriteString(v)
	b.WriteByte('"')
}

// bufferPool recycles the 32 KiB copy buffers of every response body;
// without it each proxied request allocates one.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

func (bufferPool) Get() []byte  { return *(copyBuffers.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }
