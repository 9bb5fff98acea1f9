package browser

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// FedCM is what a browser does with navigator.credentials.get({identity})
// (Federated Credential Management, https://w3c-fedid.github.io/FedCM/):
// whether it implements it, and the rules the model applies.
type FedCM struct {
	// Supported: the browser implements FedCM.
	Supported bool
	// QuietPeriod is how long after an automatic re-authentication the
	// browser refuses another one for the same app (Chrome: 10 minutes).
	QuietPeriod time.Duration
	// Model is one sentence saying what the profile models.
	Model string
	// CheckedAgainst cites what the model was checked against.
	CheckedAgainst string
}

const (
	fedcmChromeModel = "Chrome's FedCM sends the provider's SameSite=None cookies, and only those, to its accounts and ID assertion endpoints whatever the third-party cookie setting, " +
		"shows the account chooser, signs an account in without UI only when the user chose it for the app through FedCM in this browser before (approved_clients alone do not do), at most once per 10 minutes, and honours Set-Login"
	fedcmChromeChecked = "headless Chromium 156%s (pkg/cmd/flow/run TestFedCMStepMatchesChromium: silent refused before a FedCM sign-in even with approved_clients, chooser, auto re-authentication, the quiet period; pkg/provider TestFedCMSignInBrowser and TestThirdPartyCookieAPIsTable; pkg/scaffold TestFedCMTemplate); " +
		"the FedCM spec for the request shapes; Chrome's FedCM documentation for automatic re-authentication under mediation optional (not measured)"
)

var fedcmModels = map[string]FedCM{
	"chrome": {
		Supported: true, QuietPeriod: 10 * time.Minute, Model: fedcmChromeModel,
		CheckedAgainst: fmt.Sprintf(fedcmChromeChecked, " with third-party cookies allowed"),
	},
	"chrome-3pc-blocked": {
		Supported: true, QuietPeriod: 10 * time.Minute, Model: fedcmChromeModel,
		CheckedAgainst: fmt.Sprintf(fedcmChromeChecked, " with third-party cookies blocked"),
	},
	"safari": {
		Model:          "Safari does not implement FedCM",
		CheckedAgainst: "MDN's compatibility table for FedCM; not measured here, no Safari",
	},
	"firefox": {
		Model:          "Firefox does not ship FedCM (it sits behind a preference, off by default)",
		CheckedAgainst: "MDN's compatibility table for FedCM; not measured here, no Firefox",
	},
}

// FedCM returns the profile's FedCM model.
func (p Profile) FedCM() FedCM { return fedcmModels[p.Name] }

// LoginStatus is what the provider last told the browser with the Login
// Status API's Set-Login header: "logged-in", "logged-out" or "" (never).
func (b *Browser) LoginStatus(provider *url.URL) string {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	return b.jar.loginStatus[Origin(provider)]
}

// SetLoginStatus records a login status for the provider's origin, as the
// browser does when a FedCM accounts list comes back empty (logged-out).
func (b *Browser) SetLoginStatus(provider *url.URL, status string) {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	b.jar.setLoginStatusLocked(Origin(provider), status)
}

func (j *Jar) setLoginStatusLocked(origin, status string) {
	if j.loginStatus == nil {
		j.loginStatus = map[string]string{}
	}
	j.loginStatus[origin] = status
}

// noteSetLogin records a Set-Login header on a response to r: the browser
// honours it on the provider's own top-level documents.
func (j *Jar) noteSetLogin(r Request, h http.Header) {
	v := strings.TrimSpace(strings.ToLower(h.Get("Set-Login")))
	if (v != "logged-in" && v != "logged-out") || !r.topLevelNavigation() {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.setLoginStatusLocked(Origin(r.URL), v)
}

// LastAutoReauthn returns when the browser last signed an account in
// automatically on the app's origin (zero if never), and NoteAutoReauthn
// records one now.
func (b *Browser) LastAutoReauthn(app string) time.Time {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	return b.jar.autoReauthn[app]
}

// NoteAutoReauthn records an automatic re-authentication on app now.
func (b *Browser) NoteAutoReauthn(app string) {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	if b.jar.autoReauthn == nil {
		b.jar.autoReauthn = map[string]time.Time{}
	}
	b.jar.autoReauthn[app] = b.jar.now()
}

// FedCMPermission reports whether the user granted app (an origin) the
// provider's (an origin) account through FedCM in this browser: Chromium
// keeps that record and signs an account in automatically only when it has
// one, whatever the provider's approved_clients say (measured).
func (b *Browser) FedCMPermission(app, provider, account string) bool {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	return b.jar.fedcmGrants[[3]string{app, provider, account}]
}

// FedCMDisconnected reports whether the app disconnected the account
// (IdentityCredential.disconnect) since the user last chose it.
func (b *Browser) FedCMDisconnected(app, provider, account string) bool {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	granted, seen := b.jar.fedcmGrants[[3]string{app, provider, account}]
	return seen && !granted
}

// GrantFedCMPermission records a FedCM sign-in of account at app.
func (b *Browser) GrantFedCMPermission(app, provider, account string) {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	if b.jar.fedcmGrants == nil {
		b.jar.fedcmGrants = map[[3]string]bool{}
	}
	b.jar.fedcmGrants[[3]string{app, provider, account}] = true
}

// Now is the browser's clock.
func (b *Browser) Now() time.Time { return b.jar.now() }

// fedcmCookies returns what a FedCM credentialed request to u carries: the
// provider's unpartitioned cookies that are SameSite=None (Chromium sends
// FedCM requests as cross-site for SameSite yet exempt from third-party
// cookie blocking), and the cookies it withheld and why.
func (j *Jar) fedcmCookies(u *url.URL) (send []Cookie, blocked []Blocked) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	host := canonicalHost(u)
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	secure := PotentiallyTrustworthy(u)
	var picked []*Cookie
	for _, c := range j.cookies {
		if c.Persistent && !c.Expires.After(now) || c.Partition != "" {
			continue
		}
		if c.HostOnly && host != c.Domain || !c.HostOnly && !domainMatch(host, c.Domain) {
			continue
		}
		if !pathMatch(path, c.Path) || c.Secure && !secure {
			continue
		}
		switch eff, laxDefault := j.effectiveSameSite(c); {
		case eff == SameSiteStrict:
			blocked = append(blocked, Blocked{Cookie: *c, Reasons: []BlockReason{BlockSameSiteStrict}})
			continue
		case eff == SameSiteLax && laxDefault:
			blocked = append(blocked, Blocked{Cookie: *c, Reasons: []BlockReason{BlockSameSiteLaxDefault}})
			continue
		case eff == SameSiteLax:
			blocked = append(blocked, Blocked{Cookie: *c, Reasons: []BlockReason{BlockSameSiteLax}})
			continue
		}
		picked = append(picked, c)
	}
	return sendOrder(picked, now), blocked
}

// FedCMRequest is one of the browser's own FedCM requests to the provider
// (Sec-Fetch-Dest: webidentity, which no page can send).
type FedCMRequest struct {
	Method string
	URL    *url.URL
	Form   url.Values
	// Origin is the app's origin, sent on the ID assertion and disconnect
	// POSTs (CORS mode); nil on the GETs.
	Origin *url.URL
	// Credentialed: the request carries the provider's cookies (accounts,
	// ID assertion, disconnect); the well-known, config and client
	// metadata fetches carry none.
	Credentialed bool
	// Note names the request in traces ("FedCM accounts").
	Note string
}

// FedCMFetch performs a FedCM request as Chromium does and returns the
// response with its body read. The exchange is traced with the cookies
// sent and withheld.
func (b *Browser) FedCMFetch(ctx context.Context, fr FedCMRequest) (*http.Response, []byte, Exchange, error) {
	if fr.Method == "" {
		fr.Method = http.MethodGet
	}
	start := time.Now()
	ex := Exchange{Context: TopLevel, Method: fr.Method, URL: fr.URL, Initiator: fr.Origin, Top: fr.Origin, Note: fr.Note}
	var body io.Reader
	if fr.Form != nil {
		body = strings.NewReader(fr.Form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, fr.Method, fr.URL.String(), body)
	if err != nil {
		return nil, nil, ex, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ssokit-flow/1 ("+b.jar.profile.Name+")")
	req.Header.Set("Sec-Fetch-Dest", "webidentity")
	if fr.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if fr.Origin != nil {
		req.Header.Set("Origin", Origin(fr.Origin))
		req.Header.Set("Sec-Fetch-Mode", "cors")
		req.Header.Set("Sec-Fetch-Site", Request{URL: fr.URL, Initiator: fr.Origin, Top: fr.Origin}.SecFetchSite())
	} else {
		req.Header.Set("Sec-Fetch-Mode", "no-cors")
		req.Header.Set("Sec-Fetch-Site", "none")
	}
	if fr.Credentialed {
		ex.Sent, ex.Blocked = b.jar.fedcmCookies(fr.URL)
		if len(ex.Sent) > 0 {
			req.Header.Set("Cookie", CookieHeader(ex.Sent))
		}
	}
	resp, err := b.transport.RoundTrip(req)
	if err != nil {
		ex.Err, ex.Duration = err, time.Since(start)
		b.record(ex)
		return nil, nil, ex, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	ex.Status, ex.Duration, ex.Err = resp.StatusCode, time.Since(start), err
	b.record(ex)
	return resp, data, ex, err
}

// FedCMConnected lists the accounts the user chose for app through FedCM
// with the provider in this browser.
func (b *Browser) FedCMConnected(app, provider string) []string {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	var out []string
	for k := range b.jar.fedcmGrants {
		if k[0] == app && k[1] == provider && b.jar.fedcmGrants[k] {
			out = append(out, k[2])
		}
	}
	sort.Strings(out)
	return out
}

// RevokeFedCMPermission forgets that the user chose account for app with
// the provider; account "*" forgets every account of that pair.
func (b *Browser) RevokeFedCMPermission(app, provider, account string) {
	b.jar.mu.Lock()
	defer b.jar.mu.Unlock()
	for k := range b.jar.fedcmGrants {
		if k[0] == app && k[1] == provider && (account == "*" || k[2] == account) {
			b.jar.fedcmGrants[k] = false // remembered as disconnected
		}
	}
}
