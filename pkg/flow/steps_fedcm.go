package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/ssokit/ssokit/pkg/flow/browser"
	"github.com/ssokit/ssokit/pkg/internal/yamlfile"
	"github.com/ssokit/ssokit/pkg/oidc"
	"github.com/ssokit/ssokit/pkg/token"
)

// StepFedCM is the FedCM sign-in step.
const StepFedCM = "fedcm"

// Outcomes of a fedcm step that are the browser's, not the provider's: a
// flow expects them with expect: {error: …}.
const (
	// ErrFedCMUnsupported: the browser does not implement FedCM.
	ErrFedCMUnsupported = "fedcm_unsupported"
	// ErrFedCMUnavailable: the provider is not a FedCM identity provider
	// (no well-known file, no config file, or one the browser rejects).
	ErrFedCMUnavailable = "fedcm_unavailable"
)

// fedcmStep plays the app calling navigator.credentials.get({identity:
// {providers: [{configURL, clientId, nonce, params}]}, mediation}) and the
// browser doing the rest, as Chromium does: `fedcm: shell` or
// `fedcm: {app: shell, account: alice, mediation: silent, response: code}`.
// The browser signs an account in without UI (automatic re-authentication,
// under either mediation) only when the user chose it for this app through
// FedCM in this browser before, the provider lists one account and still
// approves the app, and no automatic sign-in happened in the last 10
// minutes; otherwise mediation optional shows the chooser, where the user
// picks account (or the first listed), and silent fails. response id_token (default) takes the ID assertion
// endpoint's token as the ID token; code asks for a code (params
// response_type=code with PKCE) and exchanges it at the token endpoint.
// origin plays a page on another origin calling FedCM with the app's
// client_id; config_url overrides the config file the app names (default:
// the one the provider's well-known file lists).
type fedcmStep struct {
	App       string
	Account   string
	Silent    bool
	Code      bool
	Origin    string
	ConfigURL string
}

func (s *fedcmStep) parse(p *fileParser, kp pair, f *File) {
	p.appArgs(kp, f, &s.App, nil,
		argKey{"account", func(n ast.Node) {
			s.Account = p.Str(n, "account")
			if s.Account != "" && f.User(s.Account) == nil {
				p.ErrAt(n, "unknown account %q: the account the user picks in the browser's chooser is a user; declare it under users:%s%s", s.Account, knownList(userNames(f)), yamlfile.DidYouMean(s.Account, userNames(f)))
			}
		}},
		argKey{"mediation", func(n ast.Node) {
			switch v, _ := p.Scalar(n); v {
			case "optional":
			case "silent":
				s.Silent = true
			default:
				p.ErrAt(n, "mediation is navigator.credentials.get's: optional (the account chooser) or silent (a returning account, no UI); got %q%s", v, yamlfile.DidYouMean(v, []string{"optional", "silent"}))
			}
		}},
		argKey{"response", func(n ast.Node) {
			switch v, _ := p.Scalar(n); v {
			case "id_token":
			case "code":
				s.Code = true
			default:
				p.ErrAt(n, "response is what the ID assertion endpoint returns: id_token (the token is the ID token) or code (exchanged at the token endpoint with PKCE); got %q%s", v, yamlfile.DidYouMean(v, []string{"id_token", "code"}))
			}
		}},
		argKey{"origin", func(n ast.Node) {
			s.Origin = p.Str(n, "origin")
			if u, err := url.Parse(s.Origin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
				p.ErrAt(n, "origin is the calling page's origin, scheme://host[:port], such as http://localhost:5101; got %q", s.Origin)
			} else {
				s.Origin = strings.TrimSuffix(s.Origin, "/")
			}
		}},
		argKey{"config_url", func(n ast.Node) { s.ConfigURL = p.absURL(n, "config_url") }},
	)
}

func (s *fedcmStep) label() string {
	l := StepFedCM + " " + s.App
	if s.Account != "" {
		l += " as " + s.Account
	}
	var opts []string
	if s.Silent {
		opts = append(opts, "silent")
	}
	if s.Code {
		opts = append(opts, "code")
	}
	if s.Origin != "" {
		opts = append(opts, "from "+s.Origin)
	}
	if len(opts) > 0 {
		l += " (" + strings.Join(opts, ", ") + ")"
	}
	return l
}

func (s *fedcmStep) yields() string { return "tokens" }

// fedcmRun is one navigator.credentials.get call.
type fedcmRun struct {
	*fedcmStep
	fr     *flowRun
	app    *App
	origin *url.URL // the calling page's origin
	model  browser.FedCM
}

// fail ends the step with an outcome the app's script would see as a
// rejected promise: code is ours or the provider's, why one sentence.
func (r *fedcmRun) fail(code, why string) outcome {
	return outcome{authErr: &oidc.Error{Code: code, Description: why}, explanation: r.cite(why)}
}

// broken ends the step with a protocol fault of the provider: the step
// fails whatever it expects.
func (r *fedcmRun) broken(format string, args ...any) outcome {
	err := fmt.Errorf(format, args...)
	return outcome{err: err, explanation: r.cite(err.Error())}
}

func (r *fedcmRun) cite(why string) string {
	return fmt.Sprintf("%s (the %s profile models: %s; checked against %s)", why, r.fr.profile.Name, r.model.Model, r.model.CheckedAgainst)
}

func (s *fedcmStep) run(ctx context.Context, fr *flowRun) outcome {
	app := fr.file.App(s.App)
	r := &fedcmRun{fedcmStep: s, fr: fr, app: app, model: fr.profile.FedCM()}
	origin := app.Origin
	if s.Origin != "" {
		origin = s.Origin
	}
	var err error
	if r.origin, err = url.Parse(origin + "/"); err != nil {
		return outcome{err: err}
	}
	if !r.model.Supported {
		return r.fail(ErrFedCMUnsupported, fmt.Sprintf("%s does not support FedCM, so navigator.credentials.get({identity}) fails on %s: the app must fall back to signing in by redirect or popup", fr.profile.Browser, origin))
	}
	return r.signIn(ctx)
}

// fedcmConfig is the provider's config file (the fields the browser uses).
type fedcmConfig struct {
	AccountsEndpoint       string `json:"accounts_endpoint"`
	ClientMetadataEndpoint string `json:"client_metadata_endpoint"`
	IDAssertionEndpoint    string `json:"id_assertion_endpoint"`
	LoginURL               string `json:"login_url"`
	DisconnectEndpoint     string `json:"disconnect_endpoint"`
}

type fedcmAccount struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Email           string   `json:"email"`
	ApprovedClients []string `json:"approved_clients"`
}

// fedcmWellKnown is the provider site's /.well-known/web-identity URL:
// on the registrable domain, or on the origin for localhost and IP
// addresses (where Chromium keeps the port).
func fedcmWellKnown(issuer *url.URL) *url.URL {
	base := browser.Site(issuer)
	if browser.RegistrableDomain(issuer.Hostname()) == "" {
		base = browser.Origin(issuer)
	}
	u, _ := url.Parse(base + "/.well-known/web-identity")
	return u
}

func (r *fedcmRun) getJSON(ctx context.Context, u *url.URL, note string, credentialed bool, into any) (int, []byte, browser.Exchange, error) {
	resp, body, ex, err := r.fr.b.FedCMFetch(ctx, browser.FedCMRequest{URL: u, Credentialed: credentialed, Note: note})
	if err != nil {
		return 0, nil, ex, fmt.Errorf("%s %s: %v", note, u.Redacted(), unwrapURLError(err))
	}
	if resp.StatusCode == http.StatusOK && into != nil {
		if jerr := json.Unmarshal(body, into); jerr != nil {
			return resp.StatusCode, body, ex, fmt.Errorf("%s %s answered 200 with no JSON object: %s", note, u.Redacted(), excerpt(body))
		}
	}
	return resp.StatusCode, body, ex, nil
}

// fedcmProvider is the provider's FedCM config the browser found.
type fedcmProvider struct {
	cfgURL *url.URL
	cfg    fedcmConfig
}

// endpoint resolves one of the config's endpoints, which the FedCM spec
// requires on the config file's origin.
func (pv *fedcmProvider) endpoint(name, raw string) (*url.URL, string) {
	u, err := pv.cfgURL.Parse(raw)
	if raw == "" || err != nil {
		return nil, fmt.Sprintf("the provider's FedCM config file %s has no valid %s", pv.cfgURL, name)
	}
	if !browser.SameOrigin(u, pv.cfgURL) {
		return nil, fmt.Sprintf("the provider's FedCM %s %s is not on the config file's origin %s, which the FedCM spec requires", name, u, browser.Origin(pv.cfgURL))
	}
	return u, ""
}

// discover fetches the provider site's well-known file and the config
// file, without cookies, and checks them as Chromium does; the outcome is
// set when that failed.
func (r *fedcmRun) discover(ctx context.Context) (*fedcmProvider, *outcome) {
	fr := r.fr
	browserName := fr.profile.Browser
	// 1. the well-known file and the config file, without cookies
	wkURL := fedcmWellKnown(fr.issuerURL)
	var wk struct {
		ProviderURLs     []string `json:"provider_urls"`
		AccountsEndpoint string   `json:"accounts_endpoint"`
		LoginURL         string   `json:"login_url"`
	}
	status, body, _, err := r.getJSON(ctx, wkURL, "FedCM well-known", false, &wk)
	switch {
	case err != nil && status == 0:
		return nil, &outcome{err: err}
	case status != http.StatusOK || err != nil:
		o := r.fail(ErrFedCMUnavailable, fmt.Sprintf("the provider is not a FedCM identity provider: %s answered %d (%s) where %s looks for the FedCM well-known file, so navigator.credentials.get fails; use redirect sign-in, or a provider with FedCM (ssokit's)", wkURL, status, excerpt(body), browserName))
		return nil, &o
	}
	cfgRaw := r.ConfigURL
	if cfgRaw == "" {
		// the app names the config file of its issuer: the one under the
		// issuer's path, or the only one listed
		var mine []string
		for _, s := range wk.ProviderURLs {
			if u, err := url.Parse(s); err == nil && fr.underIssuer(u) {
				mine = append(mine, s)
			}
		}
		if len(mine) == 1 {
			cfgRaw = mine[0]
		} else if len(wk.ProviderURLs) != 1 {
			o := r.fail(ErrFedCMUnavailable, fmt.Sprintf("the provider's FedCM well-known file %s lists %d config files (provider_urls %q): name the app's with config_url", wkURL, len(wk.ProviderURLs), wk.ProviderURLs))
			return nil, &o
		} else {
			cfgRaw = wk.ProviderURLs[0]
		}
	}
	cfgURL, err := url.Parse(cfgRaw)
	if err != nil || !cfgURL.IsAbs() {
		o := r.fail(ErrFedCMUnavailable, fmt.Sprintf("the FedCM config URL %q is not an absolute URL", cfgRaw))
		return nil, &o
	}
	if (cfgURL.Scheme != "http" && cfgURL.Scheme != "https") || fedcmWellKnown(cfgURL).String() != wkURL.String() {
		// the browser looks for the well-known file on the config URL's site
		o := r.fail(ErrFedCMUnavailable, fmt.Sprintf("the FedCM config URL %s is not on the provider's site %s, whose well-known file %s names it", cfgURL, browser.Site(fr.issuerURL), wkURL))
		return nil, &o
	}
	var cfg fedcmConfig
	status, body, _, err = r.getJSON(ctx, cfgURL, "FedCM config", false, &cfg)
	switch {
	case err != nil && status == 0:
		return nil, &outcome{err: err}
	case status != http.StatusOK || err != nil:
		o := r.fail(ErrFedCMUnavailable, fmt.Sprintf("the provider's FedCM config file %s answered %d (%s), so %s rejects navigator.credentials.get", cfgURL, status, excerpt(body), browserName))
		return nil, &o
	}
	// Chromium: the config URL must be listed in provider_urls, unless the
	// well-known file names the same accounts endpoint and login URL.
	if !slices.Contains(wk.ProviderURLs, cfgURL.String()) && (wk.AccountsEndpoint == "" || wk.AccountsEndpoint != cfg.AccountsEndpoint || wk.LoginURL != cfg.LoginURL) {
		o := r.fail(ErrFedCMUnavailable, fmt.Sprintf("the FedCM config file %s is not listed in the provider's well-known file %s (provider_urls %q), so %s rejects it", cfgURL, wkURL, wk.ProviderURLs, browserName))
		return nil, &o
	}
	return &fedcmProvider{cfgURL: cfgURL, cfg: cfg}, nil
}

func (r *fedcmRun) signIn(ctx context.Context) outcome {
	fr, b := r.fr, r.fr.b
	browserName := fr.profile.Browser
	pv, failed := r.discover(ctx)
	if failed != nil {
		return *failed
	}
	cfgURL, cfg, endpoint := pv.cfgURL, pv.cfg, pv.endpoint
	accountsURL, why := endpoint("accounts_endpoint", cfg.AccountsEndpoint)
	if why != "" {
		return r.fail(ErrFedCMUnavailable, why)
	}
	assertionURL, why := endpoint("id_assertion_endpoint", cfg.IDAssertionEndpoint)
	if why != "" {
		return r.fail(ErrFedCMUnavailable, why)
	}

	// 2. the Login Status API: a provider that said logged-out is not asked
	if b.LoginStatus(cfgURL) == "logged-out" {
		return r.fail(oidc.ErrLoginRequired, fmt.Sprintf("the provider last told %s Set-Login: logged-out, so %s does not even ask its accounts endpoint and navigator.credentials.get fails: the user signs in at the provider first (its sign-in response sends Set-Login: logged-in)", browserName, browserName))
	}

	// 3. the accounts list, with the provider's SameSite=None cookies
	var accts struct {
		Accounts []fedcmAccount `json:"accounts"`
	}
	status, body, aex, err := r.getJSON(ctx, accountsURL, "FedCM accounts", true, &accts)
	if err != nil && status == 0 {
		return outcome{err: err}
	}
	if status != http.StatusOK || err != nil || len(accts.Accounts) == 0 {
		return r.noAccount(cfgURL, accountsURL, status, body, aex)
	}

	// 4. client metadata (no cookies): Chromium shows its links, and goes
	// on without them when the endpoint fails
	var notes []string
	if cfg.ClientMetadataEndpoint != "" {
		if cmURL, why := endpoint("client_metadata_endpoint", cfg.ClientMetadataEndpoint); why == "" {
			q := cmURL.Query()
			q.Set("client_id", r.app.ClientID)
			cmURL.RawQuery = q.Encode()
			if st, _, _, err := r.getJSON(ctx, cmURL, "FedCM client metadata", false, nil); err == nil && st != http.StatusOK {
				notes = append(notes, fmt.Sprintf("client metadata answered %d", st))
			}
		}
	}

	// 5. the account: the user's pick in the chooser, or the returning one
	acct := accts.Accounts[0]
	if r.Account != "" {
		i := slices.IndexFunc(accts.Accounts, func(a fedcmAccount) bool { return a.ID == r.Account })
		if i < 0 {
			var ids []string
			for _, a := range accts.Accounts {
				ids = append(ids, a.ID)
			}
			return r.fail(oidc.ErrLoginRequired, fmt.Sprintf("the provider's accounts endpoint lists %s, not %s: the account chooser cannot offer %s (sign %s in at the provider first)", strings.Join(ids, ", "), r.Account, r.Account, r.Account))
		}
		acct = accts.Accounts[i]
	}
	// Chromium signs an account in without UI (auto re-authentication,
	// mediation silent or optional) only when its own record says the user
	// chose that account for this app through FedCM before: the provider's
	// approved_clients alone do not do (measured), though they can veto
	rpOrigin, idpOrigin := browser.Origin(r.origin), browser.Origin(cfgURL)
	approved := slices.Contains(acct.ApprovedClients, r.app.ClientID)
	var noAuto string
	switch last := b.LastAutoReauthn(rpOrigin); {
	case len(accts.Accounts) != 1:
		noAuto = fmt.Sprintf("%s signs in without UI only when the provider lists exactly one account, and it lists %d", browserName, len(accts.Accounts))
	case !b.FedCMPermission(rpOrigin, idpOrigin, acct.ID):
		did := "never did"
		if b.FedCMDisconnected(rpOrigin, idpOrigin, acct.ID) {
			did = "was disconnected since (fedcm-disconnect)"
		}
		noAuto = fmt.Sprintf("%s signs an account in without UI only when the user chose it for %s through FedCM in this browser before, and %s %s", browserName, rpOrigin, acct.ID, did)
		if approved {
			noAuto += fmt.Sprintf(" (the provider's approved_clients list %s, which %s does not take for the user's choice)", r.app.ClientID, browserName)
		}
	case acct.ApprovedClients != nil && !approved:
		noAuto = fmt.Sprintf("the provider's approved_clients for %s (%s) no longer include %s (disconnected), so %s does not sign it in without UI", acct.ID, listOrNone(acct.ApprovedClients), r.app.ClientID, browserName)
	case !last.IsZero() && r.model.QuietPeriod > 0 && b.Now().Sub(last) < r.model.QuietPeriod:
		noAuto = fmt.Sprintf("%s signs an account in without UI at most once per %s on an app, and did so on %s at %s", browserName, r.model.QuietPeriod, rpOrigin, last.UTC().Format("15:04:05"))
	}
	auto := noAuto == ""
	how := "the user picked " + acct.ID + " in " + browserName + "'s account chooser"
	switch {
	case r.Silent && !auto:
		return r.fail(oidc.ErrInteractionRequired, noAuto+": mediation silent fails, the app must show the account chooser (mediation: optional)")
	case auto:
		how = fmt.Sprintf("%s signed %s in without UI (auto re-authentication: the user chose %s for this app through FedCM before)", browserName, acct.ID, acct.ID)
	}

	// 6. the ID assertion: POST with the app's Origin and the cookies
	nonce, verifier := randomString(12), randomString(32)
	form := url.Values{"client_id": {r.app.ClientID}, "account_id": {acct.ID}, "nonce": {nonce},
		"disclosure_text_shown": {fmt.Sprint(!auto && !approved)}, "is_auto_selected": {fmt.Sprint(auto)}}
	if r.Code {
		params, _ := json.Marshal(map[string]string{"response_type": "code", "code_challenge": oidc.PKCEChallengeS256(verifier),
			"code_challenge_method": "S256", "scope": r.app.Scope})
		form.Set("params", string(params))
	}
	resp, body, _, err := b.FedCMFetch(ctx, browser.FedCMRequest{Method: http.MethodPost, URL: assertionURL, Form: form, Origin: r.origin, Credentialed: true, Note: "FedCM ID assertion"})
	if err != nil {
		return outcome{err: fmt.Errorf("FedCM ID assertion %s: %v", assertionURL.Redacted(), unwrapURLError(err))}
	}
	var ans struct {
		Token      string          `json:"token"`
		ContinueOn string          `json:"continue_on"`
		Error      json.RawMessage `json:"error"`
	}
	_ = json.Unmarshal(body, &ans)
	cors := resp.Header.Get("Access-Control-Allow-Origin") == browser.Origin(r.origin) && resp.Header.Get("Access-Control-Allow-Credentials") == "true"
	if resp.StatusCode != http.StatusOK || ans.Error != nil {
		code, desc := fedcmErrorCode(ans.Error)
		if code == "" {
			code = fmt.Sprintf("http_%d", resp.StatusCode)
		}
		if d := resp.Header.Get("SSOkit-Error-Description"); d != "" {
			desc = d
		}
		why := fmt.Sprintf("the provider's ID assertion endpoint refused %s for %s on %s with %s", acct.ID, r.app.ClientID, browser.Origin(r.origin), code)
		if desc != "" {
			why += " (" + desc + ")"
		}
		if !cors {
			why += "; without CORS headers for that origin, the page sees only a network error"
		}
		return r.fail(code, why)
	}
	if !cors {
		return r.broken("the provider's ID assertion response lacks Access-Control-Allow-Origin: %s with Access-Control-Allow-Credentials: true, so %s rejects it (the FedCM spec requires CORS on the ID assertion endpoint)", browser.Origin(r.origin), browserName)
	}
	if ans.ContinueOn != "" {
		return r.broken("the provider answered continue_on %s (a pop-up the provider opens): not modelled by the simulator", ans.ContinueOn)
	}
	if ans.Token == "" {
		return r.broken("the provider's ID assertion response has no token: %s", excerpt(body))
	}
	b.GrantFedCMPermission(rpOrigin, idpOrigin, acct.ID)
	if auto {
		b.NoteAutoReauthn(rpOrigin)
	}
	o := outcome{top: r.origin, notes: notes}
	var ts *tokenSet
	if r.Code {
		ts, err = tokenRequest(ctx, b, r.app, fr.disc.TokenEndpoint, url.Values{
			"grant_type": {"authorization_code"}, "code": {ans.Token}, "client_id": {r.app.ClientID}, "code_verifier": {verifier}})
		if err != nil {
			var oe *oidc.Error
			if errors.As(err, &oe) {
				return r.fail(oe.Code, "the token endpoint refused the code from the FedCM ID assertion: "+oe.Description)
			}
			return outcome{err: err}
		}
		if ts.IDToken == "" {
			return r.broken("the token response for the FedCM code has no id_token")
		}
	} else {
		ts = &tokenSet{IDToken: ans.Token}
	}
	if e := fr.checkIDToken(ts.IDToken, nonce); e != nil {
		if oe, ok := e.(*oidc.Error); ok {
			return r.fail(oe.Code, oe.Description)
		}
		return r.broken("the FedCM %s: %v", map[bool]string{true: "code's ID token", false: "token"}[r.Code], e)
	}
	u, err := token.Decode(ts.IDToken)
	if err != nil {
		return r.broken("the FedCM token is not a JWT: %v", err)
	}
	claims := u.Claims
	if !audienceHas(claims["aud"], r.app.ClientID) {
		return r.broken("the FedCM ID token's aud %v is not %s", claims["aud"], r.app.ClientID)
	}
	ts.IDClaims = claims
	fr.tokens[r.app.Name] = ts
	o.tokens, o.claims = ts, claims
	what := "an ID token"
	if r.Code {
		what = "a code, exchanged with PKCE for tokens"
	}
	sent := "its SameSite=None session cookie"
	if len(aex.Sent) == 0 {
		sent = "no cookie"
	}
	o.explanation = r.cite(fmt.Sprintf("%s sent the provider's accounts endpoint %s (FedCM requests are first-party to the provider: third-party cookie blocking does not apply), %s, and the ID assertion endpoint answered %s with %s", browserName, sent, how, r.app.ClientID, what))
	return o
}

// noAccount explains an accounts answer without an account: which cookie
// the browser withheld and why, or that nobody signed in; it records the
// provider as logged-out, as browsers do.
func (r *fedcmRun) noAccount(cfgURL, accountsURL *url.URL, status int, body []byte, ex browser.Exchange) outcome {
	b, name := r.fr.b, r.fr.profile.Browser
	prior := b.LoginStatus(cfgURL)
	b.SetLoginStatus(cfgURL, "logged-out")
	got := "no account"
	if status != http.StatusOK {
		got = fmt.Sprintf("%d", status)
		if code, _ := fedcmErrorCode(extractError(body)); code != "" {
			got += " " + code
		}
	}
	var why string
	if len(ex.Blocked) > 0 {
		bl := pickSessionCookie(ex.Blocked)
		switch bl.Reasons[0] {
		case browser.BlockSameSiteLaxDefault:
			why = fmt.Sprintf("the provider's session cookie (%s) has no SameSite attribute, which %s treats as Lax, and %s sends only SameSite=None cookies with FedCM requests, so the accounts endpoint answered %s: set SameSite=None; Secure on it (session_cookie: {same_site: none})", bl.Cookie.Name, name, name, got)
		default:
			why = fmt.Sprintf("the provider's session cookie (%s) is not SameSite=None, and %s sends only SameSite=None cookies with FedCM requests, so the accounts endpoint answered %s: set SameSite=None; Secure on it (session_cookie: {same_site: none})", bl.Cookie.Describe(), name, got)
		}
	} else if len(ex.Sent) > 0 {
		why = fmt.Sprintf("%s sent the provider's cookies with the FedCM accounts request, and the accounts endpoint answered %s: the provider's session is over; sign in at the provider again", name, got)
	} else {
		why = fmt.Sprintf("%s has no cookie of the provider to send with the FedCM accounts request, so the accounts endpoint answered %s: the user signs in at the provider first", name, got)
	}
	if prior == "logged-in" {
		why += fmt.Sprintf(" (the provider had said Set-Login: logged-in, so %s shows its \"sign in to the provider\" dialog, which the user dismisses)", name)
	}
	if !r.fr.underIssuer(cfgURL) {
		why += fmt.Sprintf("; note: the FedCM config file %s is not under the issuer %s, so these are another issuer's endpoints (the site's well-known file lists no config file of this issuer; name it with config_url)", cfgURL, r.fr.r.Issuer)
	}
	return r.fail(oidc.ErrLoginRequired, why)
}

func extractError(body []byte) json.RawMessage {
	var m struct {
		Error json.RawMessage `json:"error"`
	}
	_ = json.Unmarshal(body, &m)
	return m.Error
}

// fedcmErrorCode reads the spec's {"code", "url"} error object (or, from
// providers that answer OAuth-style, a bare string).
func fedcmErrorCode(raw json.RawMessage) (code, desc string) {
	if len(raw) == 0 {
		return "", ""
	}
	var e struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Code != "" {
		return e.Code, ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, ""
	}
	return "", ""
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func audienceHas(aud any, id string) bool {
	switch v := aud.(type) {
	case string:
		return v == id
	case []any:
		for _, a := range v {
			if a == id {
				return true
			}
		}
	}
	return false
}
