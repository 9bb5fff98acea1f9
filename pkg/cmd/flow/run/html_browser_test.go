package run_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ssokit/ssokit/pkg/internal/golden"
	"github.com/ssokit/ssokit/pkg/internal/testutil"
)

// reportScreenshot is the README's picture of a failing flow's report.
var reportScreenshot = filepath.Join("..", "..", "..", "..", "testdata", "screenshots", "flow-report.png")

// TestHTMLReportInChromium runs two flow files under every browser profile
// with --html — one whose cross-site silent sign-in fails under cookie
// blocking, one full of hostile strings (flow, app and user names, claims)
// — and opens the report in Chromium with the network offline. The page
// makes no request but its own file, logs no error (a Content-Security-
// Policy violation would be one: the style sheet's hash must match), runs
// nothing and has none of the injected elements or handlers, shows the
// hostile strings as text, and highlights the failing step with its reason.
// It takes the README's screenshot of a failing flow (-update rewrites it).
func TestHTMLReportInChromium(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.html")
	code, _, errOut := ssokit(t, "flow", "run", "testdata/html-report.yaml", "testdata/html-hostile.yaml", "--browser", "all", "--html", report)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (flows fail)\n%s", code, errOut)
	}
	ctx := testutil.NewChrome(t, testutil.ChromeOptions{})
	var mu sync.Mutex
	var requests, problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				problems = append(problems, string(e.Entry.Source)+": "+e.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			problems = append(problems, "console."+string(e.Type))
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatal(err)
	}
	fileURL := "file://" + filepath.ToSlash(report)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1100, 900), chromedp.Navigate(fileURL),
		chromedp.WaitVisible(chromedp.ID("flow-3"))); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	// Nothing injected exists, ran, or can run.
	if got := eval(`String(window.pwned)`); got != "undefined" {
		t.Errorf("an injected script ran: window.pwned = %s", got)
	}
	if got := eval(`[...document.querySelectorAll("script, img, iframe, object, embed, i, textarea, b[onmouseover]")].map(e => e.outerHTML.slice(0, 80)).join(" | ")`); got != "" {
		t.Errorf("injected elements in the page: %s", got)
	}
	if got := eval(`[...document.querySelectorAll("*")].flatMap(e => [...e.attributes].filter(a => a.name.startsWith("on")).map(a => e.localName + " " + a.name)).join(", ")`); got != "" {
		t.Errorf("event handler attributes: %s", got)
	}
	// The hostile strings are there, as text.
	text := eval(`document.body.textContent`)
	for _, want := range []string{
		`<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> ␇⟨U+202E⟩ hostile`, // flow name
		`<i>account</i><script>window.pwned=4</script>`,                                         // app name: a lane
		`login shell as <b onmouseover=window.pwned=5>alice</b>`,                                // step label
		`tokens (sub <b onmouseover=window.pwned=5>alice</b>,`,                                  // the sub claim
		`want "\u003c/textarea\u003e\u003cscript\u003ewindow.pwned=6`,                           // a claim, as the failure quotes it
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q as text", want)
		}
	}
	// The failing step of the safari run (flow 3) is open and highlighted,
	// with the expectation that failed and the one-sentence reason.
	if got := eval(`String(document.getElementById("flow-3").open) + " " + document.querySelector("#flow-3 summary").textContent`); !strings.HasPrefix(got, "true FAIL sign in at shell, silently at account [safari]") {
		t.Errorf("flow 3: %q", got)
	}
	step := eval(`(() => { const b = document.querySelector("#flow-3 tbody.step.fail"), td = b.querySelector("tr.sh td"), s = getComputedStyle(td);
		return [b.querySelector(".label").textContent, s.backgroundColor, s.borderLeftColor, s.borderLeftWidth, td.getBoundingClientRect().height > 0, b.querySelector(".why").textContent].join(" | ") })()`)
	for _, want := range []string{"silent account | rgb(253, 236, 234) | rgb(179, 38, 30) | 4px | true | Why: silent auth failed under safari:", "ITP blocks it"} {
		if !strings.Contains(step, want) {
			t.Errorf("the failing step is not shown as failing (%q lacks %q)", step, want)
		}
	}
	if got := eval(`[...document.querySelectorAll("#flow-3 tbody.step.fail .ck.blk")].map(e => e.textContent).join(" | ")`); !strings.Contains(got, "withheld ssokit_session: third-party in this context") {
		t.Errorf("withheld cookies of the failing step: %q", got)
	}
	// The filter works without script.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("only-failed"))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`getComputedStyle(document.getElementById("flow-1")).display + " " + getComputedStyle(document.getElementById("flow-3")).display`); got != "none block" {
		t.Errorf("show failing flows only: passing flow, failing flow display %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("only-failed"))); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("flow-3")))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	for _, u := range requests {
		if u != fileURL {
			t.Errorf("the page requested %s", u)
		}
	}
	for _, p := range problems {
		t.Errorf("Chromium: %s", p)
	}
	mu.Unlock()
	if golden.Update() {
		if err := os.MkdirAll(filepath.Dir(reportScreenshot), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(reportScreenshot, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Pixels differ between Chromium versions and fonts: the checked-in
	// picture must exist, decode, and be as wide as today's.
	b, err := os.ReadFile(reportScreenshot)
	if err != nil {
		t.Fatalf("%v (go test -run TestHTMLReportInChromium -update writes it)", err)
	}
	old, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", reportScreenshot, err)
	}
	now, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if old.Width != now.Width {
		t.Errorf("%s is %dpx wide, today's screenshot %dpx: -update rewrites it", reportScreenshot, old.Width, now.Width)
	}
}
