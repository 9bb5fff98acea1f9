package flow

import (
	"context"

	"github.com/ssokit/ssokit/pkg/flow/browser"
)

// silentStep runs silent authentication (prompt=none) in a hidden iframe on
// the app's page, or in a popup for a popup app: `silent: account`.
type silentStep struct{ appStep }

func (s *silentStep) label() string  { return s.appLabel(StepSilent) }
func (s *silentStep) yields() string { return "tokens" }

func (s *silentStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	return fr.authorize(ctx, authRequest{app: app, prompt: "none", context: app.context(browser.IFrame)})
}
