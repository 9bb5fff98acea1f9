package flow

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/internal/golden"
)

var reportTime = time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)

func TestWriteHTMLGolden(t *testing.T) {
	res := sampleResults()
	res[0].Flows[0].Steps[0].Trace[1].Set = []string{"ssokit_csrf (deleted)", "ssokit_session"}
	res[0].Flows[0].Steps[0].Trace[0].Duration = 1200 * time.Microsecond
	var b bytes.Buffer
	if err := WriteHTML(&b, res, HTMLOptions{Generated: reportTime}); err != nil {
		t.Fatal(err)
	}
	golden.Equal(t, filepath.Join("testdata", "report.html.golden"), b.Bytes())
	// Given profiles order the matrix; the caller's slice stays as it was.
	profiles := []string{"safari", "firefox\x1b", "chrome"}
	var ordered bytes.Buffer
	if err := WriteHTML(&ordered, res, HTMLOptions{Profiles: profiles}); err != nil {
		t.Fatal(err)
	}
	if profiles[1] != "firefox\x1b" || !strings.Contains(ordered.String(), `<th scope="col">safari</th><th scope="col">firefox␛</th><th scope="col">chrome</th>`) {
		t.Errorf("matrix with given profiles %q:\n%s", profiles, ordered.String())
	}
	doc := parseHTML(t, b.Bytes())
	// The failing step is marked, with its reason and the one sentence.
	fail := doc.find(func(e *node) bool { return e.name == "tbody" && e.hasClass("fail") })
	if len(fail) != 1 || !strings.Contains(fail[0].text(), "expected tokens, got error login_required") ||
		!strings.Contains(fail[0].text(), "ITP blocks it") {
		t.Errorf("failing step: %d tbody.fail, text %q", len(fail), textOf(fail))
	}
	// The withheld cookie says why, in words and with Chromium's code.
	blk := doc.find(func(e *node) bool { return e.name == "span" && e.hasClass("blk") && e.parent.hasClass("cks") })
	if len(blk) != 1 || blk[0].text() != "withheld ssokit_session: third-party in this context, and this browser blocks third-party cookies (ThirdPartyBlocked)" {
		t.Errorf("withheld cookie: %q", textOf(blk))
	}
	// The matrix: one row, a cell per profile that ran, linking to the flow.
	cells := doc.find(func(e *node) bool {
		return e.name == "td" && e.parent != nil && e.parent.parent != nil && e.parent.parent.parent != nil && e.parent.parent.parent.hasClass("matrix")
	})
	if got := textOf(cells); !slices.Equal(got, []string{"pass 20ms", "FAIL 15ms"}) {
		t.Errorf("matrix cells %q", got)
	}
}

// hostile are strings a flow file, a provider or a claim may carry.
var hostile = []string{
	`<script>window.pwned=1</script>`,
	`"><img src=x onerror="window.pwned=2">`,
	`'><svg onload=window.pwned=3>`,
	`</td></tr></tbody></table></details><iframe src="https://evil.example/">`,
	`</style><style>body{display:none}</style>`,
	"javascript:alert(1)",
	"ctl \x00\x07\x1b[31mred\x1b[0m\x7f\u0085 \u202eevil\u202c \u2028 \ufeff end",
	"bad utf-8 \xff\xfe",
	strings.Repeat("long ", 2000),
}

func hostileResults() []*Result {
	h := func(i int) string { return hostile[i%len(hostile)] }
	var flows []*FlowResult
	for i := range hostile {
		flows = append(flows, &FlowResult{Name: h(i), Browser: h(i + 1), Passed: false, Duration: time.Millisecond, Steps: []*StepResult{
			{Kind: h(i + 2), Label: h(i + 3), Line: 3, Status: StatusFail, Duration: time.Millisecond, Outcome: h(i + 4),
				Failures: []string{h(i + 5)}, Explanation: h(i + 6), TraceOmitted: 7,
				Trace: []TraceLine{{From: h(i + 7), To: "provider", Context: h(i + 8), Method: h(i), URL: h(i + 1), Note: h(i + 2),
					Sent: []string{h(i + 3)}, Blocked: []string{h(i+4) + " (" + h(i+5) + ")", h(i + 6)}, Set: []string{h(i + 7)}}}},
			{Kind: StepRefresh, Label: h(i), Status: h(i + 1)},
		}})
	}
	return []*Result{{File: hostile[0], Issuer: hostile[1], Flows: flows, Duration: time.Second}}
}

// Hostile strings in every field render as text: the parsed page has only
// the elements and attributes the template writes, every string is there
// as text (control and bidi characters made visible, long ones cut), and
// no control character reaches the file.
func TestWriteHTMLHostileStrings(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, hostileResults(), HTMLOptions{Title: hostile[0], Generated: reportTime}); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	all := checkReportSafe(t, out)
	for _, h := range hostile {
		want := vis(h, htmlShort)
		if !strings.Contains(all, want) {
			t.Errorf("the text of the page lacks %.60q", want)
		}
	}
	for _, want := range []string{"␀␇␛[31mred␛[0m␡⟨U+0085⟩ ⟨U+202E⟩evil⟨U+202C⟩ ⟨U+2028⟩ ⟨U+FEFF⟩ end", "… (9700 more characters)", "7 more requests"} {
		if !strings.Contains(all, want) {
			t.Errorf("the text of the page lacks %q", want)
		}
	}
	if len(out) > 200_000 {
		t.Errorf("%d bytes for %d flows: long values are not bounded", len(out), len(hostile))
	}
}

// FuzzWriteHTML puts one string in every field of a report: the page must
// parse to the template's own elements and attributes, with the string
// (made visible, cut if long) among its texts.
func FuzzWriteHTML(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(reportOneString)
}

// TestWriteHTMLRandomStrings runs the fuzz target's check on random
// strings drawn from markup, quotes, controls and bidi characters (go test
// -fuzz explores further).
func TestWriteHTMLRandomStrings(t *testing.T) {
	alphabet := []rune("<>&\"'/=;: abcscriptonerror\x00\x01\x1b\x7f\u0085\u202e\u2028\ufeff\n\t`{}()[]é")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		r := make([]rune, rng.IntN(400))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(r)
		if rng.IntN(8) == 0 {
			s += "\xff\xfe" // invalid UTF-8
		}
		reportOneString(t, s)
	}
}

func reportOneString(t *testing.T, s string) {
	r := hostileResults()[:1]
	fl := r[0].Flows[0]
	r[0].File, r[0].Issuer, fl.Name, fl.Browser = s, s, s, s
	for _, st := range fl.Steps {
		st.Kind, st.Label, st.Outcome, st.Failures, st.Explanation = s, s, s, []string{s}, s
		for i := range st.Trace {
			tl := &st.Trace[i]
			tl.From, tl.Context, tl.Method, tl.URL, tl.Note, tl.Sent, tl.Set, tl.Blocked = s, s, s, s, s, []string{s}, []string{s}, []string{s, s + " (" + s + ")"}
		}
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r, HTMLOptions{Title: s}); err != nil {
		t.Fatal(err)
	}
	if all := checkReportSafe(t, b.Bytes()); strings.TrimSpace(s) != "" && !strings.Contains(all, vis(s, htmlShort)) {
		t.Errorf("the text of the page lacks %q", vis(s, htmlShort))
	}
}

// checkReportSafe parses a report and checks that it has only the
// template's elements and attributes, links only within itself, its own
// style sheet, and no control character, bidi override or invalid UTF-8.
// It returns the texts of the page, each followed by NUL.
func checkReportSafe(t *testing.T, out []byte) string {
	t.Helper()
	doc := parseHTML(t, out)
	allowed := map[string]bool{}
	for _, n := range strings.Fields(`html head meta title style body header h1 h2 p span table thead tbody tr th td ol li a q b
		small section div label input main details summary code colgroup col svg rect footer`) {
		allowed[n] = true
	}
	allowedAttr := map[string]bool{}
	for _, n := range strings.Fields(`charset http-equiv content name lang class id href colspan scope type open aria-labelledby
		aria-hidden viewBox preserveAspectRatio x y width height`) {
		allowedAttr[n] = true
	}
	var texts strings.Builder
	doc.walk(func(e *node) {
		if e == doc {
			return
		}
		if !allowed[e.name] {
			t.Errorf("element <%s> in the report", e.name)
		}
		for _, a := range e.attrs {
			if !allowedAttr[a.Name.Local] {
				t.Errorf("attribute %s=%q on <%s>", a.Name.Local, a.Value, e.name)
			}
			if a.Name.Local == "href" && !strings.HasPrefix(a.Value, "#flow-") {
				t.Errorf("link to %q", a.Value)
			}
		}
		if e.name == "style" && e.own != reportCSS {
			t.Errorf("the style sheet is not the report's own")
		}
		texts.WriteString(e.own)
		texts.WriteString("\x00")
	})
	if n := len(doc.find(func(e *node) bool { return e.name == "style" })); n != 1 {
		t.Errorf("%d style elements", n)
	}
	for i, c := range out {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			t.Fatalf("control character %#x at byte %d", c, i)
		}
	}
	if bytes.Contains(out, []byte("\u202e")) || !utf8.Valid(out) {
		t.Error("a bidi override or invalid UTF-8 reached the file")
	}
	return texts.String()
}

func TestVis(t *testing.T) {
	for _, tt := range []struct {
		in    string
		limit int
		want  string
	}{
		{"plain <b>", 20, "plain <b>"}, // markup is html/template's to escape
		{"tab\tnew\nline", 20, "tab\tnew\nline"},
		{"\x00\x1b\x7f", 20, "␀␛␡"},
		{"\u202eabc\u200b", 20, "⟨U+202E⟩abc⟨U+200B⟩"},
		{"\xff", 20, "\ufffd"},
		{"héllo wörld", 5, "héllo… (6 more characters)"},
		{"abc", 3, "abc"},
	} {
		if got := vis(tt.in, tt.limit); got != tt.want {
			t.Errorf("vis(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

// The lanes: the browser first, apps as they appear, the provider last;
// an arrow spans from its sender's lifeline to its receiver's.
func TestHTMLLanes(t *testing.T) {
	f := &FlowResult{Name: "n", Browser: "chrome", Passed: true, Steps: []*StepResult{{Status: StatusPass, Trace: []TraceLine{
		{From: "provider", To: "account"}, {From: "browser", To: "shell"}, {From: "shell", To: "provider"}, {From: "provider", To: "provider"},
	}}}}
	hf := buildHTMLFlow(&Result{}, f, "flow-1")
	var lanes []string
	for _, l := range hf.Lanes {
		lanes = append(lanes, l.Name)
	}
	if !slices.Equal(lanes, []string{"browser", "account", "shell", "provider"}) || hf.Cols != 9 {
		t.Fatalf("lanes %q, %d columns", lanes, hf.Cols)
	}
	for i, want := range []struct {
		dir             string
		pre, span, post int
	}{{"l", 3, 4, 2}, {"r", 1, 4, 4}, {"r", 5, 2, 2}, {"self", 7, 2, 0}} {
		m := hf.Steps[0].Msgs[i]
		if m.Dir != want.dir || m.Pre != want.pre || m.Span != want.span || m.Post != want.post {
			t.Errorf("message %d: %s pre %d span %d post %d, want %+v", i, m.Dir, m.Pre, m.Span, m.Post, want)
		}
	}
}

// BenchmarkWriteHTML writes the report of 500 flows (a tenth failing),
// each of six steps with the requests a real run records. Besides ns/op it
// reports the file's size and the CPU time per report (cpu-ns/op).
func BenchmarkWriteHTML(b *testing.B) {
	res := benchResults(500)
	var size int
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		var cw countWriter
		if err := WriteHTML(&cw, res, HTMLOptions{Generated: reportTime}); err != nil {
			b.Fatal(err)
		}
		size = int(cw)
	}
	b.ReportMetric(float64(size), "file-bytes")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

func benchResults(n int) []*Result {
	ms := time.Millisecond
	login := []TraceLine{
		{From: "shell", To: "provider", Context: "top-level", Method: "GET", URL: "/authorize?client_id=shell&…", Status: 200, Duration: ms, Set: []string{"ssokit_csrf_JOV7u32GWgqq"}},
		{From: "provider", To: "provider", Context: "top-level", Method: "POST", URL: "/login", Status: 302, Duration: ms, Sent: []string{"ssokit_csrf_JOV7u32GWgqq"}, Set: []string{"ssokit_csrf_JOV7u32GWgqq (deleted)", "ssokit_session", "ssokit_bs"}},
		{From: "provider", To: "shell", Context: "top-level", Method: "GET", URL: "/callback?…", Note: "intercepted", Sent: []string{"ssokit_session", "ssokit_bs"}},
		{From: "shell", To: "provider", Context: "fetch", Method: "POST", URL: "/oauth/token", Status: 200, Duration: 2 * ms},
	}
	silent := func(app string) []TraceLine {
		return []TraceLine{
			{From: app, To: "provider", Context: "iframe", Method: "GET", URL: "/authorize?client_id=" + app + "&prompt=none&…", Status: 302, Duration: ms, Sent: []string{"ssokit_session", "ssokit_bs"}},
			{From: "provider", To: app, Context: "iframe", Method: "GET", URL: "/callback?…", Note: "intercepted", Sent: []string{"ssokit_session", "ssokit_bs"}},
			{From: app, To: "provider", Context: "fetch", Method: "POST", URL: "/oauth/token", Status: 200, Duration: 2 * ms},
		}
	}
	blocked := []TraceLine{
		{From: "account", To: "provider", Context: "iframe", Method: "GET", URL: "/authorize?client_id=account&prompt=none&…", Status: 302, Duration: ms,
			Blocked: []string{"ssokit_session (ThirdPartyBlocked)", "ssokit_bs (ThirdPartyBlocked)"}},
		{From: "provider", To: "account", Context: "iframe", Method: "GET", URL: "/callback?error=login_required&…", Note: "intercepted"},
	}
	profiles := []string{"chrome", "chrome-3pc-blocked", "safari", "firefox"}
	r := &Result{File: "flows.yaml", Issuer: "http://localhost:9400/", Duration: time.Duration(n) * 30 * ms}
	for i := range n {
		fail := i%10 == 9
		f := &FlowResult{Name: fmt.Sprintf("flow %d: sign in once, signed in everywhere", i/4+1), Browser: profiles[i%4], Passed: !fail, Duration: 30 * ms}
		add := func(kind, label string, tr []TraceLine, outcome string) *StepResult {
			s := &StepResult{Kind: kind, Label: label, Line: 10 + 2*len(f.Steps), Status: StatusPass, Duration: 5 * ms, Outcome: outcome, Trace: tr}
			f.Steps = append(f.Steps, s)
			return s
		}
		tok := "tokens (sub alice, sid CW4tY_Uw…, refresh token)"
		add(StepLogin, "login shell as alice", login, tok)
		if fail {
			s := add(StepSilent, "silent account", blocked, "error login_required: prompt=none and no SSO session cookie reached the provider")
			s.Status, s.Failures = StatusFail, []string{"expected tokens, got error login_required"}
			s.Explanation = "silent auth failed under safari: the provider's session cookie (ssokit_session, SameSite=None) is third-party in an iframe on http://127.0.0.1:5102 and ITP blocks it; mount the provider under the app's site or use refresh tokens"
			for _, l := range []string{"silent checkout", "refresh account", "userinfo account", "logout shell"} {
				f.Steps = append(f.Steps, &StepResult{Kind: StepSilent, Label: l, Status: StatusSkip})
			}
		} else {
			add(StepSilent, "silent account", silent("account"), tok)
			add(StepSilent, "silent checkout", silent("checkout"), tok)
			add(StepRefresh, "refresh account", login[3:], tok)
			add(StepUserinfo, "userinfo account", []TraceLine{{From: "account", To: "provider", Context: "fetch", Method: "GET", URL: "/userinfo", Status: 200}}, "4 claims")
			add(StepLogout, "logout shell", []TraceLine{
				{From: "shell", To: "provider", Context: "top-level", Method: "GET", URL: "/logout?client_id=shell&…", Status: 200, Sent: []string{"ssokit_session", "ssokit_bs"}, Set: []string{"ssokit_session (deleted)"}},
				{From: "provider", To: "account", Context: "iframe", Method: "GET", URL: "/logout?…", Note: "intercepted"},
			}, "signed out")
		}
		r.Flows = append(r.Flows, f)
	}
	return []*Result{r}
}

// A minimal DOM built with encoding/xml's HTML mode: the report is written
// so that it parses (void elements are known, no script, entities are
// numeric or XML's own), which lets a test read it as a browser would.
type node struct {
	name   string
	attrs  []xml.Attr
	kids   []*node
	parent *node
	own    string // text directly inside
	all    strings.Builder
}

func (n *node) hasClass(c string) bool {
	for _, a := range n.attrs {
		if a.Name.Local == "class" && slices.Contains(strings.Fields(a.Value), c) {
			return true
		}
	}
	return false
}

func (n *node) text() string {
	return strings.Join(strings.Fields(n.all.String()), " ")
}

func (n *node) walk(fn func(*node)) {
	fn(n)
	for _, k := range n.kids {
		k.walk(fn)
	}
}

func (n *node) find(match func(*node) bool) []*node {
	var out []*node
	n.walk(func(e *node) {
		if match(e) {
			out = append(out, e)
		}
	})
	return out
}

func textOf(ns []*node) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.text())
	}
	return out
}

func parseHTML(t *testing.T, b []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{name: "#document"}
	cur := root
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the report does not parse: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: strings.ToLower(tk.Name.Local), attrs: tk.Attr, parent: cur}
			cur.kids = append(cur.kids, n)
			cur = n
		case xml.EndElement:
			if cur.name != strings.ToLower(tk.Name.Local) {
				t.Fatalf("</%s> closes <%s>", tk.Name.Local, cur.name)
			}
			cur = cur.parent
		case xml.CharData:
			cur.own += string(tk)
			for p := cur; p != nil; p = p.parent {
				p.all.WriteString(string(tk))
			}
		}
	}
	if cur != root {
		t.Fatalf("<%s> is never closed", cur.name)
	}
	return root
}

func TestBoundTrace(t *testing.T) {
	for _, n := range []int{0, 1, MaxTraceLines, MaxTraceLines + 1, 5000} {
		kept, omitted := boundTrace(make([]browser.Exchange, n))
		if len(kept) != min(n, MaxTraceLines) || omitted != max(0, n-MaxTraceLines) {
			t.Errorf("%d requests: kept %d, omitted %d", n, len(kept), omitted)
		}
	}
}
