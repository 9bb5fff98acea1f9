package browser

import (
	"net/url"
	"strings"
)

// ContextKind is the browsing context a request happens in.
type ContextKind int

const (
	// TopLevel is a tab's main document.
	TopLevel ContextKind = iota
	// IFrame is a frame nested in a top-level document, such as the hidden
	// iframe of silent authentication or a front-channel logout frame.
	IFrame
	// Popup is a new top-level window opened by another document; it is
	// first-party to its own URL, but its navigation is initiated by the
	// opener.
	Popup
)

func (k ContextKind) String() string {
	switch k {
	case IFrame:
		return "iframe"
	case Popup:
		return "popup"
	}
	return "top-level"
}

// Request describes one HTTP request for the cookie jar's purposes.
type Request struct {
	URL    *url.URL
	Method string
	// Context is the browsing context the request is made for.
	Context ContextKind
	// Navigation is true for a document load (the request that replaces the
	// context's document), false for a fetch or subresource.
	Navigation bool
	// Top is the top-level document's URL. A navigation of a top-level or
	// popup context ignores it: the new document is its own top level.
	Top *url.URL
	// Initiator is the origin of the document that started the request; nil
	// for a browser-initiated navigation (typed URL, bookmark).
	Initiator *url.URL
	// CrossSiteRedirect records that the redirect chain leading here passed
	// through another site; such a request is never same-site.
	CrossSiteRedirect bool
	// UserActivated is set on navigations the user started (Sec-Fetch-User).
	UserActivated bool
}

func (r Request) topLevelNavigation() bool {
	return r.Navigation && (r.Context == TopLevel || r.Context == Popup)
}

// TopSite is the site of the top-level document the request is made for:
// "the site for cookies".
func (r Request) TopSite() string {
	if r.topLevelNavigation() || r.Top == nil {
		return Site(r.URL)
	}
	return Site(r.Top)
}

// SameSiteRequest reports whether RFC 6265bis calls r "same-site": the URL's
// site equals the site for cookies and the initiator's, and no cross-site
// redirect led here.
func (r Request) SameSiteRequest() bool {
	s := Site(r.URL)
	if s != r.TopSite() || r.CrossSiteRedirect {
		return false
	}
	if r.Initiator != nil && Site(r.Initiator) != s {
		return false
	}
	return true
}

// ThirdParty reports whether the request's site differs from the top-level
// site: the context third-party cookie policies act on.
func (r Request) ThirdParty() bool { return Site(r.URL) != r.TopSite() }

func (r Request) safeMethod() bool {
	switch strings.ToUpper(r.Method) {
	case "", "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// SecFetchSite is the Sec-Fetch-Site header a browser would send.
func (r Request) SecFetchSite() string {
	switch {
	case r.Initiator == nil:
		return "none"
	case SameOrigin(r.Initiator, r.URL) && !r.CrossSiteRedirect:
		return "same-origin"
	case SameSite(r.Initiator, r.URL) && !r.CrossSiteRedirect:
		return "same-site"
	}
	return "cross-site"
}
