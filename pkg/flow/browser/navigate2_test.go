package browser

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func pageURL(t *testing.T, base, html string, headers ...string) *url.URL {
	q := url.Values{"html": {html}}
	for _, h := range headers {
		q.Add("header", h)
	}
	return mustURL(t, base+"/page?"+q.Encode())
}

func TestNavigateIFrameFraming(t *testing.T) {
	rec := newRecorder(t)
	local, ip := rec.urls(t)
	app := mustURL(t, ip+"/app")
	b := New(Options{})
	ctx := context.Background()
	// A framing-refused page that would auto-submit: the refusal wins and
	// nothing is submitted, as no script of the page runs.
	html := `<html><body onload="document.forms[0].submit()"><form method=post action="/auto"></form></body></html>`
	page, err := b.Navigate(ctx, Navigation{Context: IFrame, Top: app, Initiator: app, URL: pageURL(t, local, html, "X-Frame-Options: DENY")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.FrameBlocked, "X-Frame-Options: DENY") || page.Top != app {
		t.Errorf("FrameBlocked %q, top %v", page.FrameBlocked, page.Top)
	}
	if tr := b.TakeTrace(); len(tr) != 1 || !strings.HasPrefix(tr[0].Note, "refused in a frame: ") || tr[0].Top != app {
		t.Errorf("trace %+v", tr)
	}
	for _, h := range rec.take() {
		if h.Path == "/auto" {
			t.Error("a page refused in a frame auto-submitted its form")
		}
	}
	// The same response at top level is shown.
	page, err = b.Navigate(ctx, Navigation{URL: pageURL(t, local, "<html>hi</html>", "X-Frame-Options: DENY")})
	if err != nil || page.FrameBlocked != "" || page.Top.String() != page.URL.String() {
		t.Errorf("top level: %v %+v", err, page)
	}
}

func TestNavigateAutoSubmitGET(t *testing.T) {
	rec := newRecorder(t)
	local, _ := rec.urls(t)
	b := New(Options{})
	html := `<html><body onload="document.forms[0].submit()"><form action="/cb?keep=me"><input type=hidden name=code value=c1><input type=hidden name=state value=s1></form></body></html>`
	start := pageURL(t, local, html)
	page, err := b.Navigate(context.Background(), Navigation{URL: start, UserActivated: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.URL.Path != "/cb" || page.URL.Query().Get("code") != "c1" || page.URL.Query().Get("state") != "s1" || page.URL.Query().Get("keep") != "me" {
		t.Errorf("landed on %s", page.URL)
	}
	hits := rec.take()
	if len(hits) != 2 || hits[1].Method != "GET" || hits[1].Body != "" || hits[1].FetchSite != "same-origin" {
		t.Errorf("hits %+v", hits)
	}
	tr := b.TakeTrace()
	if len(tr) != 2 || tr[0].Note != "auto-submitted form" || tr[1].Initiator.String() != start.String() || tr[1].RedirectedBy != nil {
		t.Errorf("trace %+v", tr)
	}
}

func TestNavigateInterceptSendsCookies(t *testing.T) {
	rec := newRecorder(t)
	local, _ := rec.urls(t)
	cb := mustURL(t, local+"/callback?code=x")
	b := New(Options{Intercept: func(u *url.URL) bool { return u.Path == "/callback" }})
	ctx := context.Background()
	if _, err := b.Navigate(ctx, Navigation{URL: mustURL(t, local+"/setcookie")}); err != nil {
		t.Fatal(err)
	}
	b.TakeTrace()
	start := mustURL(t, local+"/redirect/302?to="+url.QueryEscape(cb.String()))
	page, err := b.Navigate(ctx, Navigation{URL: start})
	if err != nil {
		t.Fatal(err)
	}
	if !page.Intercepted || page.Method != "GET" || page.Status != 0 || page.URL.String() != cb.String() {
		t.Errorf("page %+v", page)
	}
	tr := b.TakeTrace()
	if len(tr) != 2 || !tr[1].Intercepted || tr[1].Note != "intercepted" || names(tr[1].Sent) != "sess=1" || tr[1].RedirectedBy.String() != start.String() {
		t.Errorf("trace %+v", tr)
	}
	for _, h := range rec.take() {
		if h.Path == "/callback" {
			t.Error("an intercepted URL reached the server")
		}
	}
}

func TestSubmitForms(t *testing.T) {
	rec := newRecorder(t)
	local, ip := rec.urls(t)
	ctx := context.Background()
	b := New(Options{})
	html := `<form action="/search?old=1"><input name=q value=x></form><form method=post action="/post"><input name=a></form>`
	app := mustURL(t, ip+"/")
	page, err := b.Navigate(ctx, Navigation{Context: IFrame, Top: app, Initiator: app, URL: pageURL(t, local, html)})
	if err != nil {
		t.Fatal(err)
	}
	d := page.Document()
	if len(d.Forms) != 2 {
		t.Fatalf("forms %+v", d.Forms)
	}
	// GET: the values replace the action's query.
	got, err := b.Submit(ctx, page, d.Forms[0], url.Values{"q": {"y"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.URL.RawQuery != "q=y" || got.Context != IFrame || got.Top != app {
		t.Errorf("GET submit: %s in %s under %v", got.URL, got.Context, got.Top)
	}
	if _, err := b.Submit(ctx, page, d.Forms[1], url.Values{"a": {"1"}}); err != nil {
		t.Fatal(err)
	}
	hits := rec.take()
	if len(hits) != 3 {
		t.Fatalf("hits %+v", hits)
	}
	if h := hits[2]; h.Method != "POST" || h.Body != "a=1" || h.FetchDest != "iframe" || h.Origin != local {
		t.Errorf("POST submit from the framed page: %+v", h)
	}
}

func TestFetch(t *testing.T) {
	rec := newRecorder(t)
	local, ip := rec.urls(t)
	ctx := context.Background()
	b := New(Options{})
	// Cookies in the jar are not sent: the fetch omits credentials.
	if _, err := b.Navigate(ctx, Navigation{URL: mustURL(t, local+"/setcookie")}); err != nil {
		t.Fatal(err)
	}
	b.TakeTrace()
	rec.take()
	app := mustURL(t, ip+"/app")
	resp, body, err := b.Fetch(ctx, FetchRequest{From: app, Method: "POST", URL: mustURL(t, local+"/json"),
		Form: url.Values{"grant_type": {"authorization_code"}}, Header: http.Header{"X-Test": {"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Errorf("response %d %q", resp.StatusCode, body)
	}
	hits := rec.take()
	if len(hits) != 1 {
		t.Fatalf("hits %+v", hits)
	}
	h := hits[0]
	if h.Method != "POST" || h.Body != "grant_type=authorization_code" || h.Type != "application/x-www-form-urlencoded" ||
		h.Origin != Origin(app) || h.FetchSite != "cross-site" || h.FetchMode != "cors" || h.Cookie != "" {
		t.Errorf("fetch request %+v", h)
	}
	tr := b.TakeTrace()
	if len(tr) != 1 || tr[0].Navigation || tr[0].Status != 200 || tr[0].Initiator != app {
		t.Errorf("trace %+v", tr)
	}

	// No From: no Origin and no Sec-Fetch-Site; GET by default.
	if _, _, err := b.Fetch(ctx, FetchRequest{URL: mustURL(t, local+"/json")}); err != nil {
		t.Fatal(err)
	}
	if hits := rec.take(); len(hits) != 1 || hits[0].Method != "GET" || hits[0].Origin != "" || hits[0].FetchSite != "" || hits[0].Type != "" {
		t.Errorf("plain fetch %+v", hits)
	}
	b.TakeTrace()

	// Transport errors are returned and recorded.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, _, err := b.Fetch(ctx, FetchRequest{URL: mustURL(t, closed.URL)}); err == nil {
		t.Error("fetch from a closed server succeeded")
	}
	if tr := b.TakeTrace(); len(tr) != 1 || tr[0].Err == nil {
		t.Errorf("error trace %+v", tr)
	}
	if _, _, err := b.Fetch(ctx, FetchRequest{Method: "BAD METHOD", URL: mustURL(t, local)}); err == nil {
		t.Error("an invalid method was accepted")
	}
}

func TestBrowserAccessorsAndIsHTML(t *testing.T) {
	b := New(Options{})
	if b.Profile().Name != "chrome" || b.Jar().Profile().Name != "chrome" || b.maxHops != 20 {
		t.Errorf("defaults: profile %q, hops %d", b.Profile().Name, b.maxHops)
	}
	p, _ := LookupProfile("safari")
	if got := New(Options{Profile: p}).Profile().Name; got != "safari" {
		t.Errorf("profile %q", got)
	}
	tests := []struct {
		ct, body string
		want     bool
	}{
		{"text/html; charset=utf-8", "", true},
		{"application/xhtml+xml", "", true},
		{"application/json", "<html>", false},
		{"", "<!doctype html><HTML><body>", true},
		{"", "plain text", false},
		{"", strings.Repeat(" ", 600) + "<html>", false}, // only the first 512 bytes are sniffed
	}
	for _, tt := range tests {
		pg := &Page{Header: http.Header{}, Body: []byte(tt.body)}
		if tt.ct != "" {
			pg.Header.Set("Content-Type", tt.ct)
		}
		if got := pg.IsHTML(); got != tt.want {
			t.Errorf("IsHTML(%q, %.20q) = %t, want %t", tt.ct, tt.body, got, tt.want)
		}
	}
}

// Only 301, 302, 303, 307 and 308 are followed; other statuses with a
// Location header (300 Multiple Choices, 304, 201 Created) are pages.
func TestNavigateFollowsOnlyRedirects(t *testing.T) {
	rec := newRecorder(t)
	local, _ := rec.urls(t)
	for code, follow := range map[int]bool{300: false, 301: true, 302: true, 303: true, 304: false, 305: false, 307: true, 308: true, 201: false} {
		if isRedirect(code) != follow {
			t.Errorf("isRedirect(%d) = %t", code, !follow)
		}
		b := New(Options{})
		page, err := b.Navigate(context.Background(), Navigation{URL: mustURL(t, local+"/redirect/"+strconv.Itoa(code)+"?to=/elsewhere")})
		if err != nil {
			t.Fatalf("%d: %v", code, err)
		}
		if followed := page.URL.Path == "/elsewhere"; followed != follow {
			t.Errorf("%d: landed on %s", code, page.URL)
		}
	}
	// An invalid method fails before any request and is recorded.
	b := New(Options{})
	if _, err := b.Navigate(context.Background(), Navigation{Method: "BAD METHOD", URL: mustURL(t, local+"/x")}); err == nil {
		t.Error("invalid method accepted")
	}
	if tr := b.TakeTrace(); len(tr) != 1 || tr[0].Err == nil {
		t.Errorf("trace %+v", tr)
	}
}
