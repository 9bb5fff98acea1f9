package flow

import (
	"context"
	"fmt"
	"net/url"

	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/oidc"
)

// StepStorageAccess is the Storage Access API step.
const StepStorageAccess = "storage-access"

// storageAccessStep plays the user clicking "continue" in the provider's
// frame on the app's page, which calls document.requestStorageAccess(),
// and answering the browser's prompt, if it shows one:
// `storage-access: shell` or `storage-access: {app: shell, prompt: decline}`.
// What the browser requires and how long a grant lasts come from the
// browser profile (browser.Profile.StorageAccess); a later silent step's
// frame then carries the provider's unpartitioned cookies, SameSite=None
// ones only. A refusal is the error access_denied with the browser's reason.
type storageAccessStep struct {
	appStep
	Decline bool
}

func (s *storageAccessStep) parse(p *fileParser, kp pair, f *File) {
	p.appArgs(kp, f, &s.App, nil, argKey{"prompt", func(n ast.Node) {
		switch v, _ := p.Scalar(n); v {
		case "accept":
		case "decline":
			s.Decline = true
		default:
			p.ErrAt(n, "prompt is the user's answer to the browser's storage-access prompt: accept or decline; got %q", v)
		}
	}})
}

func (s *storageAccessStep) label() string {
	if s.Decline {
		return s.appLabel(StepStorageAccess) + " (prompt declined)"
	}
	return s.appLabel(StepStorageAccess)
}

func (s *storageAccessStep) yields() string { return "success" }

func (s *storageAccessStep) run(_ context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	top, err := url.Parse(app.Origin + "/")
	if err != nil {
		return outcome{err: err}
	}
	res := fr.b.RequestStorageAccess(top, fr.issuerURL, !s.Decline)
	m := fr.profile.StorageAccess()
	why := fmt.Sprintf("%s (the %s profile models: %s; checked against %s)", res.Why, fr.profile.Name, m.Model, m.CheckedAgainst)
	if !res.Granted {
		return outcome{authErr: &oidc.Error{Code: oidc.ErrAccessDenied, Description: res.Why}, explanation: why}
	}
	return outcome{notes: []string{"storage access granted"}, explanation: why}
}
