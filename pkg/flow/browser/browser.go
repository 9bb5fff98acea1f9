package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configure a Browser.
type Options struct {
	// Profile is the cookie policy; the zero value means "chrome".
	Profile Profile
	// Transport carries the requests; nil means a loopback-friendly clone
	// of http.DefaultTransport that resolves *.localhost to 127.0.0.1 as
	// browsers do (RFC 6761).
	Transport http.RoundTripper
	// Now is the jar's clock; nil means time.Now.
	Now func() time.Time
	// Intercept reports URLs no server answers, such as a single-page app's
	// redirect_uri: navigation stops there and the page is handed back with
	// Intercepted set, as the app's JavaScript would see it.
	Intercept func(*url.URL) bool
	// MaxHops bounds redirects plus auto-submitted forms per navigation
	// (default 20, as browsers do).
	MaxHops int
}

// Browser is one virtual browser: a cookie jar under a profile and a
// record of every request it made. It is safe for concurrent use, though a
// flow drives it one navigation at a time, as a person would.
type Browser struct {
	jar       *Jar
	transport http.RoundTripper
	intercept func(*url.URL) bool
	maxHops   int

	mu    sync.Mutex
	trace []Exchange
}

// Exchange is one request the browser made and what came of it.
type Exchange struct {
	Context    ContextKind
	Navigation bool
	Method     string
	URL        *url.URL
	// Initiator is the origin of the document that caused the request, nil
	// when the browser itself did (a typed URL).
	Initiator *url.URL
	// RedirectedBy is the URL whose redirect led here, nil for the first
	// request of a navigation.
	RedirectedBy *url.URL
	// Top is the top-level document's URL.
	Top *url.URL
	// Status is the HTTP status; 0 for an intercepted or failed request.
	Status int
	// Location is a redirect's target.
	Location *url.URL
	// Intercepted is set when the request went to an intercepted URL.
	Intercepted bool
	Sent        []Cookie
	Blocked     []Blocked
	SetCookies  []SetResult
	Err         error
	Duration    time.Duration
	// Note says what the browser made of the response: "login form",
	// "auto-submitted form", "consent form" …
	Note string
}

// New returns a Browser with an empty jar.
func New(o Options) *Browser {
	if o.Profile.Name == "" {
		o.Profile = profiles["chrome"]
	}
	if o.Transport == nil {
		o.Transport = DefaultTransport()
	}
	if o.MaxHops == 0 {
		o.MaxHops = 20
	}
	if o.Intercept == nil {
		o.Intercept = func(*url.URL) bool { return false }
	}
	return &Browser{jar: NewJar(o.Profile, o.Now), transport: o.Transport, intercept: o.Intercept, maxHops: o.MaxHops}
}

// DefaultTransport returns an HTTP transport that dials *.localhost on the
// loopback interface, as browsers do, and keeps connections alive.
func DefaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		h := strings.ToLower(host)
		if err == nil && (h == "localhost" || strings.HasSuffix(h, ".localhost")) {
			// Try IPv4 loopback first (where local servers usually
			// listen), then what the name resolves to.
			if c, err := d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port)); err == nil || h != "localhost" {
				return c, err
			}
		}
		return d.DialContext(ctx, network, addr)
	}
	t.MaxIdleConnsPerHost = 16
	return t
}

// Jar returns the browser's cookie jar.
func (b *Browser) Jar() *Jar { return b.jar }

// Profile returns the browser's policy profile.
func (b *Browser) Profile() Profile { return b.jar.profile }

// Trace returns the exchanges recorded since the last TakeTrace.
func (b *Browser) TakeTrace() []Exchange {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.trace
	b.trace = nil
	return t
}

func (b *Browser) record(e Exchange) {
	b.mu.Lock()
	b.trace = append(b.trace, e)
	b.mu.Unlock()
}

// Navigation asks the browser to load a document.
type Navigation struct {
	Context ContextKind
	// Top is the top-level document an iframe is embedded in (required
	// for IFrame).
	Top *url.URL
	// Initiator is the document that starts the navigation (the app's page
	// for a redirect to the provider); nil for a typed URL.
	Initiator *url.URL
	Method    string
	URL       *url.URL
	// Form is the POST body (application/x-www-form-urlencoded).
	Form url.Values
	// UserActivated marks a navigation the user started (a click on the
	// app's sign-in button, a form the user submits): Chromium then sends
	// Sec-Fetch-User: ?1, on its redirects too.
	UserActivated bool
}

// Page is where a navigation ended.
type Page struct {
	Context ContextKind
	Top     *url.URL
	URL     *url.URL
	Status  int
	Header  http.Header
	Body    []byte
	// Intercepted is set when navigation reached an intercepted URL (an
	// app's redirect_uri); Method and Form then say how it arrived, which
	// for response_mode=form_post is a POST carrying the response.
	Intercepted bool
	Method      string
	Form        url.Values
	// FrameBlocked is set when the page arrived in an iframe that the
	// response forbids (CSP frame-ancestors, X-Frame-Options): a browser
	// shows an error page instead, and no script of the page runs.
	FrameBlocked string
	doc          *Document
}

// Document parses the page's HTML (once).
func (p *Page) Document() Document {
	if p.doc == nil {
		d := ParseDocument(p.Body, p.URL)
		p.doc = &d
	}
	return *p.doc
}

// IsHTML reports whether the page is an HTML document.
func (p *Page) IsHTML() bool {
	ct := strings.ToLower(p.Header.Get("Content-Type"))
	return strings.Contains(ct, "html") || ct == "" && bytes.Contains(bytes.ToLower(p.Body[:min(len(p.Body), 512)]), []byte("<html"))
}

// ErrTooManyHops is returned when a navigation redirects too often.
var ErrTooManyHops = errors.New("too many redirects")

// maxBody bounds what the browser reads of one response.
const maxBody = 4 << 20

// Navigate loads a document: it follows redirects as a browser does
// (303, and 301/302 after POST, become GET; 307/308 keep the method and
// body), submits auto-posting forms, and stops at intercepted URLs.
func (b *Browser) Navigate(ctx context.Context, nav Navigation) (*Page, error) {
	if nav.Method == "" {
		nav.Method = http.MethodGet
	}
	if nav.Context == IFrame && nav.Top == nil {
		return nil, errors.New("browser: an iframe navigation needs its top-level document")
	}
	u, method, form, initiator := nav.URL, strings.ToUpper(nav.Method), nav.Form, nav.Initiator
	activated := nav.UserActivated
	crossSite := false
	var prev *url.URL
	for hop := 0; hop <= b.maxHops; hop++ {
		if prev != nil && !SameSite(prev, u) {
			crossSite = true
		}
		rq := Request{URL: u, Method: method, Context: nav.Context, Navigation: true, Top: nav.Top,
			Initiator: initiator, CrossSiteRedirect: crossSite, UserActivated: activated}
		top := nav.Top
		if nav.Context != IFrame {
			top = u
		}
		if b.intercept(u) {
			sent, blocked := b.jar.Cookies(rq)
			b.record(Exchange{Context: nav.Context, Navigation: true, Method: method, URL: u, Initiator: initiator,
				RedirectedBy: prev, Top: top, Intercepted: true, Sent: sent, Blocked: blocked, Note: "intercepted"})
			return &Page{Context: nav.Context, Top: top, URL: u, Intercepted: true, Method: method, Form: form}, nil
		}
		resp, body, ex, err := b.do(ctx, rq, form, top)
		ex.RedirectedBy = prev
		if err != nil {
			b.record(ex)
			return nil, err
		}
		page := &Page{Context: nav.Context, Top: top, URL: u, Status: resp.StatusCode, Header: resp.Header, Body: body}
		if loc := resp.Header.Get("Location"); loc != "" && isRedirect(resp.StatusCode) {
			next, perr := u.Parse(loc)
			if perr != nil {
				ex.Err = perr
				b.record(ex)
				return nil, fmt.Errorf("bad redirect from %s: %w", u.Redacted(), perr)
			}
			ex.Location = next
			b.record(ex)
			switch {
			case resp.StatusCode == http.StatusSeeOther && method != http.MethodHead,
				(resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusFound) && method == http.MethodPost:
				method, form = http.MethodGet, nil
			}
			prev, u = u, next
			continue
		}
		if nav.Context == IFrame {
			if why := FramingBlocked(resp.Header, u, []*url.URL{nav.Top}); why != "" {
				page.FrameBlocked = why
				ex.Note = "refused in a frame: " + why
				b.record(ex)
				return page, nil
			}
		}
		if page.IsHTML() {
			doc := page.Document()
			if doc.AutoSubmit && len(doc.Forms) > 0 {
				f := doc.Forms[0]
				ex.Note = "auto-submitted form"
				b.record(ex)
				prev, initiator = nil, u
				activated = false // the page's script submits, not the user
				u, method = f.Action, f.Method
				form = f.Values(nil)
				crossSite = false
				if method == http.MethodGet {
					q := u.Query()
					for k, vs := range form {
						q[k] = vs
					}
					cu := *u
					cu.RawQuery = q.Encode()
					u, form = &cu, nil
				}
				continue
			}
		}
		b.record(ex)
		return page, nil
	}
	return nil, fmt.Errorf("%w (more than %d) from %s", ErrTooManyHops, b.maxHops, nav.URL.Redacted())
}

// Submit submits a form of page with the given values, as a click would
// (a user-activated navigation).
func (b *Browser) Submit(ctx context.Context, page *Page, f Form, values url.Values) (*Page, error) {
	nav := Navigation{Context: page.Context, Top: page.Top, Initiator: page.URL, Method: f.Method, URL: f.Action, UserActivated: true}
	if page.Context != IFrame {
		nav.Top = nil
	}
	if f.Method == http.MethodGet {
		cu := *f.Action
		cu.RawQuery = values.Encode()
		nav.URL = &cu
	} else {
		nav.Form = values
	}
	return b.Navigate(ctx, nav)
}

// FetchRequest is a script's fetch() from a document: a token request, a
// userinfo call. Credentials are omitted, as SPAs' token calls do.
type FetchRequest struct {
	// From is the calling document's URL; it sets the Origin header.
	From   *url.URL
	Method string
	URL    *url.URL
	Form   url.Values
	Header http.Header
}

// Fetch performs a credential-less CORS request and returns the response
// with its body read.
func (b *Browser) Fetch(ctx context.Context, fr FetchRequest) (*http.Response, []byte, error) {
	if fr.Method == "" {
		fr.Method = http.MethodGet
	}
	start := time.Now()
	var body io.Reader
	if fr.Form != nil {
		body = strings.NewReader(fr.Form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, fr.Method, fr.URL.String(), body)
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range fr.Header {
		req.Header[k] = vs
	}
	if fr.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if fr.From != nil {
		req.Header.Set("Origin", Origin(fr.From))
		rq := Request{URL: fr.URL, Initiator: fr.From, Top: fr.From}
		req.Header.Set("Sec-Fetch-Site", rq.SecFetchSite())
	}
	req.Header.Set("Sec-Fetch-Mode", "cors")
	req.Header.Set("Accept", "application/json")
	ex := Exchange{Context: TopLevel, Method: fr.Method, URL: fr.URL, Initiator: fr.From, Top: fr.From}
	resp, err := b.transport.RoundTrip(req)
	if err != nil {
		ex.Err, ex.Duration = err, time.Since(start)
		b.record(ex)
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	ex.Status, ex.Duration, ex.Err = resp.StatusCode, time.Since(start), err
	b.record(ex)
	return resp, data, err
}

func (b *Browser) do(ctx context.Context, rq Request, form url.Values, top *url.URL) (*http.Response, []byte, Exchange, error) {
	start := time.Now()
	ex := Exchange{Context: rq.Context, Navigation: true, Method: rq.Method, URL: rq.URL, Initiator: rq.Initiator, Top: top}
	var body io.Reader
	if form != nil && rq.Method != http.MethodGet && rq.Method != http.MethodHead {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, rq.Method, rq.URL.String(), body)
	if err != nil {
		ex.Err = err
		return nil, nil, ex, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if rq.Initiator != nil && !rq.CrossSiteRedirect {
			req.Header.Set("Origin", Origin(rq.Initiator))
		} else {
			req.Header.Set("Origin", "null")
		}
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("User-Agent", "ssokit-flow/1 ("+b.jar.profile.Name+")")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Site", rq.SecFetchSite())
	if rq.UserActivated {
		req.Header.Set("Sec-Fetch-User", "?1")
	}
	if rq.Context == IFrame {
		req.Header.Set("Sec-Fetch-Dest", "iframe")
	} else {
		req.Header.Set("Sec-Fetch-Dest", "document")
	}
	sent, blocked := b.jar.Cookies(rq)
	ex.Sent, ex.Blocked = sent, blocked
	if len(sent) > 0 {
		req.Header.Set("Cookie", CookieHeader(sent))
	}
	resp, err := b.transport.RoundTrip(req)
	if err != nil {
		ex.Err, ex.Duration = err, time.Since(start)
		return nil, nil, ex, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	ex.Status, ex.Duration = resp.StatusCode, time.Since(start)
	if err != nil {
		ex.Err = err
		return nil, nil, ex, err
	}
	if sc := resp.Header.Values("Set-Cookie"); len(sc) > 0 {
		ex.SetCookies = b.jar.SetCookies(rq, sc)
	}
	b.jar.noteSetLogin(rq, resp.Header)
	return resp, data, ex, nil
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}
