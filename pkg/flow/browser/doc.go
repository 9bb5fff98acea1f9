// Package browser is ssokit's virtual browser: a model of what a real browser
// would send to an OpenID provider, not a pass-through HTTP client.
//
// It keeps an RFC 6265bis cookie jar (Domain, Path, Secure, HttpOnly,
// expiry, SameSite with Lax-by-default, schemeful same-site computed with
// public-suffix rules), distinguishes top-level, iframe and popup navigation
// contexts, and applies the third-party cookie policy of a browser Profile:
// Chrome with and without third-party cookies, Safari's ITP and Firefox's
// Total Cookie Protection. It follows redirects like a browser, submits
// auto-posting forms (response_mode=form_post), fills generic HTML login and
// consent forms, and records every request with the cookies it sent and the
// cookies it withheld and why, so a failing flow can be explained.
package browser
