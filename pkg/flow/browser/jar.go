package browser

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Cookie is a stored cookie (RFC 6265bis section 5.7).
type Cookie struct {
	Name, Value string
	// Domain is the cookie's domain; with HostOnly it is the exact host.
	Domain   string
	HostOnly bool
	Path     string
	Secure   bool
	HttpOnly bool
	SameSite SameSiteMode
	// Persistent is false for a session cookie (no Expires, no Max-Age).
	Persistent bool
	Expires    time.Time
	Created    time.Time
	LastAccess time.Time
	// Partition is the top-level site whose partition holds the cookie;
	// "" for the unpartitioned jar.
	Partition string
}

// Describe renders the cookie the way explanations name it:
// "ssokit_session, SameSite=None".
func (c Cookie) Describe() string {
	if c.SameSite == SameSiteUnset {
		return c.Name + ", no SameSite"
	}
	return c.Name + ", SameSite=" + c.SameSite.String()
}

// BlockReason says why a cookie that matched a request was withheld, or
// why a Set-Cookie was refused. The names follow Chromium's DevTools.
type BlockReason string

const (
	BlockSameSiteStrict     BlockReason = "SameSiteStrict"
	BlockSameSiteLax        BlockReason = "SameSiteLax"
	BlockSameSiteLaxDefault BlockReason = "SameSiteUnspecifiedTreatedAsLax"
	BlockThirdParty         BlockReason = "ThirdPartyBlocked"
	BlockPartitioned        BlockReason = "ThirdPartyPartitioned"
	BlockSecureOnly         BlockReason = "SecureOnly"
	BlockNoneInsecure       BlockReason = "SameSiteNoneInsecure"
	BlockInvalidDomain      BlockReason = "InvalidDomain"
	BlockInvalidPrefix      BlockReason = "InvalidPrefix"
	BlockOverwriteSecure    BlockReason = "OverwriteSecure"
	BlockSyntax             BlockReason = "SyntaxError"
)

// IsPolicy reports whether the reason comes from SameSite or a third-party
// cookie policy, the failures flow reports explain.
func (r BlockReason) IsPolicy() bool {
	switch r {
	case BlockSameSiteStrict, BlockSameSiteLax, BlockSameSiteLaxDefault, BlockThirdParty, BlockPartitioned:
		return true
	}
	return false
}

// Blocked is a cookie withheld from a request.
type Blocked struct {
	Cookie  Cookie
	Reasons []BlockReason
}

// SetResult is the fate of one Set-Cookie header.
type SetResult struct {
	Name   string
	Stored bool
	// Deleted is true when the header removed a cookie (expiry in the past).
	Deleted bool
	Reason  BlockReason
	Header  string
}

// Jar is a cookie store that applies a Profile's policies. It is safe for
// concurrent use.
type Jar struct {
	mu      sync.Mutex
	profile Profile
	now     func() time.Time
	cookies []*Cookie
	// storage access (storage_access.go): grants by <top, embedded> site
	// pair, and when each site was last visited at top level
	sa      map[saKey]*saGrant
	visited map[string]time.Time
	// FedCM (fedcm.go): the Login Status API's status by provider origin,
	// and the last automatic re-authentication by app origin
	loginStatus map[string]string
	autoReauthn map[string]time.Time
	// <app, provider, account>: true when the user chose the account through
	// FedCM, false once the app disconnected it
	fedcmGrants map[[3]string]bool
}

// NewJar returns an empty jar; now may be nil for time.Now.
func NewJar(p Profile, now func() time.Time) *Jar {
	if now == nil {
		now = time.Now
	}
	return &Jar{profile: p, now: now}
}

// Profile returns the jar's policy profile.
func (j *Jar) Profile() Profile { return j.profile }

// maxCookieAge is RFC 6265bis's cap on a cookie's lifetime (400 days).
const maxCookieAge = 400 * 24 * time.Hour

// SetCookies runs the storage model for each Set-Cookie header of a
// response to r.
func (j *Jar) SetCookies(r Request, headers []string) []SetResult {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]SetResult, 0, len(headers))
	for _, h := range headers {
		res := j.setCookie(r, h)
		res.Header = h
		out = append(out, res)
	}
	return out
}

func (j *Jar) setCookie(r Request, header string) SetResult {
	now := j.now()
	sc, ok := parseSetCookie(header)
	if !ok {
		return SetResult{Reason: BlockSyntax}
	}
	res := SetResult{Name: sc.name}
	fail := func(reason BlockReason) SetResult { res.Reason = reason; return res }
	host := canonicalHost(r.URL)
	c := &Cookie{Name: sc.name, Value: sc.value, Secure: sc.secure, HttpOnly: sc.httpOnly,
		SameSite: sc.sameSite, Created: now, LastAccess: now}

	// Expiry: Max-Age wins over Expires; both are capped at 400 days.
	switch {
	case sc.maxAge != nil:
		c.Persistent = true
		if *sc.maxAge <= 0 {
			c.Expires = time.Unix(0, 0)
		} else if d := time.Duration(*sc.maxAge) * time.Second; d > maxCookieAge || d < 0 {
			c.Expires = now.Add(maxCookieAge)
		} else {
			c.Expires = now.Add(d)
		}
	case !sc.expires.IsZero():
		c.Persistent = true
		c.Expires = sc.expires
		if c.Expires.After(now.Add(maxCookieAge)) {
			c.Expires = now.Add(maxCookieAge)
		}
	}

	// Domain: a public suffix is only accepted when it is the host itself
	// (and then makes a host-only cookie); a host without a registrable
	// domain (localhost, an IP) accepts only its own name.
	if sc.hasDomain {
		d := sc.domain
		if IsPublicSuffix(d) || (RegistrableDomain(host) == "" && d != host) {
			if d != host {
				return fail(BlockInvalidDomain)
			}
			sc.hasDomain = false
		} else if !domainMatch(host, d) {
			return fail(BlockInvalidDomain)
		}
	}
	if sc.hasDomain {
		c.Domain = sc.domain
	} else {
		c.Domain, c.HostOnly = host, true
	}
	c.Path = sc.path
	if c.Path == "" {
		c.Path = defaultPath(r.URL)
	}

	secureOrigin := PotentiallyTrustworthy(r.URL)
	if c.Secure && !secureOrigin {
		return fail(BlockSecureOnly)
	}
	if strings.HasPrefix(c.Name, "__Secure-") && !c.Secure {
		return fail(BlockInvalidPrefix)
	}
	if strings.HasPrefix(c.Name, "__Host-") && (!c.Secure || !c.HostOnly || c.Path != "/") {
		return fail(BlockInvalidPrefix)
	}
	// An insecure origin may not shadow a Secure cookie (6265bis 5.7 step 15).
	if !secureOrigin {
		for _, old := range j.cookies {
			if old.Secure && old.Name == c.Name &&
				(domainMatch(c.Domain, old.Domain) || domainMatch(old.Domain, c.Domain)) &&
				pathMatch(c.Path, old.Path) {
				return fail(BlockOverwriteSecure)
			}
		}
	}
	if c.SameSite == SameSiteNone && !c.Secure && j.profile.NoneRequiresSecure {
		return fail(BlockNoneInsecure)
	}
	// A SameSite cookie set by a cross-site response survives only on a
	// top-level navigation.
	if eff, laxDefault := j.effectiveSameSite(c); eff != SameSiteNone && !r.SameSiteRequest() && !r.topLevelNavigation() {
		switch {
		case eff == SameSiteStrict:
			return fail(BlockSameSiteStrict)
		case laxDefault:
			return fail(BlockSameSiteLaxDefault)
		default:
			return fail(BlockSameSiteLax)
		}
	}
	// Third-party policy and partitions.
	if r.ThirdParty() {
		switch j.profile.ThirdParty {
		case ThirdPartyBlock:
			if !(sc.partitioned && c.Secure && j.profile.LaxByDefault) { // CHIPS: Chrome only
				return fail(BlockThirdParty)
			}
			c.Partition = r.TopSite()
		case ThirdPartyPartition:
			c.Partition = r.TopSite()
		case ThirdPartyAllow:
			if sc.partitioned && c.Secure {
				c.Partition = r.TopSite()
			}
		}
	} else if sc.partitioned && c.Secure && j.profile.LaxByDefault {
		c.Partition = r.TopSite()
	}

	// Replace a cookie with the same identity, keeping its creation time.
	for i, old := range j.cookies {
		if old.Name == c.Name && old.Domain == c.Domain && old.HostOnly == c.HostOnly &&
			old.Path == c.Path && old.Partition == c.Partition {
			c.Created = old.Created
			j.cookies = append(j.cookies[:i], j.cookies[i+1:]...)
			res.Deleted = true
			break
		}
	}
	if c.Persistent && !c.Expires.After(now) {
		return res // an expired cookie only deletes
	}
	res.Deleted = false
	res.Stored = true
	j.cookies = append(j.cookies, c)
	return res
}

// effectiveSameSite resolves an unset SameSite under the profile.
func (j *Jar) effectiveSameSite(c *Cookie) (mode SameSiteMode, laxByDefault bool) {
	if c.SameSite != SameSiteUnset {
		return c.SameSite, false
	}
	if j.profile.LaxByDefault {
		return SameSiteLax, true
	}
	return SameSiteNone, false
}

// Cookies returns the cookies a browser attaches to r, in the RFC's order
// (longer paths first, then older first), and the cookies that matched the
// URL but were withheld by SameSite or the third-party policy.
func (j *Jar) Cookies(r Request) (send []Cookie, blocked []Blocked) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	host := canonicalHost(r.URL)
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	secure := PotentiallyTrustworthy(r.URL)
	third := r.ThirdParty()
	j.noteVisitLocked(r, now)
	access := third && j.storageAccessLocked(r, now) // unpartitioned cookies, SameSite still applies
	partitionKey := ""
	if third && j.profile.ThirdParty == ThirdPartyPartition && !access {
		partitionKey = r.TopSite()
	}
	live := j.cookies[:0]
	var picked []*Cookie
	for _, c := range j.cookies {
		if c.Persistent && !c.Expires.After(now) {
			continue // expired: evict
		}
		live = append(live, c)
		if c.HostOnly && host != c.Domain || !c.HostOnly && !domainMatch(host, c.Domain) {
			continue
		}
		if !pathMatch(path, c.Path) || c.Secure && !secure {
			continue
		}
		var reasons []BlockReason
		if j.profile.ThirdParty == ThirdPartyPartition {
			if c.Partition != partitionKey {
				if c.Partition == "" {
					reasons = append(reasons, BlockPartitioned)
				} else {
					continue // another partition's cookie: not even a candidate
				}
			}
		} else if c.Partition != "" {
			if c.Partition != r.TopSite() {
				continue
			}
		} else if third && j.profile.ThirdParty == ThirdPartyBlock && !access {
			reasons = append(reasons, BlockThirdParty)
		}
		if !r.SameSiteRequest() {
			eff, laxDefault := j.effectiveSameSite(c)
			switch eff {
			case SameSiteStrict:
				reasons = append(reasons, BlockSameSiteStrict)
			case SameSiteLax:
				allowed := r.topLevelNavigation() && r.safeMethod()
				if !allowed && laxDefault && j.profile.LaxAllowUnsafe > 0 && r.topLevelNavigation() &&
					now.Sub(c.Created) < j.profile.LaxAllowUnsafe {
					allowed = true
				}
				if !allowed {
					if laxDefault {
						reasons = append(reasons, BlockSameSiteLaxDefault)
					} else {
						reasons = append(reasons, BlockSameSiteLax)
					}
				}
			}
		}
		if len(reasons) > 0 {
			// SameSite reasons first: they block whatever the policy.
			sort.SliceStable(reasons, func(a, b int) bool { return !isPolicyTP(reasons[a]) && isPolicyTP(reasons[b]) })
			blocked = append(blocked, Blocked{Cookie: *c, Reasons: reasons})
			continue
		}
		picked = append(picked, c)
	}
	j.cookies = live
	return sendOrder(picked, now), blocked
}

// sendOrder is the order of a Cookie header (RFC 6265 §5.4: longer paths
// first, then older cookies), stamping each as used now.
func sendOrder(picked []*Cookie, now time.Time) []Cookie {
	sort.SliceStable(picked, func(a, b int) bool {
		if len(picked[a].Path) != len(picked[b].Path) {
			return len(picked[a].Path) > len(picked[b].Path)
		}
		return picked[a].Created.Before(picked[b].Created)
	})
	var send []Cookie
	for _, c := range picked {
		c.LastAccess = now
		send = append(send, *c)
	}
	return send
}

func isPolicyTP(r BlockReason) bool { return r == BlockThirdParty || r == BlockPartitioned }

// CookieHeader renders cookies as a Cookie request header value.
func CookieHeader(cs []Cookie) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString("; ")
		}
		if c.Name != "" {
			b.WriteString(c.Name)
			b.WriteByte('=')
		}
		b.WriteString(c.Value)
	}
	return b.String()
}

// All returns a copy of every live cookie, for reports and tests.
func (j *Jar) All() []Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	var out []Cookie
	for _, c := range j.cookies {
		if c.Persistent && !c.Expires.After(now) {
			continue
		}
		out = append(out, *c)
	}
	return out
}

// Clear empties the jar.
func (j *Jar) Clear() {
	j.mu.Lock()
	j.cookies = nil
	j.mu.Unlock()
}

func (c Cookie) String() string {
	return fmt.Sprintf("%s=%s; Domain=%s; Path=%s; SameSite=%s; Secure=%t; HttpOnly=%t; Partition=%q",
		c.Name, c.Value, c.Domain, c.Path, c.SameSite, c.Secure, c.HttpOnly, c.Partition)
}

func canonicalHost(u *url.URL) string {
	return strings.ToLower(strings.TrimSuffix(strings.Trim(u.Hostname(), "[]"), "."))
}

// domainMatch implements RFC 6265bis section 5.1.3.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return strings.HasSuffix(host, "."+domain) && !isIP(host)
}

func isIP(host string) bool {
	return strings.Trim(host, "0123456789.") == "" || strings.Contains(host, ":")
}

// pathMatch implements RFC 6265bis section 5.1.4.
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if strings.HasPrefix(reqPath, cookiePath) {
		return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
	}
	return false
}

// defaultPath implements RFC 6265bis section 5.1.4's default-path.
func defaultPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}
