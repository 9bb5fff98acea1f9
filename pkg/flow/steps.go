package flow

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
	"github.com/ssokit/ssokit/pkg/oidc"
)

// action is what a step does. Each step kind is a type of its own, in
// steps_<kind>.go, built at parse time: it reads its arguments, names
// itself in reports and runs.
type action interface {
	// parse reads the step's arguments (the value of its kind key) and
	// reports problems on p.
	parse(p *fileParser, kp pair, f *File)
	// label names the step in reports: "login shell as alice".
	label() string
	// yields says what the step produces when it works: "tokens",
	// "claims" or "success" (an expectation failure says what was missing).
	yields() string
	run(ctx context.Context, fr *flowRun) outcome
}

// newAction builds the action of each step kind, in the order help shows
// the kinds.
var newAction = map[string]func() action{
	StepLogin:           func() action { return &loginStep{} },
	StepSilent:          func() action { return &silentStep{} },
	StepRedirect:        func() action { return &redirectStep{} },
	StepRefresh:         func() action { return &refreshStep{} },
	StepUserinfo:        func() action { return &userinfoStep{} },
	StepLogout:          func() action { return &logoutStep{} },
	StepWait:            func() action { return &waitStep{} },
	StepFault:           func() action { return &faultStep{} },
	StepStorageAccess:   func() action { return &storageAccessStep{} },
	StepFedCM:           func() action { return &fedcmStep{} },
	StepFedCMDisconnect: func() action { return &fedcmDisconnectStep{} },
}

// appStep is the argument of the steps that act for an app:
// `refresh: shell` or `refresh: {app: shell}`.
type appStep struct {
	App string
}

func (s *appStep) parse(p *fileParser, kp pair, f *File) { p.appArgs(kp, f, &s.App, nil) }

func (s *appStep) appLabel(kind string) string { return kind + " " + s.App }

// signInStep is the argument of the steps that may show a login form:
// `login: {app: shell, user: alice, password: wrong}`.
type signInStep struct {
	App      string
	User     string
	Password string // overrides the user's password for this login
}

func (s *signInStep) parse(p *fileParser, kp pair, f *File) {
	p.appArgs(kp, f, &s.App, s)
}

func (s *signInStep) signInLabel(kind string) string {
	if s.User != "" {
		return kind + " " + s.App + " as " + s.User
	}
	return kind + " " + s.App
}

// appArgs reads the argument of a step that acts for an app: `login: shell`
// or `login: {app: shell, user: alice}`. User and password are allowed when
// signIn is not nil. It reports whether the step names an app.
func (p *fileParser) appArgs(kp pair, f *File, app *string, signIn *signInStep, more ...argKey) bool {
	v := p.Resolve(kp.Value)
	var appN ast.Node
	switch v.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		fields, _ := p.Mapping(v, kp.Key)
		for _, fl := range fields {
			switch {
			case fl.Key == "app":
				*app, appN = p.Str(fl.Value, "app"), fl.Value
			case fl.Key == "user" && signIn != nil:
				signIn.User = p.Str(fl.Value, "user")
				if f.User(signIn.User) == nil {
					p.ErrAt(fl.Value, "unknown user %q: declare it under users:%s%s", signIn.User, knownList(userNames(f)), yamlfile.DidYouMean(signIn.User, userNames(f)))
				}
			case fl.Key == "password" && signIn != nil:
				signIn.Password, _ = p.Scalar(fl.Value)
			case slices.ContainsFunc(more, func(a argKey) bool { return a.name == fl.Key }):
				more[slices.IndexFunc(more, func(a argKey) bool { return a.name == fl.Key })].read(fl.Value)
			default:
				allowed := []string{"app"}
				if signIn != nil {
					allowed = append(allowed, "user", "password")
				}
				for _, a := range more {
					allowed = append(allowed, a.name)
				}
				p.UnknownKey(fl, kp.Key+" step", allowed...)
			}
		}
	default:
		*app, appN = p.Str(v, "app"), v
	}
	if appN == nil {
		p.ErrAt(kp.KeyN, "%s needs an app: %s: {app: NAME}", kp.Key, kp.Key)
		return false
	}
	if *app != "" && f.App(*app) == nil {
		p.ErrAt(appN, "unknown app %q%s%s", *app, knownList(appNames(f)), yamlfile.DidYouMean(*app, appNames(f)))
	}
	return true
}

// argKey is a key of its own an app step accepts in its mapping form, such
// as refresh's tabs.
type argKey struct {
	name string
	read func(ast.Node)
}

// outcome is what a step produced.
type outcome struct {
	tokens  *tokenSet      // tokens the step obtained
	claims  map[string]any // claims the step's expectations look at
	authErr *oidc.Error    // the provider's OAuth error
	err     error          // anything else: transport, protocol, timeout
	notes   []string
	// frontchannel names the apps whose front-channel logout URI loaded.
	frontchannel []string
	// context the authorization ran in and the app page hosting it
	context browser.ContextKind
	top     *url.URL
	// explanation, when set, is the step's own one-sentence explanation
	explanation string
}

func (o outcome) describe() string {
	switch {
	case o.err != nil:
		return "failed" // the failure line says why
	case o.authErr != nil:
		return strings.Join(append([]string{"error " + o.authErr.Error()}, o.notes...), "; ")
	}
	var parts []string
	if o.tokens != nil {
		t := "tokens"
		var inner []string
		if sub, ok := o.tokens.IDClaims["sub"].(string); ok {
			inner = append(inner, "sub "+sub)
		}
		if sid, ok := o.tokens.IDClaims["sid"].(string); ok {
			inner = append(inner, "sid "+abbrev(sid))
		}
		if o.tokens.RefreshToken != "" {
			inner = append(inner, "refresh token")
		}
		if len(inner) > 0 {
			t += " (" + strings.Join(inner, ", ") + ")"
		}
		parts = append(parts, t)
	} else if o.claims != nil {
		parts = append(parts, fmt.Sprintf("%d claims", len(o.claims)))
	}
	if len(o.frontchannel) > 0 {
		parts = append(parts, "front-channel logout: "+strings.Join(o.frontchannel, ", "))
	}
	parts = append(parts, o.notes...)
	return strings.Join(parts, "; ")
}

func abbrev(s string) string {
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}
