package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A provider-like server: /start redirects (302) to /login, a POST to
// /login sets the session and answers 303 to /form_post, which auto-posts
// to the app's callback.
func newFake(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if r.Header.Get("Origin") == "" {
				http.Error(w, "no Origin on POST", 400)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: "sess", Value: r.FormValue("username"), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			http.Redirect(w, r, "/form_post", http.StatusSeeOther)
			return
		}
		fmt.Fprint(w, `<html><form method=post><input type=hidden name=csrf value=c><input name=username><input type=password name=password></form></html>`)
	})
	mux.HandleFunc("/form_post", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("sess")
		if err != nil {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><body onload="document.forms[0].submit()"><form method=post action="http://localhost:5101/callback"><input type=hidden name=code value=%q></form></body></html>`, "code-for-"+c.Value)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestNavigateLoginFormPost(t *testing.T) {
	s := newFake(t)
	base := mustURL(t, strings.Replace(s.URL, "127.0.0.1", "localhost", 1))
	b := New(Options{Intercept: func(u *url.URL) bool { return u.Host == "localhost:5101" }})
	ctx := context.Background()
	app := mustURL(t, "http://localhost:5101/")
	page, err := b.Navigate(ctx, Navigation{Initiator: app, URL: mustURL(t, base.String()+"/start")})
	if err != nil {
		t.Fatal(err)
	}
	if page.URL.Path != "/login" || page.Status != 200 {
		t.Fatalf("landed on %s %d", page.URL, page.Status)
	}
	f, ok := page.Document().LoginForm()
	if !ok {
		t.Fatal("no login form")
	}
	vals, err := FillLogin(f, "alice", "x")
	if err != nil {
		t.Fatal(err)
	}
	page, err = b.Submit(ctx, page, f, vals)
	if err != nil {
		t.Fatal(err)
	}
	if !page.Intercepted || page.Method != "POST" || page.Form.Get("code") != "code-for-alice" {
		t.Fatalf("callback: intercepted=%t %s %v", page.Intercepted, page.Method, page.Form)
	}
	tr := b.TakeTrace()
	var steps []string
	for _, e := range tr {
		steps = append(steps, fmt.Sprintf("%s %s %d", e.Method, e.URL.Path, e.Status))
	}
	want := "GET /start 302|GET /login 200|POST /login 303|GET /form_post 200|POST /callback 0"
	if strings.Join(steps, "|") != want {
		t.Errorf("trace %s\nwant  %s", strings.Join(steps, "|"), want)
	}
	if len(tr[3].Sent) != 1 || tr[3].Sent[0].Name != "sess" {
		t.Errorf("session cookie not sent after login: %v", tr[3].Sent)
	}
}

func TestNavigateTooManyHops(t *testing.T) {
	s := newFake(t)
	b := New(Options{MaxHops: 5})
	_, err := b.Navigate(context.Background(), Navigation{URL: mustURL(t, s.URL+"/loop")})
	if err == nil || !strings.Contains(err.Error(), "too many redirects") {
		t.Fatalf("err = %v", err)
	}
}

func TestNavigateIFrameNeedsTop(t *testing.T) {
	b := New(Options{})
	if _, err := b.Navigate(context.Background(), Navigation{Context: IFrame, URL: mustURL(t, "http://localhost:1/")}); err == nil {
		t.Fatal("iframe without a top-level document accepted")
	}
}
