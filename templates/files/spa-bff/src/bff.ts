/*
 * bff.ts: the whole of this app's authentication, and not one token in it.
 *
 * The ssokit proxy is this app's backend-for-frontend (ssokit.yaml: auth: spa).
 * It signs the user in as a confidential OpenID Connect client, keeps the
 * access and refresh tokens on the server side, and gives the browser only an
 * HttpOnly session cookie scoped to this app's path, which page script cannot
 * read. The app then
 *   - asks <base>_ssokit/session who is signed in (claims and expiry);
 *   - sends the user to <base>_ssokit/login to sign in (a top-level
 *     navigation: the provider's session cookie is first-party, so single
 *     sign-on works whatever the browser's third-party-cookie policy);
 *   - signs out with a form POST to <base>_ssokit/logout;
 *   - calls its API at <base>api/…: the proxy adds the bearer token,
 *     refreshed when it is about to expire.
 *
 * Security: every call carries the X-CSRF header. A page on another origin
 * cannot send a custom header without a CORS preflight, which the proxy never
 * grants, so a forged form or link from another page (even another localhost
 * port, which is the same site) cannot use the session. Keep the header on
 * every call you add.
 */

export interface Session {
  authenticated: boolean
  /** The ID token's claims: sub, name, email… */
  claims?: Record<string, unknown>
  /** When the access token the proxy holds expires (Unix seconds). */
  expires_at?: number
  login_url: string
  logout_url: string
}

const base = import.meta.env.BASE_URL

/** Calls this app's BFF (or its API through it) with the CSRF header. */
export async function bffFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  headers.set('X-CSRF', '1')
  return fetch(base + path, { ...init, headers, credentials: 'same-origin' })
}

/** Who is signed in, from the proxy. */
export async function getSession(): Promise<Session> {
  const res = await bffFetch('_ssokit/session?rd=' + encodeURIComponent(location.pathname))
  if (!res.ok) throw new Error(`session endpoint: HTTP ${res.status}`)
  return (await res.json()) as Session
}

/** Sign in: a top-level navigation to the proxy's login, back here after. */
export function login(s: Session): void {
  window.location.assign(s.login_url)
}

/**
 * Sign out everywhere: a same-origin form POST to the proxy's logout, which
 * ends this session and the provider's (and every other app's through
 * front- and back-channel logout). A GET would only show a confirmation page.
 */
export function logout(s: Session): void {
  const form = document.createElement('form')
  form.method = 'post'
  form.action = s.logout_url
  document.body.appendChild(form)
  form.submit()
}

/** The protected API: the proxy forwards <base>api/… with the bearer token. */
export async function callApi(): Promise<string> {
  const res = await bffFetch('api/userinfo')
  return `HTTP ${res.status}\n${JSON.stringify(await res.json().catch(() => ({})), null, 2)}`
}
