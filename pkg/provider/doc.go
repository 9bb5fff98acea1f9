// Package provider is ssokit's OpenID Connect provider as an http.Handler:
// discovery, JWKS, authorize with a server-rendered login form and an SSO
// session cookie, token (authorization_code with PKCE, refresh_token with
// rotation and reuse detection, client_credentials), userinfo, revocation,
// introspection, RP-initiated, front- and back-channel logout, session
// management (check_session_iframe), response_mode=web_message, fault
// injection, a live event stream, and a test API for test runners (sign a
// browser in, mint tokens as issued, seed users and clients, reset: the
// methods SignIn, Mint, PutUser, PutClient, Reset … and /_ssokit/ routes in
// testapi.go; pkg/ssokittest wraps them for Go tests), and a live dashboard
// at /_ssokit/ (dashboard.go, assets embedded from web/dashboard/). For
// third-party-cookie blocking it is a FedCM identity provider (fedcm.go:
// well-known, config, accounts, client metadata, ID assertion, disconnect,
// Set-Login) and offers framed silent requests the Storage Access API
// (storage_access.go, opted in with storage_access=request).
//
// One file per endpoint. The provider knows nothing of cobra or terminals: it
// takes options, a clock and a logger.
package provider
