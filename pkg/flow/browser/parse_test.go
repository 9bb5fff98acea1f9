package browser

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseDocumentControls(t *testing.T) {
	base := mustURL(t, "http://localhost:9400/a/page")
	html := `<title> First </title><title>Second</title>
<input name=outside value=lost>
<button form=later name=early value=1>Early</button>
<form id=f1 action=" next?x=1 ">
  <input name=t value="a &amp; b">
  <input type=checkbox name=c1 checked>
  <input type=checkbox name=c2 value=v2>
  <input type=radio name=r value=r1>
  <input type=radio name=r value=r2 checked>
  <input name=dis value=x disabled>
  <input type=button name=b1 value=x><input type=reset name=b2><input type=file name=b3>
  <input type=image name=img value=go>
  <input type=submit value="Send">
  <textarea name=ta>line <b>one</b></textarea>
  <select name=s1><option value=o1>One<option value=o2 selected>Two</select>
  <select name=s2><option value=p1>P1<option value=p2>P2</select>
  <input value=no-name>
  <input name=dup value=first value=second>
  <input NAME=Upper TYPE=HIDDEN VALUE=u>
  <input name=sq value='single "quoted"'>
</form>
<input name=orphan form=nosuch>
<form id=later method=POST><input name=inside form=f1 value=moved></form>`
	d := ParseDocument([]byte(html), base)
	if d.Title != "First" {
		t.Errorf("title %q", d.Title)
	}
	if len(d.Forms) != 2 {
		t.Fatalf("forms %+v", d.Forms)
	}
	f1, later := d.Forms[0], d.Forms[1]
	if f1.ID != "f1" || f1.Method != "GET" || f1.Action.String() != "http://localhost:9400/a/next?x=1" {
		t.Errorf("f1: %s %s id %q", f1.Method, f1.Action, f1.ID)
	}
	wantValues := url.Values{
		"t": {"a & b"}, "c1": {"on"}, "r": {"r2"}, "ta": {"line <b>one</b>"}, "s1": {"o2"}, "s2": {"p1"},
		"dup": {"first"}, "upper": nil, "Upper": {"u"}, "sq": {`single "quoted"`}, "inside": {"moved"},
	}
	delete(wantValues, "upper")
	if got := f1.Values(nil); !reflect.DeepEqual(got, wantValues) {
		t.Errorf("f1 values\n got %v\nwant %v", got, wantValues)
	}
	var buttons []string
	for _, b := range f1.Buttons {
		buttons = append(buttons, b.Type+":"+b.Name+"="+b.Value)
	}
	if got := strings.Join(buttons, " "); got != "image:img=go submit:=Send" {
		t.Errorf("f1 buttons %q", got)
	}
	if later.Method != "POST" || later.Action.String() != base.String() {
		t.Errorf("later: %s %s", later.Method, later.Action)
	}
	if len(later.Buttons) != 1 || later.Buttons[0].Name != "early" || later.Buttons[0].Text != "Early" {
		t.Errorf("a button naming a form declared after it: %+v", later.Buttons)
	}
	if len(later.Fields) != 0 {
		t.Errorf("a control naming another form stayed in its parent: %+v", later.Fields)
	}
}

func TestParseDocumentMarkup(t *testing.T) {
	tests := []struct {
		name, html string
		check      func(t *testing.T, d Document)
	}{
		{"script text is not markup", `<script>var s = "<form action=/x><input name=a>";</script>`, func(t *testing.T, d Document) {
			if len(d.Forms) != 0 || len(d.Scripts) != 1 || !strings.Contains(d.Scripts[0], "<form") {
				t.Errorf("forms %d scripts %q", len(d.Forms), d.Scripts)
			}
		}},
		{"comments, doctype and processing instructions are skipped", `<!DOCTYPE html><?xml version="1.0"?><!-- <form> --><form action=/real></form>`, func(t *testing.T, d Document) {
			if len(d.Forms) != 1 || d.Forms[0].Action.Path != "/real" {
				t.Errorf("forms %+v", d.Forms)
			}
		}},
		{"an unterminated comment hides the rest", `<form action=/a></form><!-- <form action=/b>`, func(t *testing.T, d Document) {
			if len(d.Forms) != 1 {
				t.Errorf("forms %+v", d.Forms)
			}
		}},
		{"requestSubmit auto-submits", `<form method=post action=/cb></form><script>document.forms[0].requestSubmit()</script>`, func(t *testing.T, d Document) {
			if !d.AutoSubmit {
				t.Error("not auto-submitting")
			}
		}},
		{"a form's onload submit auto-submits", `<form onload="this.submit()" action=/cb></form>`, func(t *testing.T, d Document) {
			if !d.AutoSubmit {
				t.Error("not auto-submitting")
			}
		}},
		{"a submitting script without a form is no auto-submit", `<body onload="document.forms[0].submit()"><script>x.submit()</script>`, func(t *testing.T, d Document) {
			if d.AutoSubmit {
				t.Error("auto-submit without a form")
			}
		}},
		{"iframes: empty src ignored, relative resolved", `<iframe src=""></iframe><iframe></iframe><iframe src="../f?x=1"></iframe>`, func(t *testing.T, d Document) {
			if len(d.IFrames) != 1 || d.IFrames[0].String() != "http://localhost:9400/f?x=1" {
				t.Errorf("iframes %v", d.IFrames)
			}
		}},
		{"button text is its visible text, &nbsp; collapsed", `<form method=post><button name=go> <span>Sign&nbsp;in</span>
			<img alt=x> now </button></form>`, func(t *testing.T, d Document) {
			if len(d.Forms) != 1 || len(d.Forms[0].Buttons) != 1 || d.Forms[0].Buttons[0].Text != "Sign in now" {
				t.Errorf("buttons %+v", d.Forms)
			}
		}},
		{"an over-long button label is dropped", `<form method=post><button>` + strings.Repeat("x", maxButtonText+1) + `</button></form>`, func(t *testing.T, d Document) {
			if len(d.Forms[0].Buttons) != 1 || d.Forms[0].Buttons[0].Text != "" {
				t.Errorf("buttons %+v", d.Forms[0].Buttons)
			}
		}},
		{"non-submit buttons are not buttons", `<form><button type=button>x</button><button type=reset>y</button><button type=SUBMIT>z</button></form>`, func(t *testing.T, d Document) {
			if len(d.Forms[0].Buttons) != 1 || d.Forms[0].Buttons[0].Text != "z" {
				t.Errorf("buttons %+v", d.Forms[0].Buttons)
			}
		}},
		{"malformed tags are skipped", `< form><1form><form/ action=/ok = method='post'><input name=a value="unterminated`, func(t *testing.T, d Document) {
			if len(d.Forms) != 1 || d.Forms[0].Action.Path != "/ok" || d.Forms[0].Method != "POST" {
				t.Fatalf("forms %+v", d.Forms)
			}
			if got := d.Forms[0].Values(nil).Get("a"); got != "unterminated" {
				t.Errorf("value %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, ParseDocument([]byte(tt.html), mustURL(t, "http://localhost:9400/a/page")))
		})
	}
	// Without a base URL, actions are taken as written.
	d := ParseDocument([]byte(`<form action="/cb?x=1"></form><form></form>`), nil)
	if d.Forms[0].Action.String() != "/cb?x=1" || d.Forms[1].Action.String() != "" {
		t.Errorf("no base: %v %v", d.Forms[0].Action, d.Forms[1].Action)
	}
}

func TestFormValues(t *testing.T) {
	f := Form{Fields: []Field{
		{Name: "a", Type: "text", Value: "1"},
		{Name: "a", Type: "hidden", Value: "2"},
		{Name: "", Type: "text", Value: "unnamed"},
		{Name: "cb", Type: "checkbox", Value: "yes", Checked: true},
		{Name: "off", Type: "checkbox", Value: "no"},
		{Name: "r", Type: "radio", Checked: true},
	}}
	tests := []struct {
		button *Field
		want   string
	}{
		{nil, "a=1&a=2&cb=yes&r=on"},
		{&Field{Value: "anonymous"}, "a=1&a=2&cb=yes&r=on"},
		{&Field{Name: "go", Value: "now"}, "a=1&a=2&cb=yes&go=now&r=on"},
	}
	for _, tt := range tests {
		if got := f.Values(tt.button).Encode(); got != tt.want {
			t.Errorf("Values(%+v) = %q, want %q", tt.button, got, tt.want)
		}
	}
}

func TestFillLoginChoices(t *testing.T) {
	tests := []struct {
		name string
		form Form
		want string
		err  error
	}{
		{"no text field", Form{Fields: []Field{{Name: "password", Type: "password"}}}, "", ErrNoUsernameField},
		{"a hinted name beats an earlier field", Form{Fields: []Field{
			{Name: "tenant", Type: "text", Value: "t"}, {Name: "login_id", Type: "email"}, {Name: "pw", Type: "password"}}},
			"login_id=alice&pw=secret&tenant=t", nil},
		{"the first hinted field wins", Form{Fields: []Field{
			{Name: "email", Type: "email"}, {Name: "username", Type: "text", Value: "keep"}, {Name: "pw", Type: "password"}}},
			"email=alice&pw=secret&username=keep", nil},
		{"every password field gets the password", Form{Fields: []Field{
			{Name: "user", Type: "text"}, {Name: "p1", Type: "password"}, {Name: "p2", Type: "password"}}},
			"p1=secret&p2=secret&user=alice", nil},
		{"the first button is pressed", Form{Fields: []Field{{Name: "q", Type: "search"}},
			Buttons: []Field{{Name: "action", Value: "login"}, {Name: "action", Value: "register"}}},
			"action=login&q=alice", nil},
	}
	for _, tt := range tests {
		orig := append([]Field(nil), tt.form.Fields...)
		got, err := FillLogin(tt.form, "alice", "secret")
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && got.Encode() != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got.Encode(), tt.want)
		}
		if !reflect.DeepEqual(orig, tt.form.Fields) {
			t.Errorf("%s: FillLogin changed the caller's form", tt.name)
		}
	}
}

func TestConsentFormChoices(t *testing.T) {
	tests := []struct {
		name, html string
		ok         bool
		button     string // the chosen button's value, "-" for none
	}{
		{"GET forms are not consent forms", `<form><button name=x value=allow>Allow</button></form>`, false, ""},
		{"only refusals: no choice", `<form method=post><button value=deny>Deny</button><button value=cancel>Cancel</button></form>`, false, ""},
		{"a neutral button is the fallback", `<form method=post><button value=n>Next step</button><button value=c>Cancel</button></form>`, true, "n"},
		{"approval beats the fallback", `<form method=post><button value=n>Next</button><button value=y>Yes</button></form>`, true, "y"},
		{"approval words win over refusal words in one label", `<form method=post><button value=x>No, continue</button></form>`, true, "x"},
		{"'stay' is a refusal, 'sign out' an approval", `<form method=post><button value=s>Stay signed in</button><button value=o>Sign out</button></form>`, true, "o"},
		{"a later form is tried when the first only refuses", `<form method=post><button>Cancel</button></form><form method=post action=/2><input type=submit value=OK></form>`, true, "OK"},
		{"a form without buttons is submitted as is", `<form method=post action=/x><input type=hidden name=a value=1></form>`, true, "-"},
	}
	for _, tt := range tests {
		d := ParseDocument([]byte(tt.html), mustURL(t, "http://localhost:3000/"))
		_, b, ok := d.ConsentForm()
		if ok != tt.ok {
			t.Errorf("%s: ok %t", tt.name, ok)
			continue
		}
		if !ok {
			continue
		}
		got := "-"
		if b != nil {
			got = b.Value
		}
		if got != tt.button {
			t.Errorf("%s: button %q, want %q", tt.name, got, tt.button)
		}
	}
}

func TestWebMessageResponse(t *testing.T) {
	tests := []struct {
		name, script string
		ok           bool
		want         url.Values
	}{
		{"single-quoted with escapes", `parent.postMessage({type:'authorization_response',response:{code:'a\'b\/c',state:'s'}},'*')`, true,
			url.Values{"code": {"a'b/c"}, "state": {"s"}}},
		{"double-quoted unicode escapes", `postMessage({"type":"authorization_response","response":{"code":"x\u0026y","iss":"http:\/\/idp"}})`, true,
			url.Values{"code": {"x&y"}, "iss": {"http://idp"}}},
		{"an error response", `postMessage({type:"authorization_response",response:{error:"login_required",error_description:"no session"}})`, true,
			url.Values{"error": {"login_required"}, "error_description": {"no session"}}},
		{"the first value of a field wins", `postMessage({type:"authorization_response",response:{code:"one"}}); var code = "two"; x = {code: "three"}`, true,
			url.Values{"code": {"one"}}},
		{"no marker", `postMessage({response:{code:"x"}})`, false, nil},
		{"neither code nor error", `postMessage({type:"authorization_response",response:{state:"s"}})`, false, nil},
	}
	for _, tt := range tests {
		d := ParseDocument([]byte("<script>"+tt.script+"</script>"), nil)
		got, ok := d.WebMessageResponse()
		if ok != tt.ok || ok && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v %t, want %v %t", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
