package browser

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFillLogin(t *testing.T) {
	tests := []struct {
		name, html, base string
		wantAction       string
		want             url.Values
	}{
		{
			name: "ssokit-style form with csrf",
			html: `<form method=post action="/login?x=1"><input type=hidden name=csrf value=tok>
				<label>User <input name=username></label><input type=password name=password>
				<input type=checkbox name=remember><button type=submit>Sign in</button></form>`,
			base: "http://localhost:9400/authorize", wantAction: "http://localhost:9400/login?x=1",
			want: url.Values{"csrf": {"tok"}, "username": {"alice"}, "password": {"pw"}},
		},
		{
			name: "search box before the login form is ignored",
			html: `<form action=/search><input name=q></form>
				<form method="POST"><input type="email" name="email"><input name="nickname" value="n">
				<input type="password" name="pass"><input type="submit" name="action" value="login"></form>`,
			base: "https://idp.example.com/u/login", wantAction: "https://idp.example.com/u/login",
			want: url.Values{"email": {"alice"}, "nickname": {"n"}, "pass": {"pw"}, "action": {"login"}},
		},
		{
			name: "oidc-provider devInteractions",
			html: string(readFile(t, "testdata/oidc-provider-login.html")),
			base: "http://localhost:3000/interaction/abc123", wantAction: "http://localhost:3000/interaction/abc123/login",
			want: url.Values{"login": {"alice"}, "password": {"pw"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ParseDocument([]byte(tt.html), mustURL(t, tt.base))
			f, ok := d.LoginForm()
			if !ok {
				t.Fatal("no login form found")
			}
			if f.Action.String() != tt.wantAction || f.Method != "POST" {
				t.Errorf("action %s %s, want POST %s", f.Method, f.Action, tt.wantAction)
			}
			got, err := FillLogin(f, "alice", "pw")
			if err != nil {
				t.Fatal(err)
			}
			if got.Encode() != tt.want.Encode() {
				t.Errorf("submission %s, want %s", got.Encode(), tt.want.Encode())
			}
		})
	}
}

func TestConsentForm(t *testing.T) {
	tests := []struct {
		name, html string
		want       string
	}{
		{"logout confirmation with buttons outside the form", string(readFile(t, "testdata/logout-confirm.html")), "logout=yes&xsrf=x%26y"},
		{"consent: allow, not deny", `<form method=post action=/consent><input type=hidden name=uid value=1>
			<button name=decision value=deny>Deny</button><button name=decision value=allow>Allow</button></form>`, "decision=allow&uid=1"},
		{"continue interstitial", `<form method=post action=/confirm><button autofocus type=submit>Continue</button></form>`, ""},
	}
	for _, tt := range tests {
		d := ParseDocument([]byte(tt.html), mustURL(t, "http://localhost:3000/x"))
		f, btn, ok := d.ConsentForm()
		if !ok {
			t.Fatalf("%s: no consent form", tt.name)
		}
		if got := f.Values(btn).Encode(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if _, _, ok := ParseDocument([]byte(`<form method=post><input type=password name=p></form>`), nil).ConsentForm(); ok {
		t.Error("a login form taken for consent")
	}
}

func TestDocument(t *testing.T) {
	d := ParseDocument([]byte(`<html><body onload="javascript:document.forms[0].submit()">
		<form method="post" action="http://localhost:5101/callback"><input type="hidden" name="code" value="c1"/>
		<input type="hidden" name="state" value="s1"/><noscript><button>Continue</button></noscript></form>
		<iframe src="http://localhost:5102/logout?sid=1" style="display:none"></iframe>
		<!-- <iframe src="http://commented.out/"></iframe> -->
		<script>window.parent.postMessage({"type":"authorization_response","response":{"code":"c\/2","state":"s2"}}, "http://localhost:5101")</script>
		</body></html>`), mustURL(t, "http://localhost:9400/authorize"))
	if !d.AutoSubmit {
		t.Error("form_post page not recognised as auto-submitting")
	}
	if v := d.Forms[0].Values(nil).Encode(); v != "code=c1&state=s1" {
		t.Errorf("form_post values %q", v)
	}
	if len(d.IFrames) != 1 || d.IFrames[0].String() != "http://localhost:5102/logout?sid=1" {
		t.Errorf("iframes %v", d.IFrames)
	}
	wm, ok := d.WebMessageResponse()
	if !ok || wm.Get("code") != "c/2" || wm.Get("state") != "s2" {
		t.Errorf("web_message response %v %t", wm, ok)
	}
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(`<form method=post action=/x><input name=a value="1"><button form=f>b</button></form><iframe src=/y>`))
	f.Add([]byte(`<script>postMessage({type:'authorization_response',response:{code:'x'}})</script>`))
	f.Add([]byte(`<a b='c`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := ParseDocument(b, &url.URL{Scheme: "http", Host: "localhost", Path: "/"})
		d.LoginForm()
		d.ConsentForm()
		d.WebMessageResponse()
		if f, ok := d.LoginForm(); ok {
			_, _ = FillLogin(f, "u", "p")
		}
	})
}

// A hostile page of a hundred thousand unclosed buttons must parse in
// linear time (the browser reads up to 4 MiB of a response); a quadratic
// scan would not finish before the test binary's timeout.
func TestParseDocumentLinear(t *testing.T) {
	page := []byte("<form method=post>" + strings.Repeat("<button name=a value=b>x", 100000))
	d := ParseDocument(page, nil)
	if len(d.Forms) != 1 || len(d.Forms[0].Buttons) != 100000 {
		t.Fatalf("forms %d", len(d.Forms))
	}
}
