// oidc-client-ts settings, shared by the app and silent-callback.html.
import { UserManager, WebStorageStateStore, InMemoryWebStorage } from 'oidc-client-ts'

const env = import.meta.env

// Two URLs are same-site when scheme and registrable domain match; ports do
// not count (localhost:5101 and localhost:9400 are same-site, 127.0.0.1 and
// localhost are not, nor are app.localhost and auth.localhost). An
// approximation of the public-suffix rules that is right for dev hosts.
function sameSite(a: URL | Location, b: URL | Location): boolean {
  const site = (host: string) =>
    /^[\d.]+$/.test(host) || host.includes(':') ? host : host.split('.').slice(-2).join('.')
  return a.protocol === b.protocol && site(a.hostname) === site(b.hostname)
}

const appUrl = new URL(env.BASE_URL, window.location.origin).toString()

export const userManager = new UserManager({
  authority: env.VITE_SSOKIT_ISSUER,
  client_id: env.VITE_SSOKIT_CLIENT_ID,
  // Redirect URIs are computed from where the page is served, so the app
  // works behind the ssokit proxy and on its own dev-server port; ssokit new
  // registered both, exactly.
  redirect_uri: appUrl + 'callback',
  // Silent renew: a hidden iframe loads the provider with prompt=none, which
  // redirects back to this page; it hands the URL to the parent window.
  silent_redirect_uri: appUrl + 'silent-callback.html',
  post_logout_redirect_uri: appUrl,
  response_type: 'code', // with PKCE (S256), always
  // offline_access: a rotating refresh token, used for renewal before any
  // iframe (refresh tokens work when third-party cookies are blocked).
  scope: 'openid profile email offline_access',
  automaticSilentRenew: true,
  // Session monitoring (OpenID Connect Session Management): polls the
  // provider's check_session_iframe and notices a sign-out in another app.
  // It reads the provider's cookie from an iframe, so it only works while the
  // provider is same-site with the app. Cross-site the browser hides that
  // cookie, the iframe answers "changed", and the SDK would sign a signed-in
  // user out (measured in Chromium) — so it is on only when same-site.
  monitorSession: sameSite(new URL(env.VITE_SSOKIT_ISSUER), window.location),
  // Tokens in memory only: a reload signs in silently again.
  userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
})
