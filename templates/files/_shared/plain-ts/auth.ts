/*
 * auth.ts: OpenID Connect for a micro-frontend, with no library.
 *
 * Written for ssokit (`ssokit new vanilla`), and meant to be read: every
 * choice below is one that hand-written SSO code often gets wrong.
 *
 *   1. Sign-in is a top-level redirect to the provider with PKCE (RFC 7636).
 *      The app is a public client: it has no secret, so the code verifier is
 *      what stops a stolen authorization code from being redeemed.
 *   2. Tokens live in memory only (this module's variables). Nothing goes to
 *      localStorage or cookies; a reload simply signs in silently again.
 *   3. Tokens are renewed before they expire, trying the ways that still work
 *      in today's browsers, in this order:
 *        a. the rotating refresh token (a plain fetch: no cookies involved);
 *       a2. with `fedcm: 'auto'` (6 below), FedCM with mediation "silent":
 *           no UI, so it answers only for an account that already signed in
 *           to this app, and it never navigates;
 *        b. a hidden 1-pixel iframe with prompt=none and
 *           response_mode=web_message, ONLY when the provider is same-site
 *           with the app: cross-site, the iframe's request carries no provider
 *           cookie in Safari, Firefox, Brave or Chrome with third-party
 *           cookies blocked, so it can only fail (slowly);
 *       b2. cross-site, with `storageAccess: 'auto'` (7 below), the same
 *           hidden iframe asking the provider to use the Storage Access
 *           API: it answers at once where the browser already granted the
 *           provider access on this site, and otherwise says a click in
 *           the frame is needed, which 3d offers;
 *        c. a top-level redirect with prompt=none: first-party, so the
 *           provider's session cookie is sent in every browser; it costs a
 *           page load, and it is tried at most once a minute so it can never
 *           loop;
 *        d. interactive sign-in, or a "Sign in" button (`fallback`); with
 *           the button, when 3b2 said a click is needed and no redirect was
 *           made, the provider's "Continue" frame is shown too (7).
 *   4. Sign-out is RP-initiated logout at the provider's end_session_endpoint,
 *      which ends the single-sign-on session for every app. The provider then
 *      loads each app's front-channel logout page (public/frontchannel-logout.html),
 *      which tells this app's open tabs to forget their tokens.
 *   5. The app's tabs share one set of tokens. A tab that signs in or renews
 *      posts them to the others on a BroadcastChannel (same origin only: the
 *      same trust boundary as the memory they live in), and a sign-out in one
 *      tab signs the others out. Tabs holding one rotating refresh token must
 *      not spend it at the same moment: the provider would see it used twice
 *      and revoke the whole family (reuse detection), signing every tab out.
 *      So renewal runs under a Web Lock, and a tab that had to wait for the
 *      lock takes the tokens the tab holding it renewed instead of refreshing
 *      again. (A provider's refresh-token reuse interval is the server-side
 *      half of the same fix: `ssokit provider --refresh-reuse-interval 10s`.)
 *   6. FedCM (`fedcm: 'auto'`, in a browser that has IdentityCredential):
 *      the browser itself asks the provider, with the provider's own
 *      first-party cookie, so no third-party cookie is needed. The "Sign in"
 *      button first asks with mediation "optional" (the browser's account
 *      chooser: the click is the user gesture it needs) and falls back to
 *      the redirect when that fails; renewal tries mediation "silent" (3a2).
 *      The provider answers with an authorization code bound to our PKCE
 *      challenge (params.response_type=code), exchanged at the token
 *      endpoint like a redirect's code, so the app gets the same access and
 *      refresh tokens. The provider's session cookie must be SameSite=None
 *      (`provider.session_cookie.same_site: none`): browsers send only those
 *      with FedCM's requests.
 *   7. The Storage Access API (`storageAccess: 'auto'`, cross-site only):
 *      the provider's silent page, framed without its cookie, calls
 *      document.requestStorageAccess(). A grant the user gave before (Chrome
 *      keeps one for 30 days per app site) applies without a gesture, and
 *      the frame answers with a code like the same-site iframe (3b2). With
 *      no grant it needs a user gesture inside the frame: the frame shows
 *      a "Continue with your ssokit account" button and answers
 *      interaction_required with storage_access: 'gesture_required'. This
 *      module keeps that frame and, when the ladder ends without a redirect
 *      (in the middle of the user's work, or when a silent redirect was
 *      tried less than a minute ago), shows it in the top right corner
 *      (class ssokit-continue): one click, the browser's prompt, and the app
 *      is signed in without leaving the page; later renewals and page loads
 *      are silent. On page load the silent redirect (3c) still comes first
 *      when it is due: it needs no click. Like FedCM it needs the
 *      provider's session cookie SameSite=None: a grant unblocks no other.
 *
 * Security notes are marked "Security:".
 */

export type Fallback = 'button' | 'login'
export type IframeMode = 'auto' | 'always' | 'never'
export type FedCMMode = 'auto' | 'never'
export type StorageAccessMode = 'auto' | 'never'

export interface AuthConfig {
  /** The provider's issuer, exactly as in its discovery document. */
  issuer: string
  clientId: string
  /** Registered exactly in the provider (ssokit.yaml); where the code comes back. */
  redirectUri: string
  /** Where the provider sends the browser after sign-out. */
  postLogoutRedirectUri: string
  /** offline_access asks for a refresh token. */
  scope?: string
  /** What to do when every silent way failed (3d above). Default "button". */
  fallback?: Fallback
  /** When to try the hidden iframe (3b). Default "auto": same-site only. */
  iframe?: IframeMode
  /** Sign in and renew through FedCM where the browser has it (6). Default "never". */
  fedcm?: FedCMMode
  /** Cross-site, ask the provider's frame to use the Storage Access API (7). Default "never". */
  storageAccess?: StorageAccessMode
  /** How long to wait for the iframe's (or silent FedCM's) answer. Default 5000 ms. */
  silentTimeoutMs?: number
  /** Renew this long before the access token expires. Default 60 s. */
  renewBeforeExpiryMs?: number
}

export interface User {
  sub: string
  name?: string
  email?: string
  preferred_username?: string
  [claim: string]: unknown
}

export type Status = 'loading' | 'signed-in' | 'signed-out' | 'error'

export interface AuthState {
  status: Status
  user?: User
  /** How the current tokens were obtained (shown by the demo page). */
  via?: 'redirect' | 'refresh' | 'fedcm' | 'iframe' | 'storage-access' | 'silent-redirect' | 'another tab'
  error?: string
  /** The provider's "Continue" frame is showing: one click signs in (7). */
  continueShown?: boolean
}

interface Discovery {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  userinfo_endpoint?: string
  end_session_endpoint?: string
}

interface TokenResponse {
  access_token: string
  token_type: string
  expires_in?: number
  refresh_token?: string
  id_token?: string
}

/** What the provider posts to the iframe's parent (response_mode=web_message). */
interface WebMessage {
  type: 'authorization_response'
  response: AuthorizationResponse
}

interface AuthorizationResponse {
  code?: string
  state?: string
  error?: string
  error_description?: string
  /** ssokit's storage-access page (7): gesture_required, denied, unsupported. */
  storage_access?: string
}

/** A hidden iframe on the provider's origin and the answers it posts. */
interface ProviderFrame {
  iframe: HTMLIFrameElement
  state: string
  tx: Transaction
  d: Discovery
  /** The next answer; rejects with a timeout after ms (no timeout when 0). */
  next(ms: number): Promise<AuthorizationResponse>
  close(): void
}

/** A pending authorization request, kept until its response comes back. */
interface Transaction {
  verifier: string
  nonce: string
  redirectUri: string
  returnTo: string
  prompt?: string
}

class AuthError extends Error {
  constructor(public code: string, description?: string) {
    super(description ? `${code}: ${description}` : code)
  }
}

// sessionStorage holds only short-lived transaction data (the PKCE verifier
// and nonce between the redirect and the callback), never tokens.
const TX_PREFIX = 'ssokit.tx.'
const SILENT_REDIRECT_KEY = 'ssokit.silent-redirect.'
const SILENT_REDIRECT_EVERY_MS = 60_000
// Tabs of this app share tokens on this channel and renew under this lock
// (both + client_id).
const TABS_CHANNEL = 'ssokit-tabs:'
const RENEW_LOCK = 'ssokit-renew:'
// How long a tab that waited for the renewal lock lets the renewing tab's
// tokens arrive before it concludes there are none and refreshes itself.
const TAB_SETTLE_MS = 250

/** What a tab posts to the app's other tabs. */
type TabMessage =
  | { type: 'tokens'; access_token: string; id_token: string; refresh_token?: string; expiresAt: number }
  | { type: 'signed-out' }

export class Auth {
  private cfg: Required<AuthConfig>
  private discovery?: Promise<Discovery>
  // Security: tokens exist only here, in memory.
  private accessToken?: string
  private refreshToken?: string
  private idToken?: string
  private expiresAt = 0
  private renewTimer?: number
  private renewing?: Promise<boolean>
  private state: AuthState = { status: 'loading' }
  private listeners = new Set<(s: AuthState) => void>()
  private channel?: BroadcastChannel
  private tabs?: BroadcastChannel
  // 7: the storage-access frame that asked for a click, kept for 3d.
  private continueFrame?: ProviderFrame

  constructor(cfg: AuthConfig) {
    this.cfg = {
      scope: 'openid profile email offline_access',
      fallback: 'button',
      iframe: 'auto',
      fedcm: 'never',
      storageAccess: 'never',
      silentTimeoutMs: 5000,
      renewBeforeExpiryMs: 60_000,
      ...cfg,
    }
    // Front-channel logout: public/frontchannel-logout.html, loaded by the
    // provider when the session ends anywhere, posts on this channel.
    if ('BroadcastChannel' in window) {
      this.channel = new BroadcastChannel(`ssokit-logout:${this.cfg.clientId}`)
      this.channel.onmessage = () => this.forget('signed out in another app')
      this.tabs = new BroadcastChannel(TABS_CHANNEL + this.cfg.clientId)
      this.tabs.onmessage = (e: MessageEvent) => this.fromTab(e.data as TabMessage)
    }
    // Coming back to the tab is a good moment to notice a session that
    // ended elsewhere (or to renew a token a sleeping laptop let expire).
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.state.status === 'signed-in') void this.checkSession()
    })
  }

  get current(): AuthState {
    return this.state
  }

  /** Calls fn now and on every change; returns an unsubscribe function. */
  subscribe(fn: (s: AuthState) => void): () => void {
    this.listeners.add(fn)
    fn(this.state)
    return () => this.listeners.delete(fn)
  }

  /**
   * Call once on page load. Completes a redirect that just came back, or
   * else tries to sign in silently (the user may be signed in to the provider
   * through another app already).
   */
  async init(): Promise<AuthState> {
    try {
      const params = new URLSearchParams(window.location.search)
      const state = params.get('state')
      if (state && (params.has('code') || params.has('error')) && sessionStorage.getItem(TX_PREFIX + state)) {
        await this.completeRedirect(params)
        return this.state
      }
      if (!(await this.renew(true))) {
        this.signedOutOrLogin()
      }
    } catch (e) {
      this.set({ status: 'error', error: String(e instanceof Error ? e.message : e) })
    }
    return this.state
  }

  /**
   * Interactive sign-in, for a click on "Sign in": the browser's FedCM
   * account chooser where it is on (6), else (or when that fails) a
   * top-level redirect to the provider's login page.
   */
  async login(): Promise<void> {
    this.dropContinue()
    if (this.fedcmAllowed()) {
      try {
        await this.fedcmSignIn('optional')
        return
      } catch (e) {
        // The user closed the chooser, or the browser had no account (not
        // signed in to the provider, or its cookie is not SameSite=None):
        // FedCM does not say which, on purpose. The provider's login page
        // covers both.
        console.warn('FedCM sign-in failed, redirecting:', e)
      }
    }
    await this.redirect({})
  }

  /**
   * Signs out everywhere: forgets the tokens here, then sends the browser to
   * the provider's end_session_endpoint, which ends the SSO session and
   * notifies the other apps (front-channel logout).
   */
  async logout(): Promise<void> {
    const d = await this.discover()
    const idToken = this.idToken
    this.forget()
    this.tabs?.postMessage({ type: 'signed-out' } satisfies TabMessage)
    if (!d.end_session_endpoint) {
      throw new Error('the provider has no end_session_endpoint; cannot sign out of the provider session')
    }
    const url = new URL(d.end_session_endpoint)
    url.searchParams.set('client_id', this.cfg.clientId)
    url.searchParams.set('post_logout_redirect_uri', this.cfg.postLogoutRedirectUri)
    if (idToken) url.searchParams.set('id_token_hint', idToken)
    window.location.assign(url.toString())
  }

  /**
   * A valid access token for calling APIs, renewed first when it is about to
   * expire. Throws when the user is signed out.
   */
  async getAccessToken(): Promise<string> {
    if (this.accessToken && Date.now() < this.expiresAt - this.cfg.renewBeforeExpiryMs) {
      return this.accessToken
    }
    if (await this.renew(false)) return this.accessToken!
    this.signedOutOrLogin()
    throw new AuthError('login_required', 'sign in first')
  }

  /** The provider's endpoints, fetched once from its discovery document. */
  discover(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const res = await fetch(new URL('.well-known/openid-configuration', withSlash(this.cfg.issuer)))
      if (!res.ok) throw new Error(`discovery failed: HTTP ${res.status}`)
      const d = (await res.json()) as Discovery
      // Security: the document must describe the issuer we were configured
      // with, or anyone serving that URL could point us at their endpoints.
      if (d.issuer !== this.cfg.issuer) {
        throw new Error(`discovery issuer ${d.issuer} is not the configured ${this.cfg.issuer}`)
      }
      return d
    })()
    this.discovery.catch(() => (this.discovery = undefined))
    return this.discovery
  }

  /**
   * Is the provider session still there? Where the iframe works (same-site),
   * ask the provider with prompt=none: login_required means the user signed
   * out in another app. Elsewhere a refresh token says nothing about the
   * provider session, so only renew a token that is about to expire.
   */
  async checkSession(): Promise<void> {
    if (this.iframeAllowed()) {
      try {
        await this.iframeSignIn()
      } catch (e) {
        if (e instanceof AuthError && e.code !== 'timeout') {
          this.forget()
          this.signedOutOrLogin('signed out elsewhere')
        }
      }
      return
    }
    if (Date.now() >= this.expiresAt - this.cfg.renewBeforeExpiryMs && !(await this.renew(false))) {
      this.forget()
      this.signedOutOrLogin('session expired')
    }
  }

  // ---- renewal ---------------------------------------------------------

  /**
   * Tries the silent ways in order (3a–3c above, with 3a2 where FedCM is on) and reports whether one
   * worked. Concurrent callers share one attempt. A top-level redirect is only
   * tried when `mayNavigate` (on page load): in the middle of the user's work
   * the app stays put and shows the fallback instead.
   */
  private renew(mayNavigate: boolean): Promise<boolean> {
    // A "Continue" frame still shown belongs to an earlier attempt.
    if (!this.renewing) this.dropContinue()
    this.renewing ??= (async () => {
      try {
        // a. Refresh token: no cookies, no iframe; works in every browser.
        if (this.refreshToken) {
          try {
            await this.refreshOnce()
            return true
          } catch {
            this.refreshToken = undefined // rotated away or revoked
          }
        }
        // a2. FedCM without UI (6), where it is on. It never navigates, so
        // failing here only moves on down the ladder.
        if (this.fedcmAllowed()) {
          try {
            await this.fedcmSignIn('silent')
            return true
          } catch (e) {
            console.info('silent FedCM sign-in failed:', e)
          }
        }
        // b. Hidden iframe, only when it can work.
        if (this.iframeAllowed()) {
          try {
            await this.iframeSignIn()
            return true
          } catch (e) {
            // The provider answered (login_required and the like): it saw
            // its own cookie, so the user is simply not signed in, and a
            // top-level redirect would only say the same thing again.
            if (e instanceof AuthError && e.code !== 'timeout') return false
            // No answer in time, or a network error: the browser may have
            // blocked something; fall through.
            console.warn('silent iframe sign-in failed:', e)
          }
        }
        // b2. Cross-site: the frame asks for storage access (7). Only a
        // code ends the ladder here: login_required can mean a cookie the
        // grant does not unblock (SameSite=Lax), which 3c still reaches.
        if (this.storageAccessAllowed()) {
          try {
            await this.storageAccessSignIn()
            return true
          } catch (e) {
            console.info('storage-access sign-in:', e instanceof Error ? e.message : e)
          }
        }
        // c. Top-level prompt=none redirect, rate-limited against loops.
        if (mayNavigate && this.silentRedirectDue()) {
          sessionStorage.setItem(SILENT_REDIRECT_KEY + this.cfg.clientId, String(Date.now()))
          await this.redirect({ prompt: 'none' })
          return new Promise<boolean>(() => {}) // the page is navigating away
        }
        return false
      } finally {
        this.renewing = undefined
      }
    })()
    return this.renewing
  }

  /** d. Nothing silent worked: show the button, or go and sign in. */
  private signedOutOrLogin(reason?: string): void {
    if (this.cfg.fallback === 'login') {
      // Not login(): without a click, FedCM's chooser would be shown in its
      // passive form, which may wait for the user forever.
      this.dropContinue()
      void this.redirect({})
      return
    }
    const frame = this.continueFrame
    this.set({ status: 'signed-out', error: reason, continueShown: !!frame })
    if (frame) void this.offerContinue(frame)
  }

  private silentRedirectDue(): boolean {
    const last = Number(sessionStorage.getItem(SILENT_REDIRECT_KEY + this.cfg.clientId) || 0)
    return Date.now() - last > SILENT_REDIRECT_EVERY_MS
  }

  /**
   * Same-site means the same scheme and registrable domain (ports do not
   * count): the provider's cookie is then first-party inside the iframe and
   * survives third-party-cookie blocking. localhost and 127.0.0.1 are
   * different sites. Without the Public Suffix List this compares the last
   * two labels of the host name, which is right for localhost, IP addresses
   * and example.com-style hosts (not for co.uk-style suffixes).
   */
  private storageAccessAllowed(): boolean {
    return this.cfg.storageAccess === 'auto' && !this.iframeAllowed() && 'requestStorageAccess' in document
  }

  private iframeAllowed(): boolean {
    if (this.cfg.iframe !== 'auto') return this.cfg.iframe === 'always'
    const a = new URL(this.cfg.issuer)
    const b = window.location
    return a.protocol === b.protocol && site(a.hostname) === site(b.hostname)
  }

  /**
   * Refreshes under the app's renewal lock (5 above). Uncontended, it
   * refreshes at once; when another tab holds the lock, it waits, and then
   * uses the tokens that tab posted if they arrived, refreshing only if not.
   */
  private async refreshOnce(): Promise<void> {
    const locks = navigator.locks
    if (!locks) return this.refresh()
    const name = RENEW_LOCK + this.cfg.clientId
    // Tokens adopted from the tab that renewed carry a newer expiry.
    const started = this.expiresAt
    const renewedByAnotherTab = () => this.expiresAt > started
    const done = await locks.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return false
      await this.refresh()
      return true
    })
    if (done) return
    await locks.request(name, async () => {
      if (!renewedByAnotherTab()) await new Promise((r) => window.setTimeout(r, TAB_SETTLE_MS))
      if (!renewedByAnotherTab()) await this.refresh()
    })
  }

  private async refresh(): Promise<void> {
    const d = await this.discover()
    const tokens = await this.tokenRequest(d, {
      grant_type: 'refresh_token',
      refresh_token: this.refreshToken!,
      client_id: this.cfg.clientId,
    })
    this.accept(tokens, undefined, 'refresh')
  }

  /**
   * 3b. prompt=none in a hidden iframe, answered with postMessage
   * (response_mode=web_message) by a page on the provider's origin.
   */
  private async iframeSignIn(): Promise<void> {
    const f = await this.openFrame({})
    try {
      await this.finishFrame(f, await f.next(this.cfg.silentTimeoutMs), 'iframe')
    } finally {
      f.close()
    }
  }

  /**
   * 3b2. The same request with storage_access=request (7). An answer that
   * asks for a gesture keeps the frame for offerContinue.
   */
  private async storageAccessSignIn(): Promise<void> {
    const f = await this.openFrame({ storage_access: 'request' })
    let keep = false
    try {
      const res = await f.next(this.cfg.silentTimeoutMs)
      if (res.state === f.state && res.storage_access === 'gesture_required') {
        keep = true
        this.continueFrame = f
        throw new AuthError('interaction_required', 'a click in the provider\'s frame is needed (storage access)')
      }
      await this.finishFrame(f, res, 'storage-access')
    } finally {
      if (!keep) f.close()
    }
  }

  /**
   * 3d with a kept storage-access frame: shows it and waits for the answer
   * to the user's click there (no timeout: the user may never click).
   */
  private async offerContinue(f: ProviderFrame): Promise<void> {
    f.iframe.className = 'ssokit-continue'
    f.iframe.title = 'Continue with your provider account'
    f.iframe.removeAttribute('aria-hidden')
    f.iframe.removeAttribute('tabindex')
    f.iframe.width = '300'
    f.iframe.height = '44'
    f.iframe.style.cssText = 'position:fixed;top:12px;right:12px;width:300px;height:44px;border:0;border-radius:6px;' +
      'box-shadow:0 2px 8px rgba(0,0,0,.3);z-index:2147483647'
    try {
      const res = await f.next(0)
      if (this.continueFrame !== f) return // dropped meanwhile
      await this.finishFrame(f, res, 'storage-access')
    } catch (e) {
      if (this.continueFrame !== f) return
      this.set({ status: 'signed-out', error: String(e instanceof Error ? e.message : e) })
    } finally {
      if (this.continueFrame === f) this.dropContinue()
    }
  }

  private dropContinue(): void {
    const f = this.continueFrame
    this.continueFrame = undefined
    f?.close()
    if (f && this.state.continueShown) this.set({ ...this.state, continueShown: false })
  }

  /**
   * A prompt=none, web_message request in a hidden iframe on the
   * provider's origin, collecting what it posts to this window.
   */
  private async openFrame(extra: Record<string, string>): Promise<ProviderFrame> {
    const d = await this.discover()
    const { url, state, tx } = await this.authorizeUrl(d, { prompt: 'none', response_mode: 'web_message', ...extra })
    const providerOrigin = new URL(d.authorization_endpoint).origin
    const iframe = document.createElement('iframe')
    iframe.title = 'silent sign-in'
    iframe.setAttribute('aria-hidden', 'true')
    iframe.tabIndex = -1
    iframe.width = '1'
    iframe.height = '1'
    iframe.style.cssText = 'position:fixed;left:-10px;top:-10px;border:0;opacity:0;pointer-events:none'
    const queue: AuthorizationResponse[] = []
    let wake = () => {}
    const onMessage = (e: MessageEvent) => {
      // Security: accept only the provider's origin AND our own iframe.
      // Any page can postMessage to this window; a forged response could
      // otherwise inject an attacker's code (login CSRF).
      if (e.origin !== providerOrigin || e.source !== iframe.contentWindow) return
      const data = e.data as WebMessage
      if (!data || data.type !== 'authorization_response' || !data.response) return
      queue.push(data.response)
      wake()
    }
    window.addEventListener('message', onMessage)
    iframe.src = url
    document.body.appendChild(iframe)
    return {
      iframe, state, tx, d,
      next: (ms) => new Promise<AuthorizationResponse>((resolve, reject) => {
        let timer = 0
        wake = () => {
          const res = queue.shift()
          if (!res) return
          window.clearTimeout(timer)
          wake = () => {}
          resolve(res)
        }
        // A browser that blocks the provider's cookie, or a provider that
        // does not support web_message, may never answer: do not hang.
        if (ms > 0) timer = window.setTimeout(() => reject(new AuthError('timeout', `no answer from the provider within ${ms} ms`)), ms)
        wake()
      }),
      close: () => {
        window.removeEventListener('message', onMessage)
        iframe.remove()
      },
    }
  }

  /** Turns a frame's answer into tokens. */
  private async finishFrame(f: ProviderFrame, res: AuthorizationResponse, via: AuthState['via']): Promise<void> {
    // Security: state ties the answer to this request.
    if (res.state !== f.state) throw new AuthError('invalid_state', 'state mismatch')
    if (res.error) throw new AuthError(res.error, res.error_description)
    if (!res.code) throw new AuthError('invalid_response', 'no code')
    await this.exchange(f.d, res.code, f.tx, via)
  }

  // ---- FedCM -------------------------------------------------------------

  private fedcmAllowed(): boolean {
    return this.cfg.fedcm === 'auto' && 'IdentityCredential' in window && !!navigator.credentials
  }

  /**
   * 6. navigator.credentials.get({identity}) asking the provider's FedCM
   * config (issuer + fedcm.json) for a code, then the PKCE code exchange.
   * "silent" shows no UI and is given silentTimeoutMs; "optional" may show
   * the account chooser and waits for the user.
   */
  private async fedcmSignIn(mediation: 'silent' | 'optional'): Promise<void> {
    const d = await this.discover()
    const verifier = randomString(32)
    const nonce = randomString(16)
    const challenge = await s256(verifier)
    const request = {
      mediation,
      signal: mediation === 'silent' ? AbortSignal.timeout(this.cfg.silentTimeoutMs) : undefined,
      identity: {
        providers: [{
          configURL: new URL('fedcm.json', withSlash(this.cfg.issuer)).toString(),
          clientId: this.cfg.clientId,
          // Security: the nonce binds the ID token to this request; sent in
          // both places browsers have read it from (equal, so never ambiguous).
          nonce,
          params: {
            nonce,
            response_type: 'code',
            scope: this.cfg.scope,
            // Security: the code is useless without our verifier, which
            // never leaves this page (PKCE, as for the redirect).
            code_challenge: challenge,
            code_challenge_method: 'S256',
          },
        }],
      },
    }
    // lib.dom has no types for FedCM yet.
    const cred = (await navigator.credentials.get(request as unknown as CredentialRequestOptions)) as (Credential & { token?: string }) | null
    if (!cred?.token) throw new AuthError('fedcm_failed', 'the browser returned no token')
    // No redirect_uri: there was no redirect, and the provider bound the
    // code to none.
    const tokens = await this.tokenRequest(d, {
      grant_type: 'authorization_code',
      code: cred.token,
      client_id: this.cfg.clientId,
      code_verifier: verifier,
    })
    this.accept(tokens, nonce, 'fedcm')
  }

  // ---- redirects ---------------------------------------------------------

  private async redirect(extra: Record<string, string>): Promise<void> {
    const d = await this.discover()
    const { url } = await this.authorizeUrl(d, extra)
    window.location.assign(url)
  }

  private async completeRedirect(params: URLSearchParams): Promise<void> {
    const state = params.get('state')!
    const tx = JSON.parse(sessionStorage.getItem(TX_PREFIX + state)!) as Transaction
    sessionStorage.removeItem(TX_PREFIX + state)
    // Take code and state out of the address bar (and out of the history).
    window.history.replaceState(null, '', tx.returnTo)
    const error = params.get('error')
    if (error) {
      if (tx.prompt === 'none') {
        // 3c answered login_required (or similar): not signed in anywhere.
        this.signedOutOrLogin()
        return
      }
      throw new AuthError(error, params.get('error_description') ?? undefined)
    }
    const d = await this.discover()
    await this.exchange(d, params.get('code')!, tx, tx.prompt === 'none' ? 'silent-redirect' : 'redirect')
  }

  /** Builds an authorization request with fresh PKCE, state and nonce. */
  private async authorizeUrl(d: Discovery, extra: Record<string, string>): Promise<{ url: string; state: string; tx: Transaction }> {
    const verifier = randomString(32)
    const state = randomString(16)
    const tx: Transaction = {
      verifier,
      nonce: randomString(16),
      redirectUri: this.cfg.redirectUri,
      returnTo: returnPath(),
      prompt: extra.prompt,
    }
    const url = new URL(d.authorization_endpoint)
    const q = url.searchParams
    q.set('client_id', this.cfg.clientId)
    q.set('redirect_uri', tx.redirectUri)
    q.set('response_type', 'code')
    q.set('scope', this.cfg.scope)
    q.set('state', state)
    q.set('nonce', tx.nonce)
    q.set('code_challenge', await s256(verifier))
    q.set('code_challenge_method', 'S256')
    for (const [k, v] of Object.entries(extra)) q.set(k, v)
    // Iframe transactions finish in this page, but redirects need the
    // verifier after a full page load: sessionStorage survives that and is
    // per tab.
    if (extra.response_mode !== 'web_message') sessionStorage.setItem(TX_PREFIX + state, JSON.stringify(tx))
    return { url: url.toString(), state, tx }
  }

  // ---- tokens -------------------------------------------------------------

  private async exchange(d: Discovery, code: string, tx: Transaction, via: AuthState['via']): Promise<void> {
    const tokens = await this.tokenRequest(d, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: tx.redirectUri,
      client_id: this.cfg.clientId,
      code_verifier: tx.verifier,
    })
    this.accept(tokens, tx.nonce, via)
    sessionStorage.removeItem(SILENT_REDIRECT_KEY + this.cfg.clientId)
  }

  private async tokenRequest(d: Discovery, body: Record<string, string>): Promise<TokenResponse> {
    const res = await fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    })
    const json = await res.json().catch(() => ({}))
    if (!res.ok) throw new AuthError(json.error ?? `http_${res.status}`, json.error_description)
    return json as TokenResponse
  }

  /**
   * Keeps a token response. The ID token is checked for what matters to a
   * browser app: issuer, audience, expiry and the nonce that binds it to our
   * request. Its signature is not checked here: it came straight from the
   * token endpoint over a connection we opened (OpenID Connect Core 3.1.3.7
   * allows that for the code flow); APIs must verify access tokens themselves.
   */
  private accept(t: TokenResponse, nonce: string | undefined, via: AuthState['via']): void {
    let user = this.state.user
    if (t.id_token) {
      const claims = decodeJwt(t.id_token)
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
      if (claims.iss !== this.cfg.issuer) throw new AuthError('invalid_id_token', `iss ${String(claims.iss)}`)
      if (!aud.includes(this.cfg.clientId)) throw new AuthError('invalid_id_token', 'wrong audience')
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now() - 60_000) throw new AuthError('invalid_id_token', 'expired')
      if (nonce !== undefined && claims.nonce !== nonce) throw new AuthError('invalid_id_token', 'nonce mismatch')
      if (user && user.sub !== claims.sub) throw new AuthError('invalid_id_token', 'the user changed')
      user = claims as User
      this.idToken = t.id_token
    }
    if (!user) throw new AuthError('invalid_response', 'no id_token')
    this.accessToken = t.access_token
    // A rotating refresh token replaces the old one (which is now invalid).
    if (t.refresh_token) this.refreshToken = t.refresh_token
    this.expiresAt = Date.now() + (t.expires_in ?? 300) * 1000
    this.scheduleRenewal()
    this.set({ status: 'signed-in', user, via })
    if (this.idToken) {
      this.tabs?.postMessage({
        type: 'tokens', access_token: t.access_token, id_token: this.idToken,
        refresh_token: this.refreshToken, expiresAt: this.expiresAt,
      } satisfies TabMessage)
    }
  }

  /**
   * A message from another tab of this app. Tokens newer than ours are
   * adopted (a tab never re-posts what it adopted); a sign-out there is one
   * here too.
   */
  private fromTab(m: TabMessage): void {
    if (m?.type === 'signed-out') {
      this.forget('signed out in another tab')
      return
    }
    if (m?.type !== 'tokens' || typeof m.access_token !== 'string' || typeof m.id_token !== 'string' ||
      typeof m.expiresAt !== 'number' || m.expiresAt <= this.expiresAt) return
    const claims = decodeJwt(m.id_token)
    if (claims.iss !== this.cfg.issuer) return
    this.accessToken = m.access_token
    this.idToken = m.id_token
    this.refreshToken = m.refresh_token
    this.expiresAt = m.expiresAt
    this.scheduleRenewal()
    this.set({ status: 'signed-in', user: claims as User, via: 'another tab' })
  }

  /** Renews ahead of expiry; for very short tokens, at 75 % of the lifetime. */
  private scheduleRenewal(): void {
    window.clearTimeout(this.renewTimer)
    const lifetime = this.expiresAt - Date.now()
    const delay = Math.max(1000, Math.min(lifetime - this.cfg.renewBeforeExpiryMs, lifetime * 0.75))
    this.renewTimer = window.setTimeout(async () => {
      if (!(await this.renew(false))) {
        this.forget()
        this.signedOutOrLogin('session expired')
      }
    }, delay)
  }

  /** Drops every token (local sign-out). */
  private forget(reason?: string): void {
    window.clearTimeout(this.renewTimer)
    this.accessToken = this.refreshToken = this.idToken = undefined
    this.expiresAt = 0
    if (this.state.status !== 'signed-out') this.set({ status: 'signed-out', error: reason })
  }

  private set(s: AuthState): void {
    if (s.status === 'signed-in' && this.continueFrame) {
      // signed in another way (another tab, the button): no click needed
      this.continueFrame.close()
      this.continueFrame = undefined
    }
    this.state = s
    for (const fn of this.listeners) fn(s)
  }
}

// ---- helpers ----------------------------------------------------------------

function withSlash(u: string): string {
  return u.endsWith('/') ? u : u + '/'
}

/** The page to come back to after a redirect (never the callback itself). */
function returnPath(): string {
  const { pathname, search, hash } = window.location
  const base = import.meta.env.BASE_URL
  if (pathname === base + 'callback') return base
  return pathname + search + hash
}

function site(host: string): string {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return host // IP address
  return host.split('.').slice(-2).join('.')
}

function randomString(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)))
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64url(new Uint8Array(digest))
}

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Decodes a JWT's payload without verifying it (see accept()). */
function decodeJwt(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? ''
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'))
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0))
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
}
