package flow

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
)

// Diag is one problem in a flow file; ParseError lists every problem found
// in one, each at file:line:col with the offending line.
type (
	Diag       = yamlfile.Diag
	ParseError = yamlfile.Errors
	Pos        = yamlfile.Pos
)

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
// *ParseError listing every problem, each at file:line:col. Alias expansion
// and nesting are bounded before anything is built (see yamlfile).
func Parse(name string, src []byte) (*File, error) {
	p := &fileParser{Reader: yamlfile.NewReader(name, src)}
	f := p.Reader.Parse(src, maxFileSize, 0)
	if f == nil {
		return nil, p.Err()
	}
	body := p.Body(f, "a flow file")
	if body == nil && len(p.Diags()) == 0 {
		p.Add(Pos{Line: 1, Col: 1}, 0, "empty flow file: it needs at least apps and flows (see `ssokit flow init`)")
	}
	if len(p.Diags()) > 0 {
		return nil, p.Err()
	}
	out := p.file(body)
	if err := p.Err(); err != nil {
		return nil, err
	}
	out.Path = name
	return out, nil
}

type fileParser struct {
	*yamlfile.Reader
}

type pair = yamlfile.Pair

var topKeys = []string{"provider", "browser", "timeout", "session_cookie", "signing_alg", "refresh_reuse_interval", "apps", "users", "flows"}

func (p *fileParser) file(n ast.Node) *File {
	f := &File{Provider: "embedded", Browser: "chrome", Timeout: DefaultStepTimeout}
	pairs, ok := p.Mapping(n, "a flow file")
	if !ok {
		return f
	}
	var appsN, flowsN ast.Node
	var flowsPairs ast.Node
	for _, pr := range pairs {
		switch pr.Key {
		case "provider":
			f.Provider = p.Str(pr.Value, "provider")
			if f.Provider != "embedded" {
				u, err := url.Parse(f.Provider)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					p.ErrAt(pr.Value, "provider must be \"embedded\" or an issuer URL such as http://localhost:9400/, got %q", f.Provider)
				}
			}
		case "browser":
			f.Browser = p.profile(pr.Value)
		case "timeout":
			f.Timeout = p.Duration(pr.Value, "timeout")
			if f.Timeout == 0 {
				f.Timeout = DefaultStepTimeout
			}
		case "signing_alg":
			f.SigningAlg = p.OneOf(pr.Value, "signing_alg", "RS256", "ES256")
		case "refresh_reuse_interval":
			f.RefreshReuseInterval = p.Duration(pr.Value, "refresh_reuse_interval")
		case "session_cookie":
			fields, _ := p.Mapping(pr.Value, "session_cookie")
			for _, fl := range fields {
				if fl.Key != "same_site" {
					p.UnknownKey(fl, "session_cookie", "same_site")
					continue
				}
				f.SessionSameSite = p.OneOf(fl.Value, "same_site", "lax", "strict", "none")
			}
		case "apps":
			appsN = pr.Value
		case "users":
			f.Users = p.users(pr.Value)
		case "flows":
			flowsN, flowsPairs = pr.Value, pr.KeyN
		default:
			p.UnknownKey(pr, "the flow file", topKeys...)
		}
	}
	if appsN == nil {
		p.ErrAt(n, "the flow file has no apps: declare at least one under apps:")
	} else {
		f.Apps = p.apps(appsN)
	}
	if flowsN == nil {
		p.ErrAt(n, "the flow file has no flows: add at least one under flows:")
	} else {
		f.Flows = p.flows(flowsN, f)
		if len(f.Flows) == 0 && flowsPairs != nil {
			p.ErrAt(flowsPairs, "flows is empty: add at least one flow")
		}
	}
	return f
}

func (p *fileParser) profile(n ast.Node) string {
	s := p.Str(n, "browser")
	if s == "" {
		return "chrome"
	}
	if _, err := browser.LookupProfile(s); err != nil {
		p.ErrAt(n, "%v%s", err, yamlfile.DidYouMean(s, browser.ProfileNames()))
	}
	return s
}

var appKeys = []string{"client_id", "origin", "redirect_uri", "mode", "response_mode", "scope", "post_logout_redirect_uri", "frontchannel_logout_uri"}

func (p *fileParser) apps(n ast.Node) []*App {
	pairs, _ := p.Mapping(n, "apps")
	var out []*App
	for _, pr := range pairs {
		a := &App{Name: pr.Key, Pos: yamlfile.PosOf(pr.KeyN), Mode: "iframe"}
		fields, ok := p.Mapping(pr.Value, "app "+pr.Key)
		if !ok {
			continue
		}
		var originN, redirectN ast.Node
		for _, fl := range fields {
			switch fl.Key {
			case "client_id":
				a.ClientID = p.Str(fl.Value, "client_id")
			case "origin":
				a.Origin, originN = p.Str(fl.Value, "origin"), fl.Value
			case "redirect_uri":
				a.RedirectURI, redirectN = p.Str(fl.Value, "redirect_uri"), fl.Value
			case "mode":
				a.Mode = p.Str(fl.Value, "mode")
				if a.Mode != "iframe" && a.Mode != "popup" {
					p.ErrAt(fl.Value, "mode must be iframe or popup (how the app runs silent authentication), got %q%s", a.Mode, yamlfile.DidYouMean(a.Mode, []string{"iframe", "popup"}))
				}
			case "response_mode":
				a.ResponseMode = p.OneOf(fl.Value, "response_mode", "query", "fragment", "form_post", "web_message")
			case "scope":
				a.Scope = p.Str(fl.Value, "scope")
			case "post_logout_redirect_uri":
				a.PostLogoutRedirectURI = p.absURL(fl.Value, "post_logout_redirect_uri")
			case "frontchannel_logout_uri":
				a.FrontchannelLogoutURI = p.absURL(fl.Value, "frontchannel_logout_uri")
			default:
				p.UnknownKey(fl, "app "+pr.Key, appKeys...)
			}
		}
		if a.ClientID == "" {
			a.ClientID = a.Name
		}
		if originN != nil {
			u, err := url.Parse(a.Origin)
			if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
				p.ErrAt(originN, "origin must be scheme://host[:port], such as http://localhost:5101, got %q", a.Origin)
			} else {
				a.Origin = strings.TrimSuffix(a.Origin, "/")
			}
		}
		if redirectN == nil {
			if a.Origin != "" {
				a.RedirectURI = a.Origin + "/callback"
			} else {
				p.ErrAt(pr.KeyN, "app %s needs an origin or a redirect_uri", pr.Key)
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
		p.ErrAt(n, "apps is empty: declare at least one app")
	}
	return out
}

func (p *fileParser) absURL(n ast.Node, what string) string {
	s := p.Str(n, what)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		p.ErrAt(n, "%s must be an absolute http(s) URL without a fragment, got %q", what, s)
		return ""
	}
	return s
}

func (p *fileParser) users(n ast.Node) []*User {
	pairs, _ := p.Mapping(n, "users")
	var out []*User
	for _, pr := range pairs {
		u := &User{Name: pr.Key, Password: pr.Key, Pos: yamlfile.PosOf(pr.KeyN)}
		fields, _ := p.Mapping(pr.Value, "user "+pr.Key)
		for _, fl := range fields {
			switch fl.Key {
			case "password":
				u.Password, _ = p.Scalar(fl.Value)
			case "claims":
				if m, ok := p.Value(fl.Value).(map[string]any); ok {
					u.Claims = m
				} else {
					p.ErrAt(fl.Value, "claims of user %s must be a mapping", pr.Key)
				}
			default:
				p.UnknownKey(fl, "user "+pr.Key, "password", "claims")
			}
		}
		out = append(out, u)
	}
	return out
}

func (p *fileParser) flows(n ast.Node, f *File) []*Flow {
	items, _ := p.Sequence(n, "flows")
	var out []*Flow
	names := map[string]bool{}
	for i, it := range items {
		fl := &Flow{Pos: yamlfile.PosOf(it)}
		pairs, ok := p.Mapping(it, "a flow")
		if !ok {
			continue
		}
		var stepsN ast.Node
		for _, pr := range pairs {
			switch pr.Key {
			case "name":
				fl.Name = p.Str(pr.Value, "name")
				if names[fl.Name] {
					p.ErrAt(pr.Value, "two flows are named %q", fl.Name)
				}
				names[fl.Name] = true
			case "browser":
				fl.Browser = p.profile(pr.Value)
			case "steps":
				stepsN = pr.Value
			default:
				p.UnknownKey(pr, "a flow", "name", "browser", "steps")
			}
		}
		if fl.Name == "" {
			fl.Name = fmt.Sprintf("flow %d", i+1)
		}
		if stepsN == nil {
			p.ErrAt(it, "flow %q has no steps", fl.Name)
		} else {
			fl.Steps = p.steps(stepsN, f, fl)
		}
		out = append(out, fl)
	}
	return out
}

var stepKeys = append(append([]string{}, StepKinds...), "expect", "timeout")

func (p *fileParser) steps(n ast.Node, f *File, fl *Flow) []*Step {
	items, _ := p.Sequence(n, "steps")
	if len(items) == 0 {
		p.ErrAt(n, "flow %q has no steps", fl.Name)
	}
	var out []*Step
	for _, it := range items {
		pairs, ok := p.Mapping(it, "a step")
		if !ok {
			continue
		}
		st := &Step{Pos: yamlfile.PosOf(it)}
		var kindPair *pair
		unknown := false
		for i := range pairs {
			pr := pairs[i]
			switch {
			case isStepKind(pr.Key):
				if kindPair != nil {
					p.ErrAt(pr.KeyN, "a step does one thing: %q and %q are two steps", kindPair.Key, pr.Key)
					continue
				}
				kindPair = &pairs[i]
			case pr.Key == "expect":
				st.Expect = p.expect(pr.Value, f)
			case pr.Key == "timeout":
				st.Timeout = p.Duration(pr.Value, "timeout")
			default:
				hint := ""
				if s := yamlfile.Closest(pr.Key, stepKeys); s != "" {
					hint = fmt.Sprintf("; did you mean %q?", s)
				}
				p.ErrAt(pr.KeyN, "unknown step %q (want one of %s, with optional expect and timeout)%s", pr.Key, strings.Join(StepKinds, ", "), hint)
				unknown = true
			}
		}
		if kindPair == nil {
			// A misspelt step kind is already reported: one error per mistake.
			if len(pairs) > 0 && !unknown {
				p.ErrAt(it, "the step says no action: start it with one of %s", strings.Join(StepKinds, ", "))
			}
			continue
		}
		st.Kind = kindPair.Key
		st.Pos = yamlfile.PosOf(kindPair.KeyN)
		st.act = newAction[st.Kind]()
		st.act.parse(p, *kindPair, f)
		out = append(out, st)
	}
	return out
}

func isStepKind(s string) bool {
	_, ok := newAction[s]
	return ok
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
	e := &Expect{Pos: yamlfile.PosOf(n)}
	pairs, _ := p.Mapping(n, "expect")
	claimMap := func(pr pair) map[string]any {
		m, ok := p.Value(pr.Value).(map[string]any)
		if !ok {
			p.ErrAt(pr.Value, "%s must be a mapping of claim: value", pr.Key)
		}
		return m
	}
	appRef := func(pr pair) string {
		s := p.Str(pr.Value, pr.Key)
		if s != "" && f.App(s) == nil {
			p.ErrAt(pr.Value, "unknown app %q%s%s", s, knownList(appNames(f)), yamlfile.DidYouMean(s, appNames(f)))
		}
		return s
	}
	for _, pr := range pairs {
		switch pr.Key {
		case "tokens":
			e.Tokens = p.Boolean(pr.Value, "tokens")
		case "error":
			e.Error = p.Str(pr.Value, "error")
		case "claims":
			e.Claims = claimMap(pr)
		case "claims_contain":
			e.ClaimsContain = claimMap(pr)
		case "claims_match":
			fields, _ := p.Mapping(pr.Value, "claims_match")
			e.ClaimsMatch = map[string]*regexp.Regexp{}
			for _, fl := range fields {
				s, _ := p.Scalar(fl.Value)
				re, err := regexp.Compile(s)
				if err != nil {
					p.ErrAt(fl.Value, "claims_match %s: bad regular expression: %v", fl.Key, err)
					continue
				}
				e.ClaimsMatch[fl.Key] = re
			}
		case "same_sub_as":
			e.SameSubAs = appRef(pr)
		case "same_session_as":
			e.SameSessionAs = appRef(pr)
		case "lifetime":
			fields, _ := p.Mapping(pr.Value, "lifetime")
			for _, fl := range fields {
				switch fl.Key {
				case "min":
					e.LifetimeMin = p.Duration(fl.Value, "lifetime min")
				case "max":
					e.LifetimeMax = p.Duration(fl.Value, "lifetime max")
				default:
					p.UnknownKey(fl, "lifetime", "min", "max")
				}
			}
			if e.LifetimeMax > 0 && e.LifetimeMin > e.LifetimeMax {
				p.ErrAt(pr.Value, "lifetime min %s is above max %s", e.LifetimeMin, e.LifetimeMax)
			}
		case "signature":
			s, _ := p.Scalar(pr.Value)
			switch strings.ToLower(s) {
			case "verified", "true", "valid":
				e.Signature = true
			default:
				p.ErrAt(pr.Value, "signature takes one value, verified; got %q", s)
			}
		case "refresh_token":
			e.RefreshToken = p.Boolean(pr.Value, "refresh_token")
		case "frontchannel":
			items, _ := p.Sequence(pr.Value, "frontchannel")
			for _, it := range items {
				e.Frontchannel = append(e.Frontchannel, appRef(pair{Key: "frontchannel", Value: it}))
			}
		default:
			p.UnknownKey(pr, "expect", expectKeys...)
		}
	}
	if e.Tokens != nil && *e.Tokens && e.Error != "" {
		p.ErrAt(n, "expect asks for tokens and for error %q at once", e.Error)
	}
	return e
}
