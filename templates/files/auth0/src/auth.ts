// @auth0/auth0-spa-js, unchanged, pointed at the local ssokit provider.
// Code written this way runs against a real Auth0 tenant by changing .env only.
import { useEffect, useState } from 'react'
import { createAuth0Client, type Auth0Client, type User } from '@auth0/auth0-spa-js'

const env = import.meta.env
const base = env.BASE_URL
const appUrl = new URL(base, window.location.origin).toString()

export const auth0: Promise<Auth0Client> = createAuth0Client({
  domain: env.VITE_AUTH0_DOMAIN,
  clientId: env.VITE_AUTH0_CLIENT_ID,
  authorizationParams: {
    // Computed from where the page is served (proxy or dev server; both are
    // registered). The hidden iframe (response_mode=web_message) uses it too:
    // the provider posts the answer to this URI's origin only.
    redirect_uri: appUrl + 'callback',
  },
  // Refresh tokens keep renewal working when third-party cookies are blocked;
  // the fallback uses the hidden iframe while there is no refresh token yet.
  useRefreshTokens: env.VITE_AUTH0_USE_REFRESH_TOKENS === 'true',
  useRefreshTokensFallback: true,
  cacheLocation: 'memory', // tokens in memory only
})

export type Status = 'loading' | 'signed-in' | 'signed-out' | 'error'
export interface AuthState {
  status: Status
  user?: User
  error?: string
}

let started: Promise<AuthState> | undefined
function start(): Promise<AuthState> {
  started ??= (async (): Promise<AuthState> => {
    try {
      const client = await auth0
      if (window.location.pathname === base + 'callback') {
        const { appState } = await client.handleRedirectCallback<{ returnTo?: string }>()
        window.history.replaceState(null, '', appState?.returnTo ?? base)
      } else {
        // Why not checkSession()? It only tries when the SDK's own
        // "auth0.<client_id>.is.authenticated" cookie exists, i.e. after a
        // sign-in in THIS app. A user signed in through another micro-frontend
        // has none, so ask the provider: getTokenSilently() runs prompt=none in
        // a hidden iframe (response_mode=web_message).
        try {
          await client.getTokenSilently()
        } catch {
          return { status: 'signed-out' } // login_required: show the buttons
        }
      }
      return { status: 'signed-in', user: await client.getUser() }
    } catch (e) {
      return { status: 'error', error: e instanceof Error ? e.message : String(e) }
    }
  })()
  return started
}

export function useAuth(): [AuthState, (s: AuthState) => void] {
  const [state, setState] = useState<AuthState>({ status: 'loading' })
  useEffect(() => {
    let live = true
    void start().then((s) => {
      if (live) setState(s)
    })
    // Front-channel logout: public/frontchannel-logout.html posts here.
    const channel = new BroadcastChannel(`ssokit-logout:${env.VITE_AUTH0_CLIENT_ID}`)
    channel.onmessage = async () => {
      await (await auth0).logout({ openUrl: false }) // local only: the provider session is already gone
      if (live) setState({ status: 'signed-out', error: 'signed out elsewhere' })
    }
    return () => {
      live = false
      channel.close()
    }
  }, [])
  return [state, setState]
}

export const login = async () =>
  (await auth0).loginWithRedirect({ appState: { returnTo: window.location.pathname + window.location.search } })

/** Sign-in in a popup (also answered with response_mode=web_message). */
export async function loginPopup(): Promise<AuthState> {
  const client = await auth0
  await client.loginWithPopup()
  return { status: 'signed-in', user: await client.getUser() }
}

// Sign out everywhere: the provider's Auth0-style /v2/logout, then back here.
export const logout = async () => (await auth0).logout({ logoutParams: { returnTo: appUrl } })

/** Calls the protected API with the access token in the Authorization header. */
export async function callApi(): Promise<string> {
  const token = await (await auth0).getTokenSilently()
  const url = env.VITE_SSOKIT_API_URL || `${env.VITE_AUTH0_DOMAIN}/userinfo`
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
  return `HTTP ${res.status}\n` + JSON.stringify(await res.json().catch(() => null), null, 2)
}
