package flow

import (
	"regexp"
	"time"
)

// File is a parsed, validated flow file.
type File struct {
	Path string
	// Provider is "embedded" (the command starts ssokit's provider) or an
	// issuer URL.
	Provider string
	// Browser is the default policy profile.
	Browser string
	// Timeout bounds each step unless the step says otherwise.
	Timeout time.Duration
	// SessionSameSite is the embedded provider's session cookie SameSite
	// (lax, strict, none); "" keeps the provider's default (lax).
	SessionSameSite string
	// SigningAlg is the embedded provider's signing algorithm, RS256
	// (default) or ES256 (much cheaper to generate and sign with).
	SigningAlg string
	// RefreshReuseInterval is the embedded provider's refresh-token reuse
	// interval (0: strict reuse detection, the default).
	RefreshReuseInterval time.Duration
	Apps                 []*App // in file order
	Users                []*User
	Flows                []*Flow
}

// DefaultStepTimeout cuts a step that hangs.
const DefaultStepTimeout = 10 * time.Second

// App is a relying party in the flow: a single-page app that signs in with
// the authorization code flow and PKCE as a public client.
type App struct {
	Name        string
	ClientID    string
	Origin      string
	RedirectURI string
	// Mode is how silent authentication runs for the app: iframe (default),
	// popup.
	Mode string
	// ResponseMode is passed to /authorize when set: query, fragment,
	// form_post, web_message.
	ResponseMode          string
	Scope                 string
	PostLogoutRedirectURI string
	FrontchannelLogoutURI string
	Pos                   Pos
}

// User is a person who signs in.
type User struct {
	Name     string
	Password string
	Claims   map[string]any
	Pos      Pos
}

// Flow is a named sequence of steps run in one fresh browser.
type Flow struct {
	Name    string
	Browser string // overrides File.Browser when set
	Steps   []*Step
	Pos     Pos
}

// Step kinds.
const (
	StepLogin    = "login"
	StepSilent   = "silent"
	StepRedirect = "redirect"
	StepRefresh  = "refresh"
	StepUserinfo = "userinfo"
	StepLogout   = "logout"
	StepWait     = "wait"
	StepFault    = "fault"
)

// StepKinds lists the step kinds in the order help shows them.
var StepKinds = []string{StepLogin, StepSilent, StepRedirect, StepRefresh, StepUserinfo, StepLogout, StepWait, StepFault, StepStorageAccess, StepFedCM, StepFedCMDisconnect}

// Step is one action of a flow.
type Step struct {
	// Kind is the step's key (login, silent …), as reports name it.
	Kind string
	// act is what the step does, one type per kind (steps_<kind>.go),
	// built by Parse with its arguments.
	act     action
	Expect  *Expect
	Timeout time.Duration
	Pos     Pos
}

// Expect holds a step's expectations; nil fields are not checked.
type Expect struct {
	// Tokens: true when the step must yield tokens, false when it must not.
	Tokens *bool
	// Error is the OAuth error code the step must end with
	// (login_required …).
	Error string
	// Claims must equal; ClaimsContain must contain (substring, or element
	// of an array claim); ClaimsMatch must match the regular expression.
	Claims        map[string]any
	ClaimsContain map[string]any
	ClaimsMatch   map[string]*regexp.Regexp
	// SameSubAs and SameSessionAs name an app whose ID token must carry the
	// same sub, or the same sub and sid.
	SameSubAs     string
	SameSessionAs string
	// LifetimeMin and LifetimeMax bound the ID token's exp − iat.
	LifetimeMin, LifetimeMax time.Duration
	// Signature: the ID token's signature must verify against the
	// provider's JWKS.
	Signature bool
	// RefreshToken: whether a refresh token must (true) or must not be issued.
	RefreshToken *bool
	// Frontchannel lists apps whose front-channel logout URI the provider
	// must load during a logout step.
	Frontchannel []string
	Pos          Pos
}

// App returns the app with the given name, or nil.
func (f *File) App(name string) *App {
	for _, a := range f.Apps {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// User returns the user with the given name, or nil.
func (f *File) User(name string) *User {
	for _, u := range f.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}
