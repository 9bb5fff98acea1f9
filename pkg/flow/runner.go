package flow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/token"
)

// Runner runs flow files against one provider.
type Runner struct {
	// Issuer is the provider's issuer URL.
	Issuer string
	// Profiles, when set, runs every flow once under each profile instead of
	// the profile the file or flow names.
	Profiles []string
	// Parallel is how many flows run at once (default 1).
	Parallel int
	// Transport carries every request; nil means browser.DefaultTransport().
	Transport http.RoundTripper
	// Now is the cookie jars' clock; nil means time.Now.
	Now func() time.Time
	// Admin is told about fault steps' requests: nil means POSTing JSON to
	// <issuer>/_ssokit/…, ssokit's admin API.
	Admin http.RoundTripper
}

// Result is the outcome of one flow file.
type Result struct {
	File     string        `json:"file"`
	Issuer   string        `json:"issuer"`
	Flows    []*FlowResult `json:"flows"`
	Duration time.Duration `json:"duration_ns"`
}

// Passed reports whether every flow passed.
func (r *Result) Passed() bool {
	for _, f := range r.Flows {
		if !f.Passed {
			return false
		}
	}
	return true
}

// FlowResult is the outcome of one flow under one browser profile.
type FlowResult struct {
	Name     string        `json:"name"`
	Browser  string        `json:"browser"`
	Passed   bool          `json:"passed"`
	Duration time.Duration `json:"duration_ns"`
	Steps    []*StepResult `json:"steps"`
}

// Status of a step.
const (
	StatusPass = "pass"
	StatusFail = "fail"
	StatusSkip = "skip"
)

// StepResult is the outcome of one step.
type StepResult struct {
	Kind     string        `json:"kind"`
	Label    string        `json:"label"`
	Line     int           `json:"line"`
	Col      int           `json:"col,omitempty"`
	Status   string        `json:"status"`
	Duration time.Duration `json:"duration_ns"`
	// Outcome says what happened: "tokens (sub alice)", "error login_required".
	Outcome string `json:"outcome,omitempty"`
	// Failures lists every expectation that did not hold, or the error.
	Failures []string `json:"failures,omitempty"`
	// Explanation is one sentence saying which browser policy caused an
	// authentication error, when one did.
	Explanation string      `json:"explanation,omitempty"`
	Trace       []TraceLine `json:"trace,omitempty"`
	// TraceOmitted counts the requests past MaxTraceLines left out of Trace.
	TraceOmitted int `json:"trace_omitted,omitempty"`
}

// MaxTraceLines bounds the requests kept per step (a redirect loop, say,
// would otherwise grow the results and the reports without limit).
const MaxTraceLines = 100

// TraceLine is one request of a step, named by the parties involved.
type TraceLine struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Context string   `json:"context"`
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Status  int      `json:"status,omitempty"`
	Note    string   `json:"note,omitempty"`
	Sent    []string `json:"cookies_sent,omitempty"`
	Blocked []string `json:"cookies_blocked,omitempty"`
	// Set lists the response's Set-Cookie headers: "name", "name (deleted)"
	// or "name (rejected: Reason)".
	Set      []string      `json:"cookies_set,omitempty"`
	Duration time.Duration `json:"duration_ns,omitempty"`
}

// Run runs every flow of f. The error is non-nil only when nothing could
// run: the issuer is unreachable or is not an OpenID provider.
func (r *Runner) Run(ctx context.Context, f *File) (*Result, error) {
	start := time.Now()
	tr := r.Transport
	if tr == nil {
		tr = browser.DefaultTransport()
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	disc, err := Discover(ctx, client, r.Issuer)
	if err != nil {
		return nil, err
	}
	keys := token.NewRemoteKeySet(client, disc.JWKSURI)
	type job struct {
		flow    *Flow
		profile string
	}
	var jobs []job
	for _, fl := range f.Flows {
		if len(r.Profiles) > 0 {
			for _, p := range r.Profiles {
				jobs = append(jobs, job{fl, p})
			}
			continue
		}
		p := fl.Browser
		if p == "" {
			p = f.Browser
		}
		jobs = append(jobs, job{fl, p})
	}
	res := &Result{File: f.Path, Issuer: r.Issuer, Flows: make([]*FlowResult, len(jobs))}
	runJob := func(i int) {
		fr := &flowRun{r: r, file: f, flow: jobs[i].flow, disc: disc, keys: keys, client: client, transport: tr}
		res.Flows[i] = fr.run(ctx, jobs[i].profile)
	}
	// Faults are provider-wide: a flow with fault steps runs alone, after
	// the others, so it neither disturbs them nor is disturbed.
	var shared, exclusive []int
	for i, j := range jobs {
		if hasFault(j.flow) {
			exclusive = append(exclusive, i)
		} else {
			shared = append(shared, i)
		}
	}
	sem := make(chan struct{}, max(r.Parallel, 1))
	var wg sync.WaitGroup
	for _, i := range shared {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			runJob(i)
		}()
	}
	wg.Wait()
	for _, i := range exclusive {
		runJob(i)
	}
	res.Duration = time.Since(start)
	return res, nil
}

func hasFault(f *Flow) bool {
	for _, st := range f.Steps {
		if _, ok := st.act.(*faultStep); ok {
			return true
		}
	}
	return false
}

// flowRun is the state of one flow in its own browser.
type flowRun struct {
	r         *Runner
	file      *File
	flow      *Flow
	disc      *oidc.Discovery
	keys      *token.KeySet // the provider's JWKS, fetched once per run
	client    *http.Client
	transport http.RoundTripper
	b         *browser.Browser
	profile   browser.Profile
	issuerURL *url.URL
	tokens    map[string]*tokenSet // by app name
	// lastExchanges are the current step's requests.
	lastExchanges []browser.Exchange
}

func (fr *flowRun) run(ctx context.Context, profileName string) *FlowResult {
	start := time.Now()
	out := &FlowResult{Name: fr.flow.Name, Browser: profileName, Passed: true}
	p, err := browser.LookupProfile(profileName)
	if err != nil { // validated at parse time; --browser is checked by the command
		out.Passed = false
		out.Steps = append(out.Steps, &StepResult{Kind: "setup", Label: "browser " + profileName, Status: StatusFail, Failures: []string{err.Error()}})
		return out
	}
	fr.profile = p
	fr.issuerURL, _ = url.Parse(fr.r.Issuer)
	fr.tokens = map[string]*tokenSet{}
	fr.b = browser.New(browser.Options{Profile: p, Transport: fr.transport, Now: fr.r.Now, Intercept: fr.intercepts})
	for _, st := range fr.flow.Steps {
		sr := &StepResult{Kind: st.Kind, Label: st.act.label(), Line: st.Pos.Line, Col: st.Pos.Col}
		out.Steps = append(out.Steps, sr)
		if !out.Passed {
			sr.Status = StatusSkip
			continue
		}
		fr.runStep(ctx, st, sr)
		if sr.Status == StatusFail {
			out.Passed = false
		}
		if ctx.Err() != nil && sr.Status != StatusFail {
			sr.Status, out.Passed = StatusFail, false
			sr.Failures = append(sr.Failures, "interrupted: "+ctx.Err().Error())
		}
	}
	out.Duration = time.Since(start)
	return out
}

// intercepts reports URLs on an app's origin that are not the provider's:
// nothing listens there, the app's JavaScript would take over.
func (fr *flowRun) intercepts(u *url.URL) bool {
	if fr.underIssuer(u) {
		return false
	}
	for _, a := range fr.file.Apps {
		if strings.EqualFold(browser.Origin(u), a.Origin) {
			return true
		}
	}
	return false
}

func (fr *flowRun) underIssuer(u *url.URL) bool {
	if fr.issuerURL == nil || !browser.SameOrigin(u, fr.issuerURL) {
		return false
	}
	base := strings.TrimSuffix(fr.issuerURL.Path, "/")
	return base == "" || u.Path == base || strings.HasPrefix(u.Path, base+"/")
}

// party names who a URL belongs to in arrow diagrams.
func (fr *flowRun) party(u *url.URL) string {
	if u == nil {
		return "browser"
	}
	if fr.underIssuer(u) {
		return "provider"
	}
	for _, a := range fr.file.Apps {
		if ru, err := url.Parse(a.RedirectURI); err == nil && browser.SameOrigin(ru, u) && ru.Path == u.Path {
			return a.Name
		}
	}
	for _, a := range fr.file.Apps {
		if strings.EqualFold(browser.Origin(u), a.Origin) {
			return a.Name
		}
	}
	return u.Host
}

func (fr *flowRun) runStep(ctx context.Context, st *Step, sr *StepResult) {
	timeout := st.Timeout
	if timeout == 0 {
		timeout = fr.file.Timeout
	}
	if timeout == 0 {
		timeout = DefaultStepTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	o := st.act.run(sctx, fr)
	sr.Duration = time.Since(start)
	fr.lastExchanges = fr.b.TakeTrace()
	ex, omitted := boundTrace(fr.lastExchanges)
	sr.Trace, sr.TraceOmitted = fr.traceLines(ex), omitted
	if o.err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		o.err = fmt.Errorf("timed out after %s (the step timeout; set timeout: on the step or the file to change it)", timeout)
	}
	sr.Outcome = o.describe()
	if o.authErr != nil {
		sr.Explanation = fr.explain(st, sr, o)
	}
	if o.explanation != "" {
		sr.Explanation = o.explanation
	}
	sr.Failures = fr.check(sctx, st, o)
	sr.Status = StatusPass
	if len(sr.Failures) > 0 {
		sr.Status = StatusFail
	}
}

// boundTrace keeps a step's first MaxTraceLines requests and counts the rest.
func boundTrace(ex []browser.Exchange) ([]browser.Exchange, int) {
	if len(ex) > MaxTraceLines {
		return ex[:MaxTraceLines], len(ex) - MaxTraceLines
	}
	return ex, 0
}

func (fr *flowRun) traceLines(ex []browser.Exchange) []TraceLine {
	out := make([]TraceLine, 0, len(ex))
	for _, e := range ex {
		from := fr.party(e.Initiator)
		if e.RedirectedBy != nil {
			from = fr.party(e.RedirectedBy) // who sent the browser here
		}
		tl := TraceLine{From: from, To: fr.party(e.URL), Context: e.Context.String(), Method: e.Method,
			URL: shortURL(e.URL), Status: e.Status, Note: e.Note, Duration: e.Duration}
		if !e.Navigation {
			tl.Context = "fetch"
		}
		if e.Err != nil {
			tl.Note = unwrapURLError(e.Err).Error()
		}
		for _, c := range e.Sent {
			tl.Sent = append(tl.Sent, c.Name)
		}
		for _, bl := range e.Blocked {
			rs := make([]string, len(bl.Reasons))
			for i, r := range bl.Reasons {
				rs[i] = string(r)
			}
			tl.Blocked = append(tl.Blocked, bl.Cookie.Name+" ("+strings.Join(rs, ", ")+")")
		}
		for _, sc := range e.SetCookies {
			switch {
			case sc.Deleted:
				tl.Set = append(tl.Set, sc.Name+" (deleted)")
			case sc.Stored:
				tl.Set = append(tl.Set, sc.Name)
			default:
				tl.Set = append(tl.Set, sc.Name+" (rejected: "+string(sc.Reason)+")")
			}
		}
		out = append(out, tl)
	}
	return out
}

// shortURL keeps the query parameters that tell a flow's story (client_id,
// prompt, response_mode, error) and elides the rest, secrets included.
func shortURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	s := u.Path
	if s == "" {
		s = "/"
	}
	if u.RawQuery == "" {
		return s
	}
	q := u.Query()
	var parts []string
	for _, k := range []string{"client_id", "prompt", "response_mode", "error"} {
		if v := q.Get(k); v != "" {
			parts = append(parts, k+"="+v)
			q.Del(k)
		}
	}
	if len(q) > 0 {
		parts = append(parts, "…")
	}
	return s + "?" + strings.Join(parts, "&")
}
