package flow

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// HTMLOptions shape the HTML report.
type HTMLOptions struct {
	// Title heads the page; "" means "ssokit flow report".
	Title string
	// Generated is shown as the report's time; the zero time hides it.
	Generated time.Time
	// Profiles orders the matrix's columns; nil means the profiles found in
	// the results, in the order `--browser all` runs them.
	Profiles []string
}

//go:embed report_html.css
var reportCSS string

//go:embed report_html.tmpl
var reportTmpl string

var htmlReportTmpl = template.Must(template.New("report").Parse(reportTmpl))

// reportCSP allows the page nothing but its own inline style sheet: no
// script, no network, no form submission. Even a value that escaped
// html/template could neither run nor phone home.
var reportCSP = func() string {
	sum := sha256.Sum256([]byte(reportCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'"
}()

// Limits on how much of one value the report shows (the JSON report has it whole).
const (
	htmlShort = 300  // names, labels, URLs, cookie names
	htmlLong  = 2000 // outcomes, failures, explanations
)

// WriteHTML writes one self-contained HTML page: a summary, the failures
// with their one-sentence reasons, the flow × browser matrix, the slowest
// steps, and per flow a sequence diagram of its steps and the requests the
// virtual browser made (who redirected whom, which cookies were sent, set
// or withheld and why). The page has no script and loads nothing: every
// value is escaped by html/template, control and bidi characters are shown
// as visible symbols, and its Content-Security-Policy allows only its own
// style sheet.
func WriteHTML(w io.Writer, results []*Result, o HTMLOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10) // the template writes many small pieces
	if err := htmlReportTmpl.Execute(bw, buildHTMLReport(results, o)); err != nil {
		return err
	}
	return bw.Flush()
}

type htmlReport struct {
	Title, Generated, CSP string
	CSS                   template.CSS
	Passed, Failed        int
	Duration              string
	Files                 []htmlFile
	Failures              []*htmlFailure
	Profiles              []string
	Matrix                []htmlMatrixRow
	Slowest               []htmlSlow
	Flows                 []*htmlFlow
}

type htmlFile struct {
	Path, Issuer, Duration string
	Flows, Failed          int
}

type htmlFailure struct {
	Anchor, Flow, Browser, File string
	Step                        int
	Label                       string
	Line                        int
	Reason, Explanation         string
}

type htmlMatrixRow struct {
	Name  string
	Cells []htmlMatrixCell
}

type htmlMatrixCell struct {
	Anchor, Status, Duration string
}

type htmlSlow struct {
	Anchor, Flow, Browser, Label, Duration string
	Step                                   int
}

type htmlFlow struct {
	Anchor, Name, Browser, File, Duration string
	Passed                                bool
	Failure                               *htmlFailure
	Lanes                                 []htmlLane
	Cols                                  int
	Steps                                 []*htmlStep
}

type htmlLane struct {
	Name, Class string
}

type htmlStep struct {
	N                             int
	Kind, Label, Status, Duration string
	Line                          int
	Outcome, Explanation          string
	Failures                      []string
	BarX, BarW                    string // the step's slice of the flow's time, in percent
	Msgs                          []*htmlMsg
	Omitted                       int
	StatusText                    string
}

type htmlMsg struct {
	Pre, Post                     int // empty half-lane cells around the arrow (CSS draws the lifelines)
	Span                          int
	Dir                           string // r, l or self
	From, To                      string
	Method, URL, Status, StatusCl string
	Context, Note, Duration       string
	Sent, Set                     []string
	Blocked                       []htmlBlocked
	Failed, Fetch                 bool
	Edge                          bool // the cell's right edge is a lifeline
}

type htmlBlocked struct {
	Name    string
	Reasons []htmlReason
}

type htmlReason struct {
	Code, Text string
}

// blockReasonText says in a few words why a cookie was withheld or refused.
var blockReasonText = map[browser.BlockReason]string{
	browser.BlockSameSiteStrict:     "SameSite=Strict, and this request is cross-site",
	browser.BlockSameSiteLax:        "SameSite=Lax, and this cross-site request is not a top-level GET",
	browser.BlockSameSiteLaxDefault: "no SameSite, which this browser treats as Lax, and this cross-site request is not a top-level GET",
	browser.BlockThirdParty:         "third-party in this context, and this browser blocks third-party cookies",
	browser.BlockPartitioned:        "set in another top-level site's partition; this browser partitions third-party cookies",
	browser.BlockSecureOnly:         "Secure, and this request is not HTTPS",
	browser.BlockNoneInsecure:       "SameSite=None without Secure, which this browser refuses",
	browser.BlockInvalidDomain:      "its Domain does not match the response's host",
	browser.BlockInvalidPrefix:      "its __Secure-/__Host- prefix requirements are not met",
	browser.BlockOverwriteSecure:    "it would overwrite a Secure cookie from an insecure origin",
	browser.BlockSyntax:             "the Set-Cookie header does not parse",
}

func buildHTMLReport(results []*Result, o HTMLOptions) *htmlReport {
	rep := &htmlReport{Title: o.Title, CSP: reportCSP, CSS: template.CSS(reportCSS)}
	if rep.Title == "" {
		rep.Title = "ssokit flow report"
	}
	rep.Title = vis(rep.Title, htmlShort)
	if !o.Generated.IsZero() {
		rep.Generated = o.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	var total time.Duration
	seen := map[string]bool{}
	var found []string
	type matrixKey struct{ file, name string }
	rowIdx := map[matrixKey]int{}
	var rowCells []map[string]htmlMatrixCell
	type slow struct {
		d time.Duration
		s htmlSlow
	}
	var slows []slow
	for _, r := range results {
		total += r.Duration
		hf := htmlFile{Path: vis(r.File, htmlShort), Issuer: vis(r.Issuer, htmlShort), Duration: fmtDur(r.Duration), Flows: len(r.Flows)}
		for _, f := range r.Flows {
			anchor := "flow-" + strconv.Itoa(len(rep.Flows)+1)
			hfl := buildHTMLFlow(r, f, anchor)
			rep.Flows = append(rep.Flows, hfl)
			if f.Passed {
				rep.Passed++
			} else {
				rep.Failed++
				hf.Failed++
				if hfl.Failure != nil {
					rep.Failures = append(rep.Failures, hfl.Failure)
				}
			}
			if !seen[f.Browser] {
				seen[f.Browser] = true
				found = append(found, f.Browser)
			}
			k := matrixKey{r.File, f.Name}
			i, ok := rowIdx[k]
			if !ok {
				name := f.Name
				if len(results) > 1 {
					name = r.File + ": " + f.Name
				}
				i = len(rep.Matrix)
				rowIdx[k] = i
				rep.Matrix = append(rep.Matrix, htmlMatrixRow{Name: vis(name, htmlShort)})
				rowCells = append(rowCells, map[string]htmlMatrixCell{})
			}
			st := "pass"
			if !f.Passed {
				st = "fail"
			}
			rowCells[i][f.Browser] = htmlMatrixCell{Anchor: anchor, Status: st, Duration: fmtDur(f.Duration)}
			for j, s := range f.Steps {
				if s.Status != StatusSkip {
					slows = append(slows, slow{s.Duration, htmlSlow{Anchor: anchor, Flow: hfl.Name, Browser: hfl.Browser, Label: vis(s.Label, htmlShort), Duration: fmtDur(s.Duration), Step: j + 1}})
				}
			}
		}
		rep.Files = append(rep.Files, hf)
	}
	rep.Duration = fmtDur(total)
	rep.Profiles = slices.Clone(o.Profiles) // made visible below: never the caller's
	if rep.Profiles == nil {
		for _, p := range browser.ProfileNames() {
			if seen[p] {
				rep.Profiles = append(rep.Profiles, p)
			}
		}
		for _, p := range found {
			if !slices.Contains(rep.Profiles, p) {
				rep.Profiles = append(rep.Profiles, p)
			}
		}
	}
	for i := range rep.Matrix {
		for _, p := range rep.Profiles {
			rep.Matrix[i].Cells = append(rep.Matrix[i].Cells, rowCells[i][p])
		}
	}
	for i, p := range rep.Profiles {
		rep.Profiles[i] = vis(p, htmlShort)
	}
	sort.SliceStable(slows, func(i, j int) bool { return slows[i].d > slows[j].d })
	for _, s := range slows[:min(len(slows), 10)] {
		rep.Slowest = append(rep.Slowest, s.s)
	}
	return rep
}

func buildHTMLFlow(r *Result, f *FlowResult, anchor string) *htmlFlow {
	hf := &htmlFlow{Anchor: anchor, Name: vis(f.Name, htmlShort), Browser: vis(f.Browser, htmlShort), File: vis(r.File, htmlShort),
		Duration: fmtDur(f.Duration), Passed: f.Passed}
	// Lanes: the browser itself first, the apps in order of appearance,
	// the provider last.
	lane := map[string]int{}
	var names []string
	add := func(p string) {
		if _, ok := lane[p]; !ok {
			lane[p] = -1
			names = append(names, p)
		}
	}
	for _, s := range f.Steps {
		for _, t := range s.Trace {
			add(t.From)
			add(t.To)
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return laneRank(names[i]) < laneRank(names[j]) })
	for i, n := range names {
		lane[n] = i
		cl := "c" + strconv.Itoa(i%6)
		switch n {
		case "provider":
			cl = "cp"
		case "browser":
			cl = "cb"
		}
		hf.Lanes = append(hf.Lanes, htmlLane{Name: vis(n, htmlShort), Class: cl})
	}
	n := len(names)
	hf.Cols = 2*n + 1 // two columns a lane, and a spare one for the last lane's self-arrows
	var at time.Duration
	for i, s := range f.Steps {
		hs := &htmlStep{N: i + 1, Kind: vis(s.Kind, htmlShort), Label: vis(s.Label, htmlShort), Line: s.Line, Status: s.Status,
			Outcome: vis(s.Outcome, htmlLong), Explanation: vis(s.Explanation, htmlLong), Omitted: s.TraceOmitted}
		hs.StatusText = map[string]string{StatusPass: "pass", StatusFail: "FAIL", StatusSkip: "skipped"}[s.Status]
		if hs.StatusText == "" { // not one of ours: shown, never a class
			hs.Status, hs.StatusText = "other", vis(s.Status, htmlShort)
		}
		if s.Status != StatusSkip {
			hs.Duration = fmtDur(s.Duration)
			if f.Duration > 0 {
				hs.BarX = pct(at, f.Duration)
				hs.BarW = pct(max(s.Duration, f.Duration/500), f.Duration) // visible even when tiny
			}
			at += s.Duration
		}
		for _, fl := range s.Failures {
			hs.Failures = append(hs.Failures, vis(fl, htmlLong))
		}
		for _, t := range s.Trace {
			hs.Msgs = append(hs.Msgs, buildHTMLMsg(t, lane[t.From], lane[t.To], n))
		}
		hf.Steps = append(hf.Steps, hs)
		if s.Status == StatusFail && hf.Failure == nil {
			reason := "the step failed"
			if len(s.Failures) > 0 {
				reason = s.Failures[0]
			}
			hf.Failure = &htmlFailure{Anchor: anchor, Flow: hf.Name, Browser: hf.Browser, File: hf.File, Step: i + 1, Label: hs.Label, Line: s.Line,
				Reason: vis(reason, htmlLong), Explanation: hs.Explanation}
		}
	}
	return hf
}

func laneRank(p string) int {
	switch p {
	case "browser":
		return 0
	case "provider":
		return 2
	}
	return 1
}

func pct(d, of time.Duration) string {
	return strconv.FormatFloat(min(100, 100*float64(d)/float64(of)), 'f', 2, 64)
}

// buildHTMLMsg places one request on the lanes: lane i is two table
// columns (its lifeline runs between them), so an arrow from lane a to
// lane b spans from the right half of a to the left half of b.
func buildHTMLMsg(t TraceLine, from, to, n int) *htmlMsg {
	m := &htmlMsg{From: vis(t.From, htmlShort), To: vis(t.To, htmlShort), Method: vis(t.Method, htmlShort), URL: vis(t.URL, htmlShort),
		Note: vis(t.Note, htmlLong)}
	if t.Duration > 0 {
		m.Duration = fmtDur(t.Duration)
	}
	m.Fetch = t.Context == "fetch"
	if t.Context != "top-level" {
		m.Context = vis(t.Context, htmlShort)
	}
	switch {
	case t.Status == 0 && strings.Contains(t.Note, "intercepted"):
		// the app's own page: nothing answered, its script takes over
	case t.Status == 0:
		m.Status, m.StatusCl, m.Failed = "no response", "s5", true
	default:
		m.Status, m.StatusCl = strconv.Itoa(t.Status), "s"+strconv.Itoa(min(t.Status/100, 5))
		m.Failed = t.Status >= 500
	}
	lo, hi, before, span := min(from, to), max(from, to), 0, 0
	switch {
	case from == to:
		m.Dir = "self"
		before, span = 2*from+1, 2
	default:
		m.Dir = "r"
		if to < from {
			m.Dir = "l"
		}
		before, span = 2*lo+1, 2*(hi-lo)
	}
	m.Span = span
	m.Edge = before+span < 2*n+1
	m.Pre, m.Post = before, 2*n+1-before-span
	for _, c := range t.Sent {
		m.Sent = append(m.Sent, vis(c, htmlShort))
	}
	for _, c := range t.Set {
		m.Set = append(m.Set, vis(c, htmlShort))
	}
	for _, b := range t.Blocked {
		m.Blocked = append(m.Blocked, parseBlocked(b))
	}
	return m
}

// parseBlocked splits TraceLine's "name (Reason, Reason)" and says what
// each reason means.
func parseBlocked(s string) htmlBlocked {
	i := strings.LastIndex(s, " (")
	if i < 0 || !strings.HasSuffix(s, ")") {
		return htmlBlocked{Name: vis(s, htmlShort)}
	}
	b := htmlBlocked{Name: vis(s[:i], htmlShort)}
	for _, code := range strings.Split(s[i+2:len(s)-1], ", ") {
		text := blockReasonText[browser.BlockReason(code)]
		b.Reasons = append(b.Reasons, htmlReason{Code: vis(code, htmlShort), Text: text})
	}
	return b
}

// vis makes a value safe to show as text and bounded: control characters
// become their visible Unicode pictures (␛ for ESC), bidi overrides and
// invisible characters are shown as ⟨U+202E⟩, invalid UTF-8 as U+FFFD, and
// text past limit runes is cut with a note of how much was left out.
// (html/template then escapes the markup characters.)
func vis(s string, limit int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean && len(s) <= limit {
		return s
	}
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == limit {
			fmt.Fprintf(&b, "… (%d more characters)", utf8.RuneCountInString(s[i:]))
			break
		}
		n++
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune('\u2421')
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case r >= 0x80 && r <= 0x9f, r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e,
			r >= 0x2060 && r <= 0x2069, r == 0xfeff, r == 0x2028, r == 0x2029:
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
