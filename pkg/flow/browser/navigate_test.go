package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// hit is what the recording server saw of one request.
type hit struct {
	Method, Path, Query, Body, Origin, Cookie string
	FetchSite, FetchDest, FetchMode, Type     string
}

// recorder is a server whose /redirect/<code>?to=<url> answers with that
// redirect, /page serves HTML given in ?html=, and every request is logged.
type recorder struct {
	mu   sync.Mutex
	hits []hit
	srv  *httptest.Server
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.hits = append(rec.hits, hit{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body),
			Origin: r.Header.Get("Origin"), Cookie: r.Header.Get("Cookie"), FetchSite: r.Header.Get("Sec-Fetch-Site"),
			FetchDest: r.Header.Get("Sec-Fetch-Dest"), FetchMode: r.Header.Get("Sec-Fetch-Mode"), Type: r.Header.Get("Content-Type")})
		rec.mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/redirect/"):
			code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/redirect/"))
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.WriteHeader(code)
		case r.URL.Path == "/page":
			for _, h := range r.URL.Query()["header"] {
				k, v, _ := strings.Cut(h, ":")
				w.Header().Add(k, strings.TrimSpace(v))
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, r.URL.Query().Get("html"))
		case r.URL.Path == "/setcookie":
			w.Header().Add("Set-Cookie", "sess=1; Path=/")
			fmt.Fprint(w, "<html>ok</html>")
		case r.URL.Path == "/json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":true}`)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>done</html>")
		}
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) take() []hit {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	h := rec.hits
	rec.hits = nil
	return h
}

// urls returns the server's base as two different sites: localhost and
// 127.0.0.1.
func (rec *recorder) urls(t *testing.T) (local, ip string) {
	return strings.Replace(rec.srv.URL, "127.0.0.1", "localhost", 1), rec.srv.URL
}

func TestNavigateRedirectMethods(t *testing.T) {
	rec := newRecorder(t)
	local, _ := rec.urls(t)
	tests := []struct {
		method string
		code   int
		want   string // method and body at the target
	}{
		{"POST", 301, "GET "},
		{"POST", 302, "GET "},
		{"POST", 303, "GET "},
		{"POST", 307, "POST a=1"},
		{"POST", 308, "POST a=1"},
		{"GET", 303, "GET "},
		{"HEAD", 303, "HEAD "},
		{"PUT", 302, "PUT a=1"}, // only POST turns into GET on 301/302
	}
	for _, tt := range tests {
		b := New(Options{})
		target := local + "/target"
		u := mustURL(t, fmt.Sprintf("%s/redirect/%d?to=%s", local, tt.code, url.QueryEscape(target)))
		page, err := b.Navigate(context.Background(), Navigation{Method: strings.ToLower(tt.method), URL: u, Initiator: mustURL(t, local), Form: url.Values{"a": {"1"}}})
		if err != nil {
			t.Fatalf("%s %d: %v", tt.method, tt.code, err)
		}
		hits := rec.take()
		if len(hits) != 2 || page.URL.Path != "/target" {
			t.Fatalf("%s %d: hits %+v, landed on %s", tt.method, tt.code, hits, page.URL)
		}
		if got := hits[1].Method + " " + hits[1].Body; got != tt.want {
			t.Errorf("%s then %d: target got %q, want %q", tt.method, tt.code, got, tt.want)
		}
		tr := b.TakeTrace()
		if len(tr) != 2 || tr[0].Location == nil || tr[0].Location.String() != target || tr[1].RedirectedBy == nil || tr[1].RedirectedBy.Path != "/redirect/"+strconv.Itoa(tt.code) {
			t.Errorf("%s %d: trace does not link the redirect: %+v", tt.method, tt.code, tr)
		}
	}
}

// A POST's Origin is the initiator's, until a redirect has crossed sites:
// then browsers send "null".
func TestNavigateOriginAndFetchMetadata(t *testing.T) {
	rec := newRecorder(t)
	local, ip := rec.urls(t)
	app := mustURL(t, local+"/app")
	ctx := context.Background()
	b := New(Options{})

	// Same-origin POST that 307s to another site and back.
	back := local + "/final"
	via := ip + "/redirect/307?to=" + url.QueryEscape(back)
	start := mustURL(t, local+"/redirect/307?to="+url.QueryEscape(via))
	if _, err := b.Navigate(ctx, Navigation{Method: "POST", URL: start, Initiator: app, Form: url.Values{"x": {"y"}}}); err != nil {
		t.Fatal(err)
	}
	hits := rec.take()
	want := []hit{
		{Method: "POST", Path: "/redirect/307", Origin: local, FetchSite: "same-origin", FetchDest: "document", FetchMode: "navigate"},
		{Method: "POST", Path: "/redirect/307", Origin: "null", FetchSite: "cross-site", FetchDest: "document", FetchMode: "navigate"},
		{Method: "POST", Path: "/final", Origin: "null", FetchSite: "cross-site", FetchDest: "document", FetchMode: "navigate"},
	}
	if len(hits) != len(want) {
		t.Fatalf("hits %+v", hits)
	}
	for i, w := range want {
		h := hits[i]
		if h.Method != w.Method || h.Path != w.Path || h.Origin != w.Origin || h.FetchSite != w.FetchSite || h.FetchDest != w.FetchDest || h.FetchMode != w.FetchMode {
			t.Errorf("hop %d: %+v\nwant %+v", i, h, w)
		}
		if h.Body != "x=y" || h.Type != "application/x-www-form-urlencoded" {
			t.Errorf("hop %d: body %q type %q", i, h.Body, h.Type)
		}
	}

	// A typed GET has no Origin and Sec-Fetch-Site: none; an iframe is
	// Sec-Fetch-Dest: iframe.
	if _, err := b.Navigate(ctx, Navigation{URL: mustURL(t, local+"/typed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Navigate(ctx, Navigation{Context: IFrame, Top: mustURL(t, ip+"/"), Initiator: mustURL(t, ip+"/"), URL: mustURL(t, local+"/framed")}); err != nil {
		t.Fatal(err)
	}
	hits = rec.take()
	if len(hits) != 2 || hits[0].Origin != "" || hits[0].FetchSite != "none" || hits[0].FetchDest != "document" {
		t.Errorf("typed URL: %+v", hits)
	}
	if len(hits) == 2 && (hits[1].FetchDest != "iframe" || hits[1].FetchSite != "cross-site") {
		t.Errorf("iframe: %+v", hits[1])
	}
}

func TestNavigateFailures(t *testing.T) {
	rec := newRecorder(t)
	local, _ := rec.urls(t)
	ctx := context.Background()

	b := New(Options{})
	_, err := b.Navigate(ctx, Navigation{URL: mustURL(t, local+"/redirect/302?to="+url.QueryEscape("http://[::1"))})
	if err == nil || !strings.Contains(err.Error(), "bad redirect from") {
		t.Errorf("bad Location: err = %v", err)
	}
	if tr := b.TakeTrace(); len(tr) != 1 || tr[0].Err == nil || tr[0].Status != 302 {
		t.Errorf("bad Location trace: %+v", tr)
	}

	// A redirect status without Location is a page.
	page, err := b.Navigate(ctx, Navigation{URL: mustURL(t, local+"/redirect/302")})
	if err != nil || page.Status != 302 {
		t.Errorf("302 without Location: %v, %+v", err, page)
	}
	b.TakeTrace()

	// A server that is gone: the error is returned and recorded.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, err := b.Navigate(ctx, Navigation{URL: mustURL(t, closed.URL+"/x")}); err == nil {
		t.Error("navigation to a closed server succeeded")
	}
	if tr := b.TakeTrace(); len(tr) != 1 || tr[0].Err == nil || tr[0].Status != 0 {
		t.Errorf("closed server trace: %+v", tr)
	}

	// A cancelled context stops the navigation.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Navigate(cctx, Navigation{URL: mustURL(t, local+"/x")}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}

	// MaxHops counts redirects: a chain one longer than allowed fails,
	// naming the first URL.
	b = New(Options{MaxHops: 1})
	two := local + "/redirect/302?to=" + url.QueryEscape(local+"/redirect/302?to="+url.QueryEscape(local+"/end"))
	if _, err := b.Navigate(ctx, Navigation{URL: mustURL(t, two)}); !errors.Is(err, ErrTooManyHops) || !strings.Contains(err.Error(), "more than 1") {
		t.Errorf("two redirects with MaxHops 1: %v", err)
	}
	one := local + "/redirect/302?to=" + url.QueryEscape(local+"/end")
	if _, err := b.Navigate(ctx, Navigation{URL: mustURL(t, one)}); err != nil {
		t.Errorf("one redirect with MaxHops 1: %v", err)
	}
}
