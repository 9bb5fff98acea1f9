package browser

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// ThirdPartyPolicy is what a browser does with cookies in a third-party
// context: a request whose site differs from the top-level document's site.
type ThirdPartyPolicy int

const (
	// ThirdPartyAllow sends and stores third-party cookies (SameSite=None).
	ThirdPartyAllow ThirdPartyPolicy = iota
	// ThirdPartyBlock neither sends nor stores unpartitioned third-party cookies.
	ThirdPartyBlock
	// ThirdPartyPartition keeps a separate cookie jar per top-level site, so
	// a cookie set at top level is invisible to the same site in an iframe
	// under another top-level site (Firefox's Total Cookie Protection).
	ThirdPartyPartition
)

// Profile is a browser's cookie policy.
type Profile struct {
	// Name is the profile's name on the command line: chrome, safari …
	Name string
	// Browser is how sentences name the browser ("Chrome", "Safari").
	Browser string
	// LaxByDefault treats a cookie without SameSite as Lax (Chrome). Safari
	// and Firefox treat it as None.
	LaxByDefault bool
	// LaxAllowUnsafe is Chrome's "Lax+POST" mitigation: a cookie without
	// SameSite younger than this is still sent on a cross-site top-level
	// POST (form_post responses rely on it). Zero disables it.
	LaxAllowUnsafe time.Duration
	// NoneRequiresSecure rejects SameSite=None cookies without Secure.
	NoneRequiresSecure bool
	// ThirdParty is the third-party cookie policy.
	ThirdParty ThirdPartyPolicy
	// PolicyName names the mechanism in explanations ("ITP").
	PolicyName string
	// BlocksIt ends the sentence saying a third-party cookie was blocked.
	BlocksIt string
}

var profiles = map[string]Profile{
	"chrome": {
		Name: "chrome", Browser: "Chrome", LaxByDefault: true, LaxAllowUnsafe: 2 * time.Minute,
		NoneRequiresSecure: true, ThirdParty: ThirdPartyAllow,
		PolicyName: "third-party cookies allowed",
	},
	"chrome-3pc-blocked": {
		Name: "chrome-3pc-blocked", Browser: "Chrome", LaxByDefault: true, LaxAllowUnsafe: 2 * time.Minute,
		NoneRequiresSecure: true, ThirdParty: ThirdPartyBlock,
		PolicyName: "third-party cookie blocking", BlocksIt: "Chrome, blocking third-party cookies, withholds it",
	},
	"safari": {
		Name: "safari", Browser: "Safari", ThirdParty: ThirdPartyBlock,
		PolicyName: "ITP", BlocksIt: "ITP blocks it",
	},
	"firefox": {
		Name: "firefox", Browser: "Firefox", NoneRequiresSecure: true, ThirdParty: ThirdPartyPartition,
		PolicyName: "Total Cookie Protection", BlocksIt: "Total Cookie Protection keeps it out",
	},
}

// ProfileNames lists the profiles in the order matrices show them.
func ProfileNames() []string {
	return []string{"chrome", "chrome-3pc-blocked", "safari", "firefox"}
}

// LookupProfile returns the named profile.
func LookupProfile(name string) (Profile, error) {
	p, ok := profiles[strings.ToLower(name)]
	if !ok {
		names := ProfileNames()
		sort.Strings(names)
		return Profile{}, fmt.Errorf("unknown browser profile %q (want one of %s)", name, strings.Join(names, ", "))
	}
	return p, nil
}
