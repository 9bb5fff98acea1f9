package flow

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// Diag is one problem in a flow file.
type Diag struct {
	File string
	Pos  Pos
	Msg  string
	// Source is the offending line; Width how many of its characters from
	// Pos.Col the problem spans.
	Source string
	Width  int
}

func (d Diag) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s", d.File, d.Pos.Line, d.Pos.Col, d.Msg)
	if d.Source != "" {
		fmt.Fprintf(&b, "\n  %4d | %s\n       | %s%s", d.Pos.Line, d.Source,
			strings.Repeat(" ", max(d.Pos.Col-1, 0)), "^"+strings.Repeat("~", max(d.Width-1, 0)))
	}
	return b.String()
}

// ParseError lists every problem found in a flow file.
type ParseError struct {
	Diags []Diag
}

func (e *ParseError) Error() string {
	parts := make([]string, len(e.Diags))
	for i, d := range e.Diags {
		parts[i] = d.String()
	}
	return strings.Join(parts, "\n")
}

// ReadFile reads and parses a flow file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// maxFileSize bounds what Parse accepts.
const maxFileSize = 1 << 20

// Parse parses and validates a flow file. On failure the error is a
// *ParseError listing every problem, each at file:line:col.
func Parse(name string, src []byte) (*File, error) {
	p := &fileParser{name: name, lines: strings.Split(string(src), "\n"), anchors: map[string]ast.Node{}}
	if len(src) > maxFileSize {
		p.diags = append(p.diags, Diag{File: name, Pos: Pos{1, 1}, Msg: fmt.Sprintf("file is %d bytes, more than the %d a flow file may have", len(src), maxFileSize)})
		return nil, &ParseError{Diags: p.diags}
	}
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			tk := ye.GetToken()
			p.add(Pos{tk.Position.Line, tk.Position.Column}, len(tk.Value), "YAML: %s", ye.GetMessage())
		} else {
			p.add(Pos{1, 1}, 0, "YAML: %v", err)
		}
		return nil, &ParseError{Diags: p.diags}
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		if body != nil {
			p.errAt(d.Body, "a flow file holds one YAML document")
			break
		}
		body = d.Body
	}
	if body == nil {
		p.add(Pos{1, 1}, 0, "empty flow file: it needs at least apps and flows (see `ssokit flow init`)")
		return nil, &ParseError{Diags: p.diags}
	}
	out := p.file(body)
	if len(p.diags) > 0 {
		sort.SliceStable(p.diags, func(i, j int) bool {
			a, b := p.diags[i].Pos, p.diags[j].Pos
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		return nil, &ParseError{Diags: p.diags}
	}
	out.Path = name
	return out, nil
}

type fileParser struct {
	name    string
	lines   []string
	diags   []Diag
	anchors map[string]ast.Node
}

func (p *fileParser) add(pos Pos, width int, format string, args ...any) {
	d := Diag{File: p.name, Pos: pos, Msg: fmt.Sprintf(format, args...), Width: width}
	if pos.Line >= 1 && pos.Line <= len(p.lines) {
		d.Source = strings.TrimRight(p.lines[pos.Line-1], "\r")
		if rest := len(d.Source) - (pos.Col - 1); d.Width > rest {
			d.Width = max(rest, 1)
		}
	}
	p.diags = append(p.diags, d)
}

func posOf(n ast.Node) Pos {
	if n == nil || n.GetToken() == nil {
		return Pos{1, 1}
	}
	tk := n.GetToken()
	return Pos{tk.Position.Line, tk.Position.Column}
}

func widthOf(n ast.Node) int {
	if n == nil || n.GetToken() == nil {
		return 1
	}
	return max(len(n.GetToken().Value), 1)
}

func (p *fileParser) errAt(n ast.Node, format string, args ...any) {
	p.add(posOf(n), widthOf(n), format, args...)
}

// resolve strips tags and anchors and follows aliases.
func (p *fileParser) resolve(n ast.Node) ast.Node {
	for i := 0; i < 64 && n != nil; i++ {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			if v.Name != nil {
				p.anchors[v.Name.GetToken().Value] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.GetToken().Value
			}
			target, ok := p.anchors[name]
			if !ok {
				p.errAt(n, "unknown alias *%s", name)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return n
}

// pair is one key: value of a mapping.
type pair struct {
	key   string
	keyN  ast.Node
	value ast.Node
}

// mapping returns the pairs of a mapping node; what names the mapping in
// errors ("step", "app shell").
func (p *fileParser) mapping(n ast.Node, what string) ([]pair, bool) {
	n = p.resolve(n)
	var mvs []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		mvs = v.Values
	case *ast.MappingValueNode:
		mvs = []*ast.MappingValueNode{v}
	case nil, *ast.NullNode:
		return nil, true
	default:
		p.errAt(n, "%s must be a mapping (key: value), got %s", what, describe(n))
		return nil, false
	}
	seen := map[string]bool{}
	out := make([]pair, 0, len(mvs))
	for _, mv := range mvs {
		k, ok := p.scalar(mv.Key)
		if !ok {
			continue
		}
		if seen[k] {
			p.errAt(mv.Key, "duplicate key %q in %s", k, what)
			continue
		}
		seen[k] = true
		out = append(out, pair{key: k, keyN: mv.Key, value: mv.Value})
	}
	return out, true
}

func (p *fileParser) sequence(n ast.Node, what string) ([]ast.Node, bool) {
	n = p.resolve(n)
	switch v := n.(type) {
	case *ast.SequenceNode:
		return v.Values, true
	case nil, *ast.NullNode:
		return nil, true
	}
	p.errAt(n, "%s must be a list, got %s", what, describe(n))
	return nil, false
}

func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode, nil:
		return "nothing"
	}
	return fmt.Sprintf("%q", n.GetToken().Value)
}

// scalar returns a scalar's text.
func (p *fileParser) scalar(n ast.Node) (string, bool) {
	n = p.resolve(n)
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value, true
		}
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	case *ast.NullNode:
		return "", true
	case nil:
		return "", false
	}
	p.errAt(n, "want a single value, got %s", describe(n))
	return "", false
}

func (p *fileParser) str(n ast.Node, what string) string {
	s, ok := p.scalar(n)
	if ok && s == "" {
		p.errAt(n, "%s must not be empty", what)
	}
	return s
}

func (p *fileParser) boolean(n ast.Node, what string) *bool {
	s, ok := p.scalar(n)
	if !ok {
		return nil
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		t := true
		return &t
	case "false", "no", "off":
		f := false
		return &f
	}
	p.errAt(n, "%s must be true or false, got %q", what, s)
	return nil
}

func (p *fileParser) duration(n ast.Node, what string) time.Duration {
	s, ok := p.scalar(n)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if secs, err2 := strconv.ParseFloat(s, 64); err2 == nil && secs >= 0 {
			return time.Duration(secs * float64(time.Second))
		}
		p.errAt(n, "%s must be a duration such as 500ms, 2s or 1m, got %q", what, s)
		return 0
	}
	if d < 0 {
		p.errAt(n, "%s must not be negative, got %q", what, s)
		return 0
	}
	return d
}

// value converts a node into plain Go values (for claims and faults).
func (p *fileParser) value(n ast.Node, depth int) any {
	n = p.resolve(n)
	if depth > 32 {
		p.errAt(n, "value nested too deeply")
		return nil
	}
	switch v := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		pairs, _ := p.mapping(v, "value")
		m := map[string]any{}
		for _, pr := range pairs {
			m[pr.key] = p.value(pr.value, depth+1)
		}
		return m
	case *ast.SequenceNode:
		out := make([]any, 0, len(v.Values))
		for _, e := range v.Values {
			out = append(out, p.value(e, depth+1))
		}
		return out
	case *ast.IntegerNode:
		if i, ok := v.Value.(int64); ok {
			return i
		}
		if u, ok := v.Value.(uint64); ok {
			return float64(u)
		}
		return v.GetToken().Value
	case *ast.FloatNode:
		return v.Value
	case *ast.BoolNode:
		return v.Value
	case *ast.NullNode, nil:
		return nil
	}
	s, _ := p.scalar(n)
	return s
}

// keys checks a mapping's keys against the allowed set.
func (p *fileParser) unknownKey(pr pair, where string, allowed ...string) {
	hint := ""
	if s := closest(pr.key, allowed); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	p.errAt(pr.keyN, "unknown key %q in %s (want one of %s)%s", pr.key, where, strings.Join(allowed, ", "), hint)
}

var topKeys = []string{"provider", "browser", "timeout", "session_cookie", "signing_alg", "apps", "users", "flows"}

func (p *fileParser) file(n ast.Node) *File {
	f := &File{Provider: "embedded", Browser: "chrome", Timeout: DefaultStepTimeout}
	pairs, ok := p.mapping(n, "a flow file")
	if !ok {
		return f
	}
	var appsN, flowsN ast.Node
	var flowsPairs ast.Node
	for _, pr := range pairs {
		switch pr.key {
		case "provider":
			f.Provider = p.str(pr.value, "provider")
			if f.Provider != "embedded" {
				u, err := url.Parse(f.Provider)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					p.errAt(pr.value, "provider must be \"embedded\" or an issuer URL such as http://localhost:9400/, got %q", f.Provider)
				}
			}
		case "browser":
			f.Browser = p.profile(pr.value)
		case "timeout":
			f.Timeout = p.duration(pr.value, "timeout")
			if f.Timeout == 0 {
				f.Timeout = DefaultStepTimeout
			}
		case "signing_alg":
			f.SigningAlg = strings.ToUpper(p.str(pr.value, "signing_alg"))
			if f.SigningAlg != "RS256" && f.SigningAlg != "ES256" {
				p.errAt(pr.value, "signing_alg must be RS256 or ES256, got %q", f.SigningAlg)
			}
		case "session_cookie":
			fields, _ := p.mapping(pr.value, "session_cookie")
			for _, fl := range fields {
				if fl.key != "same_site" {
					p.unknownKey(fl, "session_cookie", "same_site")
					continue
				}
				f.SessionSameSite = strings.ToLower(p.str(fl.value, "same_site"))
				switch f.SessionSameSite {
				case "lax", "strict", "none":
				default:
					p.errAt(fl.value, "same_site must be lax, strict or none, got %q", f.SessionSameSite)
				}
			}
		case "apps":
			appsN = pr.value
		case "users":
			f.Users = p.users(pr.value)
		case "flows":
			flowsN, flowsPairs = pr.value, pr.keyN
		default:
			p.unknownKey(pr, "the flow file", topKeys...)
		}
	}
	if appsN == nil {
		p.errAt(n, "the flow file has no apps: declare at least one under apps:")
	} else {
		f.Apps = p.apps(appsN)
	}
	if flowsN == nil {
		p.errAt(n, "the flow file has no flows: add at least one under flows:")
	} else {
		f.Flows = p.flows(flowsN, f)
		if len(f.Flows) == 0 && flowsPairs != nil {
			p.errAt(flowsPairs, "flows is empty: add at least one flow")
		}
	}
	return f
}

func (p *fileParser) profile(n ast.Node) string {
	s := p.str(n, "browser")
	if s == "" {
		return "chrome"
	}
	if _, err := browser.LookupProfile(s); err != nil {
		p.errAt(n, "%v", err)
	}
	return s
}

var appKeys = []string{"client_id", "origin", "redirect_uri", "mode", "response_mode", "scope", "post_logout_redirect_uri", "frontchannel_logout_uri"}

func (p *fileParser) apps(n ast.Node) []*App {
	pairs, _ := p.mapping(n, "apps")
	var out []*App
	for _, pr := range pairs {
		a := &App{Name: pr.key, Pos: posOf(pr.keyN), Mode: "iframe"}
		fields, ok := p.mapping(pr.value, "app "+pr.key)
		if !ok {
			continue
		}
		var originN, redirectN ast.Node
		for _, fl := range fields {
			switch fl.key {
			case "client_id":
				a.ClientID = p.str(fl.value, "client_id")
			case "origin":
				a.Origin, originN = p.str(fl.value, "origin"), fl.value
			case "redirect_uri":
				a.RedirectURI, redirectN = p.str(fl.value, "redirect_uri"), fl.value
			case "mode":
				a.Mode = p.str(fl.value, "mode")
				if a.Mode != "iframe" && a.Mode != "popup" {
					p.errAt(fl.value, "mode must be iframe or popup (how the app runs silent authentication), got %q", a.Mode)
				}
			case "response_mode":
				a.ResponseMode = p.str(fl.value, "response_mode")
				switch a.ResponseMode {
				case "query", "fragment", "form_post", "web_message":
				default:
					p.errAt(fl.value, "response_mode must be query, fragment, form_post or web_message, got %q", a.ResponseMode)
				}
			case "scope":
				a.Scope = p.str(fl.value, "scope")
			case "post_logout_redirect_uri":
				a.PostLogoutRedirectURI = p.absURL(fl.value, "post_logout_redirect_uri")
			case "frontchannel_logout_uri":
				a.FrontchannelLogoutURI = p.absURL(fl.value, "frontchannel_logout_uri")
			default:
				p.unknownKey(fl, "app "+pr.key, appKeys...)
			}
		}
		if a.ClientID == "" {
			a.ClientID = a.Name
		}
		if originN != nil {
			u, err := url.Parse(a.Origin)
			if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
				p.errAt(originN, "origin must be scheme://host[:port], such as http://localhost:5101, got %q", a.Origin)
			} else {
				a.Origin = strings.TrimSuffix(a.Origin, "/")
			}
		}
		if redirectN == nil {
			if a.Origin != "" {
				a.RedirectURI = a.Origin + "/callback"
			} else {
				p.errAt(pr.keyN, "app %s needs an origin or a redirect_uri", pr.key)
			}
		} else if u := p.absURL(redirectN, "redirect_uri"); u != "" && a.Origin == "" {
			ru, _ := url.Parse(u)
			a.Origin = browser.Origin(ru)
		}
		if a.Scope == "" {
			a.Scope = "openid profile email offline_access"
		}
		out = append(out, a)
	}
	if len(pairs) == 0 {
		p.errAt(n, "apps is empty: declare at least one app")
	}
	return out
}

func (p *fileParser) absURL(n ast.Node, what string) string {
	s := p.str(n, what)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		p.errAt(n, "%s must be an absolute http(s) URL without a fragment, got %q", what, s)
		return ""
	}
	return s
}

func (p *fileParser) users(n ast.Node) []*User {
	pairs, _ := p.mapping(n, "users")
	var out []*User
	for _, pr := range pairs {
		u := &User{Name: pr.key, Password: pr.key, Pos: posOf(pr.keyN)}
		fields, _ := p.mapping(pr.value, "user "+pr.key)
		for _, fl := range fields {
			switch fl.key {
			case "password":
				u.Password, _ = p.scalar(fl.value)
			case "claims":
				if m, ok := p.value(fl.value, 0).(map[string]any); ok {
					u.Claims = m
				} else {
					p.errAt(fl.value, "claims of user %s must be a mapping", pr.key)
				}
			default:
				p.unknownKey(fl, "user "+pr.key, "password", "claims")
			}
		}
		out = append(out, u)
	}
	return out
}

func (p *fileParser) flows(n ast.Node, f *File) []*Flow {
	items, _ := p.sequence(n, "flows")
	var out []*Flow
	names := map[string]bool{}
	for i, it := range items {
		fl := &Flow{Pos: posOf(it)}
		pairs, ok := p.mapping(it, "a flow")
		if !ok {
			continue
		}
		var stepsN ast.Node
		for _, pr := range pairs {
			switch pr.key {
			case "name":
				fl.Name = p.str(pr.value, "name")
				if names[fl.Name] {
					p.errAt(pr.value, "two flows are named %q", fl.Name)
				}
				names[fl.Name] = true
			case "browser":
				fl.Browser = p.profile(pr.value)
			case "steps":
				stepsN = pr.value
			default:
				p.unknownKey(pr, "a flow", "name", "browser", "steps")
			}
		}
		if fl.Name == "" {
			fl.Name = fmt.Sprintf("flow %d", i+1)
		}
		if stepsN == nil {
			p.errAt(it, "flow %q has no steps", fl.Name)
		} else {
			fl.Steps = p.steps(stepsN, f, fl)
		}
		out = append(out, fl)
	}
	return out
}

var faultKeys = []string{"endpoint", "client_id", "latency", "error", "clock_skew", "access_token_ttl", "count", "for"}

var stepKeys = append(append([]string{}, StepKinds...), "expect", "timeout")

func (p *fileParser) steps(n ast.Node, f *File, fl *Flow) []*Step {
	items, _ := p.sequence(n, "steps")
	if len(items) == 0 {
		p.errAt(n, "flow %q has no steps", fl.Name)
	}
	var out []*Step
	for _, it := range items {
		pairs, ok := p.mapping(it, "a step")
		if !ok {
			continue
		}
		st := &Step{Pos: posOf(it)}
		var kindPair *pair
		for i := range pairs {
			pr := pairs[i]
			switch {
			case isStepKind(pr.key):
				if kindPair != nil {
					p.errAt(pr.keyN, "a step does one thing: %q and %q are two steps", kindPair.key, pr.key)
					continue
				}
				kindPair = &pairs[i]
			case pr.key == "expect":
				st.Expect = p.expect(pr.value, f)
			case pr.key == "timeout":
				st.Timeout = p.duration(pr.value, "timeout")
			default:
				hint := ""
				if s := closest(pr.key, stepKeys); s != "" {
					hint = fmt.Sprintf("; did you mean %q?", s)
				}
				p.errAt(pr.keyN, "unknown step %q (want one of %s, with optional expect and timeout)%s", pr.key, strings.Join(StepKinds, ", "), hint)
			}
		}
		if kindPair == nil {
			if len(pairs) > 0 && !isUnknownOnly(pairs) {
				p.errAt(it, "the step says no action: start it with one of %s", strings.Join(StepKinds, ", "))
			}
			continue
		}
		st.Kind = kindPair.key
		st.Pos = posOf(kindPair.keyN)
		p.stepArgs(st, *kindPair, f)
		out = append(out, st)
	}
	return out
}

func isUnknownOnly(pairs []pair) bool {
	for _, pr := range pairs {
		if pr.key == "expect" || pr.key == "timeout" {
			return false
		}
	}
	return true
}

func isStepKind(s string) bool {
	for _, k := range StepKinds {
		if k == s {
			return true
		}
	}
	return false
}

func (p *fileParser) stepArgs(st *Step, kp pair, f *File) {
	switch st.Kind {
	case StepWait:
		v := p.resolve(kp.value)
		if _, isMap := v.(*ast.MappingNode); isMap {
			fields, _ := p.mapping(v, "wait")
			for _, fl := range fields {
				if fl.key == "duration" {
					st.Duration = p.duration(fl.value, "wait duration")
				} else {
					p.unknownKey(fl, "wait", "duration")
				}
			}
		} else {
			st.Duration = p.duration(v, "wait")
		}
		if st.Duration > time.Hour {
			p.errAt(kp.value, "wait is longer than an hour: a flow is a test, not a schedule")
		}
		return
	case StepFault:
		v := p.resolve(kp.value)
		switch v.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			fields, _ := p.mapping(v, "fault")
			st.Fault = map[string]any{}
			for _, fl := range fields {
				switch fl.key {
				case "latency", "clock_skew", "access_token_ttl", "for":
					s, _ := p.scalar(fl.value)
					if _, err := time.ParseDuration(strings.TrimPrefix(s, "-")); err != nil {
						p.errAt(fl.value, "fault %s must be a duration such as 200ms or 5m, got %q", fl.key, s)
					}
					st.Fault[fl.key] = s
				case "count":
					s, _ := p.scalar(fl.value)
					n, err := strconv.Atoi(s)
					if err != nil || n < 0 {
						p.errAt(fl.value, "fault count must be a whole number, got %q", s)
					}
					st.Fault[fl.key] = n
				case "endpoint", "client_id", "error":
					st.Fault[fl.key] = p.str(fl.value, "fault "+fl.key)
				default:
					p.unknownKey(fl, "fault", faultKeys...)
				}
			}
			if len(fields) == 0 {
				p.errAt(kp.keyN, "fault is empty")
			}
			return
		}
		s, _ := p.scalar(v)
		if s == "clear" || s == "rotate_keys" || s == "end_sessions" {
			st.Fault = map[string]any{s: true}
			return
		}
		p.errAt(kp.value, "fault must be a mapping such as {endpoint: token, error: temporarily_unavailable, count: 1}, or one of clear, rotate_keys, end_sessions; got %s", describe(v))
		return
	}
	// The rest act for an app: `login: shell` or `login: {app: shell, user: alice}`.
	v := p.resolve(kp.value)
	var appN ast.Node
	switch v.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		fields, _ := p.mapping(v, kp.key)
		for _, fl := range fields {
			switch {
			case fl.key == "app":
				st.App, appN = p.str(fl.value, "app"), fl.value
			case fl.key == "user" && (st.Kind == StepLogin || st.Kind == StepRedirect):
				st.User = p.str(fl.value, "user")
				if f.User(st.User) == nil {
					p.errAt(fl.value, "unknown user %q: declare it under users:%s", st.User, knownList(userNames(f)))
				}
			case fl.key == "password" && (st.Kind == StepLogin || st.Kind == StepRedirect):
				st.Password, _ = p.scalar(fl.value)
			default:
				allowed := []string{"app"}
				if st.Kind == StepLogin || st.Kind == StepRedirect {
					allowed = append(allowed, "user", "password")
				}
				p.unknownKey(fl, kp.key+" step", allowed...)
			}
		}
	default:
		st.App, appN = p.str(v, "app"), v
	}
	if appN == nil {
		p.errAt(kp.keyN, "%s needs an app: %s: {app: NAME}", kp.key, kp.key)
		return
	}
	if st.App != "" && f.App(st.App) == nil {
		p.errAt(appN, "unknown app %q%s", st.App, knownList(appNames(f)))
	}
	if st.Kind == StepLogin && st.User == "" {
		p.errAt(kp.keyN, "login needs a user: login: {app: %s, user: NAME}", st.App)
	}
}

func knownList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (declared: " + strings.Join(names, ", ") + ")"
}

func appNames(f *File) []string {
	var out []string
	for _, a := range f.Apps {
		out = append(out, a.Name)
	}
	return out
}

func userNames(f *File) []string {
	var out []string
	for _, u := range f.Users {
		out = append(out, u.Name)
	}
	return out
}

var expectKeys = []string{"tokens", "error", "claims", "claims_contain", "claims_match", "same_sub_as", "same_session_as", "lifetime", "signature", "refresh_token", "frontchannel"}

func (p *fileParser) expect(n ast.Node, f *File) *Expect {
	e := &Expect{Pos: posOf(n)}
	pairs, _ := p.mapping(n, "expect")
	claimMap := func(pr pair) map[string]any {
		m, ok := p.value(pr.value, 0).(map[string]any)
		if !ok {
			p.errAt(pr.value, "%s must be a mapping of claim: value", pr.key)
		}
		return m
	}
	appRef := func(pr pair) string {
		s := p.str(pr.value, pr.key)
		if s != "" && f.App(s) == nil {
			p.errAt(pr.value, "unknown app %q%s", s, knownList(appNames(f)))
		}
		return s
	}
	for _, pr := range pairs {
		switch pr.key {
		case "tokens":
			e.Tokens = p.boolean(pr.value, "tokens")
		case "error":
			e.Error = p.str(pr.value, "error")
		case "claims":
			e.Claims = claimMap(pr)
		case "claims_contain":
			e.ClaimsContain = claimMap(pr)
		case "claims_match":
			fields, _ := p.mapping(pr.value, "claims_match")
			e.ClaimsMatch = map[string]*regexp.Regexp{}
			for _, fl := range fields {
				s, _ := p.scalar(fl.value)
				re, err := regexp.Compile(s)
				if err != nil {
					p.errAt(fl.value, "claims_match %s: bad regular expression: %v", fl.key, err)
					continue
				}
				e.ClaimsMatch[fl.key] = re
			}
		case "same_sub_as":
			e.SameSubAs = appRef(pr)
		case "same_session_as":
			e.SameSessionAs = appRef(pr)
		case "lifetime":
			fields, _ := p.mapping(pr.value, "lifetime")
			for _, fl := range fields {
				switch fl.key {
				case "min":
					e.LifetimeMin = p.duration(fl.value, "lifetime min")
				case "max":
					e.LifetimeMax = p.duration(fl.value, "lifetime max")
				default:
					p.unknownKey(fl, "lifetime", "min", "max")
				}
			}
			if e.LifetimeMax > 0 && e.LifetimeMin > e.LifetimeMax {
				p.errAt(pr.value, "lifetime min %s is above max %s", e.LifetimeMin, e.LifetimeMax)
			}
		case "signature":
			s, _ := p.scalar(pr.value)
			switch strings.ToLower(s) {
			case "verified", "true", "valid":
				e.Signature = true
			default:
				p.errAt(pr.value, "signature takes one value, verified; got %q", s)
			}
		case "refresh_token":
			e.RefreshToken = p.boolean(pr.value, "refresh_token")
		case "frontchannel":
			items, _ := p.sequence(pr.value, "frontchannel")
			for _, it := range items {
				e.Frontchannel = append(e.Frontchannel, appRef(pair{key: "frontchannel", value: it}))
			}
		default:
			p.unknownKey(pr, "expect", expectKeys...)
		}
	}
	if e.Tokens != nil && *e.Tokens && e.Error != "" {
		p.errAt(n, "expect asks for tokens and for error %q at once", e.Error)
	}
	return e
}

// closest returns the candidate within edit distance 2 of s, if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
