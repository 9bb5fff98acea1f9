package browser

import (
	"fmt"
	"net/url"
	"time"
)

// StorageAccess is what a browser requires before
// document.requestStorageAccess() gives a cross-site iframe its
// unpartitioned cookies (https://privacycg.github.io/storage-access/), and
// how long the grant lasts. Every browser also requires a user gesture in
// the frame; a grant lifts only the third-party policy: SameSite=Lax and
// Strict cookies stay withheld from a cross-site frame (measured in
// Chromium).
type StorageAccess struct {
	// PriorVisit: the embedded site must have been used at top level
	// before (here: a top-level navigation to it in this browser).
	PriorVisit bool
	// Prompt: the browser asks the user; without it the browser decides.
	Prompt bool
	// Lifetime of a grant for the <embedded site, top-level site> pair;
	// zero means it lasts for the page only (the next frame needs a
	// gesture again, though the prompt is not repeated).
	Lifetime time.Duration
	// Model is one sentence saying what the profile models.
	Model string
	// CheckedAgainst cites what the model was checked against.
	CheckedAgainst string
}

var storageAccessModels = map[string]StorageAccess{
	"chrome": {
		Model:          "third-party cookies are allowed, so a frame already has storage access",
		CheckedAgainst: "headless Chromium 156 with third-party cookies allowed: the framed silent request gets its code without asking (pkg/provider TestThirdPartyCookieAPIsTable)",
	},
	"chrome-3pc-blocked": {
		PriorVisit: true, Prompt: true, Lifetime: 30 * 24 * time.Hour,
		Model:          "Chrome grants storage access after a click in the frame and the user's yes at a prompt, to a site the user visited at top level, for 30 days",
		CheckedAgainst: "headless Chromium 156 (pkg/provider TestThirdPartyCookieAPIsTable: no access without a gesture, a declined prompt rejects, a granted one unblocks SameSite=None cookies only) and Chrome's Privacy Sandbox help (prompt, 30-day grant renewed on use)",
	},
	"safari": {
		PriorVisit: true, Prompt: true,
		Model:          "Safari grants storage access to a site the user used at top level, after a click in the frame; it prompts the first time and then needs only the click, on every page",
		CheckedAgainst: "WebKit's answer in privacycg/storage-access#172 (a gesture on each new page, the prompt remembered); not measured here, no Safari",
	},
	"firefox": {
		Lifetime:       24 * time.Hour,
		Model:          "Firefox grants storage access after a click in the frame without prompting (up to a per-session number of sites), for the session and at most 24 hours",
		CheckedAgainst: "MDN's Document.requestStorageAccess() (Firefox's automatic grants); not measured here, no Firefox",
	},
}

// StorageAccess returns the profile's storage-access model.
func (p Profile) StorageAccess() StorageAccess { return storageAccessModels[p.Name] }

type saKey struct{ top, embedded string }

type saGrant struct {
	expires  time.Time // when a lasting grant ends
	pageOnly bool      // serves the next frame only
	consumed bool      // the page-only grant was used
	prompted bool      // the user said yes once (Safari does not ask again)
}

// StorageAccessResult is the browser's answer to requestStorageAccess.
type StorageAccessResult struct {
	Granted bool
	// Why is one sentence for reports.
	Why string
}

// RequestStorageAccess plays document.requestStorageAccess() called with a
// user gesture in a frame of embedded on a page of top; accept is the
// user's answer if the browser prompts.
func (b *Browser) RequestStorageAccess(top, embedded *url.URL, accept bool) StorageAccessResult {
	return b.jar.requestStorageAccess(top, embedded, accept)
}

func (j *Jar) requestStorageAccess(top, embedded *url.URL, accept bool) StorageAccessResult {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	p := j.profile
	m := p.StorageAccess()
	k := saKey{Site(top), Site(embedded)}
	if k.top == k.embedded {
		return StorageAccessResult{true, fmt.Sprintf("%s is same-site with %s: the frame has its cookies without asking", k.embedded, k.top)}
	}
	if p.ThirdParty == ThirdPartyAllow {
		return StorageAccessResult{true, fmt.Sprintf("%s allows third-party cookies, so the frame already has storage access", p.Name)}
	}
	if j.sa == nil {
		j.sa = map[saKey]*saGrant{}
	}
	g := j.sa[k]
	if g != nil && !g.pageOnly && now.Before(g.expires) {
		return StorageAccessResult{true, fmt.Sprintf("%s remembers the grant for %s on %s until %s", p.Browser, k.embedded, k.top, g.expires.UTC().Format(time.RFC3339))}
	}
	if m.PriorVisit && j.visited[k.embedded].IsZero() {
		return StorageAccessResult{false, fmt.Sprintf("%s grants storage access only to a site the user has used at top level, and %s was never visited at top level: sign in on the provider's own page first", p.Browser, k.embedded)}
	}
	prompted := g != nil && g.prompted
	if m.Prompt && !prompted && !accept {
		return StorageAccessResult{false, fmt.Sprintf("the user declined %s's prompt to let %s use its cookies on %s", p.Browser, k.embedded, k.top)}
	}
	ng := &saGrant{prompted: m.Prompt || prompted, pageOnly: true}
	how := "for this page only: the next frame needs a click again"
	if m.Lifetime > 0 {
		ng.expires, ng.pageOnly = now.Add(m.Lifetime), false
		how = "for " + days(m.Lifetime)
	}
	j.sa[k] = ng
	asked := "without a prompt"
	if m.Prompt && !prompted {
		asked = "after the user said yes at the prompt"
	} else if m.Prompt {
		asked = "without prompting again"
	}
	return StorageAccessResult{true, fmt.Sprintf("%s granted %s storage access on %s %s, %s", p.Browser, k.embedded, k.top, asked, how)}
}

// storageAccessLocked reports whether r, a request of a cross-site frame,
// carries a storage-access grant, consuming a page-only grant. j.mu held.
func (j *Jar) storageAccessLocked(r Request, now time.Time) bool {
	if r.Context != IFrame || !r.ThirdParty() || j.sa == nil {
		return false
	}
	k := saKey{r.TopSite(), Site(r.URL)}
	g := j.sa[k]
	if g == nil {
		return false
	}
	if g.pageOnly {
		if g.consumed {
			return false
		}
		if r.Navigation {
			g.consumed = true
		}
		return true
	}
	return now.Before(g.expires)
}

// noteVisitLocked records a top-level navigation's site. j.mu held.
func (j *Jar) noteVisitLocked(r Request, now time.Time) {
	if r.topLevelNavigation() {
		if j.visited == nil {
			j.visited = map[string]time.Time{}
		}
		j.visited[Site(r.URL)] = now
	}
}

func days(d time.Duration) string {
	switch n := d / (24 * time.Hour); {
	case d%(24*time.Hour) != 0:
		return d.String()
	case n == 1:
		return "24 hours"
	default:
		return fmt.Sprintf("%d days", n)
	}
}
