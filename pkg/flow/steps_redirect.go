package flow

import (
	"context"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// redirectStep sends the browser to the provider at top level, as an app's
// sign-in redirect does: without a user a login form ends the step with
// login_required; with one it signs in. `redirect: shell`.
type redirectStep struct{ signInStep }

func (s *redirectStep) label() string  { return s.signInLabel(StepRedirect) }
func (s *redirectStep) yields() string { return "tokens" }

func (s *redirectStep) run(ctx context.Context, fr *flowRun) outcome {
	ar := authRequest{app: fr.file.App(s.App), password: s.Password, context: browser.TopLevel, loginRequired: true}
	if s.User != "" {
		ar.user = fr.file.User(s.User)
	}
	return fr.authorize(ctx, ar)
}
