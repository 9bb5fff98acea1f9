// Package proxy is ssokit's path-routing dev reverse proxy: one origin in
// front of several micro-frontend dev servers, the way a production edge
// puts /, /account and /checkout behind one host name.
//
// It is built on net/http/httputil.ReverseProxy (with Rewrite, never the
// deprecated Director) and adds what a micro-frontend developer needs:
//
//   - longest-prefix routing on path-segment boundaries, per route prefix
//     stripping, Host rewriting or preserving, and extra headers;
//   - WebSocket upgrades (Vite and webpack hot reload) and unbuffered
//     streaming of Server-Sent Events and chunked responses;
//   - X-Forwarded-For/-Host/-Proto and Forwarded set by the proxy, never
//     trusted from the client (nor their spellings with '_'), and ssokit's
//     own cookies kept from upstreams;
//   - paths that upstreams could read as another route than the proxy
//     does (/CHECKOUT, /checkout;x=1, /checkout./x, %00) refused with 400
//     when a gated route is involved;
//   - friendly 502 and 404 pages (JSON for API clients) that name the route,
//     the upstream and the likely fix;
//   - one access-log line per request, coloured by app on a terminal;
//   - an optional auth gate per route: the backend-for-frontend pattern,
//     where the proxy signs the user in as a confidential OpenID Connect
//     client, keeps the tokens server-side behind an HttpOnly cookie and
//     forwards Authorization: Bearer and X-Forwarded-User/-Email upstream;
//     a POST to <prefix>/_ssokit/logout signs out (a GET asks to confirm),
//     and <prefix>/_ssokit/backchannel-logout
//     takes the provider's Logout Tokens, so signing out anywhere signs out here.
//
// A *Proxy is an http.Handler. Its routes can be replaced at run time with
// SetRoutes, which keeps the sessions of auth gates whose settings did not
// change: `ssokit up` uses that for hot reload of ssokit.yaml.
package proxy
