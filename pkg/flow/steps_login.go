package flow

import (
	"context"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// loginStep signs a user in to an app at top level (in a popup for a popup
// app): `login: {app: shell, user: alice}`.
type loginStep struct{ signInStep }

func (s *loginStep) parse(p *fileParser, kp pair, f *File) {
	if p.appArgs(kp, f, &s.App, &s.signInStep) && s.User == "" {
		p.ErrAt(kp.KeyN, "login needs a user: login: {app: %s, user: NAME}", s.App)
	}
}

func (s *loginStep) label() string  { return s.signInLabel(StepLogin) }
func (s *loginStep) yields() string { return "tokens" }

func (s *loginStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	return fr.authorize(ctx, authRequest{app: app, user: fr.file.User(s.User), password: s.Password,
		context: app.context(browser.TopLevel), noteSignedIn: true, userActivated: true})
}
