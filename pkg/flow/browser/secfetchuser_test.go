package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Chromium sends Sec-Fetch-User: ?1 on navigations the user started (a
// click, a form the user submits) and keeps it across their redirects; a
// script's navigation (an auto-submitted form, silent auth in an iframe)
// carries none.
func TestSecFetchUser(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+r.URL.Path] = r.Header.Get("Sec-Fetch-User")
		mu.Unlock()
		switch r.URL.Path {
		case "/click":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case "/form":
			fmt.Fprint(w, `<html><form method=post action="/submitted"><input name=a><button>Go</button></form></html>`)
		case "/submitted":
			fmt.Fprint(w, `<html><body onload="document.forms[0].submit()"><form method=post action="/auto"></form></body></html>`)
		default:
			fmt.Fprint(w, `<html>ok</html>`)
		}
	})
	s := httptest.NewServer(mux)
	defer s.Close()
	base := mustURL(t, strings.Replace(s.URL, "127.0.0.1", "localhost", 1))
	app := mustURL(t, "http://localhost:5101/")
	b := New(Options{})
	ctx := context.Background()

	if _, err := b.Navigate(ctx, Navigation{Initiator: app, URL: mustURL(t, base.String()+"/click"), UserActivated: true}); err != nil {
		t.Fatal(err)
	}
	p, err := b.Navigate(ctx, Navigation{Initiator: app, URL: mustURL(t, base.String()+"/form")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Submit(ctx, p, p.Document().Forms[0], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Navigate(ctx, Navigation{Context: IFrame, Top: app, Initiator: app, URL: mustURL(t, base.String()+"/silent")}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"GET /click": "?1", "GET /landed": "?1", // a click and its redirect
		"GET /form":       "",   // the app navigated by script
		"POST /submitted": "?1", // the user submitted the form
		"POST /auto":      "",   // the page's script submitted this one
		"GET /silent":     "",
	}
	for k, v := range want {
		if got, ok := seen[k]; !ok || got != v {
			t.Errorf("%s: Sec-Fetch-User %q (sent: %t), want %q", k, got, ok, v)
		}
	}
}
