package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
)

// StepFedCMDisconnect is the FedCM disconnect step.
const StepFedCMDisconnect = "fedcm-disconnect"

// ErrFedCMNotConnected: IdentityCredential.disconnect() for an app the
// user never signed in to through FedCM in this browser; the browser
// rejects it without asking the provider.
const ErrFedCMNotConnected = "fedcm_not_connected"

// fedcmDisconnectStep plays the app calling IdentityCredential.disconnect(
// {configURL, clientId, accountHint}): `fedcm-disconnect: account` or
// `fedcm-disconnect: {app: account, account: alice}`. The browser posts to
// the provider's disconnect endpoint (the app's Origin, the provider's
// SameSite=None cookies) and forgets the account the provider names, so
// the next fedcm step shows the chooser again.
type fedcmDisconnectStep struct {
	App     string
	Account string
}

func (s *fedcmDisconnectStep) parse(p *fileParser, kp pair, f *File) {
	p.appArgs(kp, f, &s.App, nil, argKey{"account", func(n ast.Node) {
		s.Account = p.Str(n, "account")
		if s.Account != "" && f.User(s.Account) == nil {
			p.ErrAt(n, "unknown account %q: the account hint is a user; declare it under users:%s%s", s.Account, knownList(userNames(f)), yamlfile.DidYouMean(s.Account, userNames(f)))
		}
	}})
}

func (s *fedcmDisconnectStep) label() string {
	if s.Account != "" {
		return StepFedCMDisconnect + " " + s.App + " as " + s.Account
	}
	return StepFedCMDisconnect + " " + s.App
}

func (s *fedcmDisconnectStep) yields() string { return "success" }

func (s *fedcmDisconnectStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	r := &fedcmRun{fedcmStep: &fedcmStep{App: s.App, Account: s.Account}, fr: fr, app: app, model: fr.profile.FedCM()}
	b, name := fr.b, fr.profile.Browser
	var err error
	if r.origin, err = url.Parse(app.Origin + "/"); err != nil {
		return outcome{err: err}
	}
	if !r.model.Supported {
		return r.fail(ErrFedCMUnsupported, fmt.Sprintf("%s does not support FedCM, so IdentityCredential.disconnect() is not there on %s", name, app.Origin))
	}
	pv, failed := r.discover(ctx)
	if failed != nil {
		return *failed
	}
	rp, idp := browser.Origin(r.origin), browser.Origin(pv.cfgURL)
	connected := b.FedCMConnected(rp, idp)
	if len(connected) == 0 {
		return r.fail(ErrFedCMNotConnected, fmt.Sprintf("the user never signed in to %s through FedCM with this provider in %s, so %s rejects disconnect() without asking the provider", rp, name, name))
	}
	endpoint, why := pv.endpoint("disconnect_endpoint", pv.cfg.DisconnectEndpoint)
	if why != "" {
		return r.fail(ErrFedCMUnavailable, why)
	}
	hint := s.Account
	if hint == "" {
		hint = connected[0]
	}
	resp, body, _, err := b.FedCMFetch(ctx, browser.FedCMRequest{Method: http.MethodPost, URL: endpoint, Origin: r.origin, Credentialed: true,
		Form: url.Values{"client_id": {app.ClientID}, "account_hint": {hint}}, Note: "FedCM disconnect"})
	if err != nil {
		return outcome{err: fmt.Errorf("FedCM disconnect %s: %v", endpoint.Redacted(), unwrapURLError(err))}
	}
	var ans struct {
		AccountID string          `json:"account_id"`
		Error     json.RawMessage `json:"error"`
	}
	_ = json.Unmarshal(body, &ans)
	cors := resp.Header.Get("Access-Control-Allow-Origin") == rp && resp.Header.Get("Access-Control-Allow-Credentials") == "true"
	if resp.StatusCode != http.StatusOK || ans.Error != nil || !cors || ans.AccountID == "" {
		code, _ := fedcmErrorCode(ans.Error)
		if code == "" {
			code = fmt.Sprintf("http_%d", resp.StatusCode)
		}
		why := fmt.Sprintf("the provider's disconnect endpoint answered %d %s", resp.StatusCode, excerpt(body))
		if d := resp.Header.Get("SSOkit-Error-Description"); d != "" {
			why += " (" + d + ")"
		}
		if !cors {
			why += "; without CORS headers for " + rp + " the browser rejects disconnect()"
		}
		// the browser forgets the app's accounts anyway (FedCM spec)
		b.RevokeFedCMPermission(rp, idp, "*")
		return r.fail(code, why+"; "+name+" forgets the user's FedCM sign-ins to "+rp+" anyway")
	}
	b.RevokeFedCMPermission(rp, idp, ans.AccountID)
	if !slices.Contains(connected, ans.AccountID) {
		b.RevokeFedCMPermission(rp, idp, "*") // an unknown account: the spec forgets them all
	}
	return outcome{notes: []string{"disconnected " + ans.AccountID}, explanation: r.cite(fmt.Sprintf(
		"%s posted to the provider's disconnect endpoint for %s (account hint %s), the provider answered account_id %s, and %s forgot that the user chose %s for %s: the next FedCM sign-in shows the account chooser (connected before: %s)",
		name, app.ClientID, hint, ans.AccountID, name, ans.AccountID, rp, strings.Join(connected, ", ")))}
}
