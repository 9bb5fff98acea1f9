// Sign-in state for the app, on top of oidc-client-ts.
import { useEffect, useState } from 'react'
import type { User } from 'oidc-client-ts'
import { userManager } from './oidc'

export type Status = 'loading' | 'signed-in' | 'signed-out' | 'error'
export interface AuthState {
  status: Status
  user?: User
  error?: string
}

const base = import.meta.env.BASE_URL

// Runs once per page load (React's StrictMode mounts effects twice in dev, and
// an authorization code can be redeemed only once).
let started: Promise<AuthState> | undefined
function start(): Promise<AuthState> {
  started ??= (async (): Promise<AuthState> => {
    try {
      if (window.location.pathname === base + 'callback') {
        // Back from the provider: exchange the code (PKCE verifier from storage).
        const user = await userManager.signinRedirectCallback()
        window.history.replaceState(null, '', typeof user.state === 'string' ? user.state : base)
        return { status: 'signed-in', user }
      }
      const user = await userManager.getUser()
      if (user && !user.expired) return { status: 'signed-in', user }
      // Not signed in here yet: maybe signed in through another app. The
      // hidden iframe (prompt=none) answers without showing anything.
      try {
        return { status: 'signed-in', user: await userManager.signinSilent() ?? undefined }
      } catch {
        return { status: 'signed-out' } // login_required: show the button
      }
    } catch (e) {
      return { status: 'error', error: e instanceof Error ? e.message : String(e) }
    }
  })()
  return started
}

export function useAuth(): AuthState {
  const [state, setState] = useState<AuthState>({ status: 'loading' })
  useEffect(() => {
    let live = true
    const set = (s: AuthState): void => {
      if (live) setState(s)
    }
    const ev = userManager.events
    const loaded = (user: User) => set({ status: 'signed-in', user })
    const unloaded = () => set({ status: 'signed-out' })
    // monitorSession saw the provider session end (sign-out in another app).
    const signedOut = () => void userManager.removeUser().then(() => set({ status: 'signed-out', error: 'signed out elsewhere' }))
    const renewError = (e: Error) => void userManager.removeUser().then(() => set({ status: 'signed-out', error: e.message }))
    ev.addUserLoaded(loaded)
    ev.addUserUnloaded(unloaded)
    ev.addUserSignedOut(signedOut)
    ev.addSilentRenewError(renewError)
    // Front-channel logout: public/frontchannel-logout.html posts here.
    const channel = new BroadcastChannel(`ssokit-logout:${import.meta.env.VITE_SSOKIT_CLIENT_ID}`)
    channel.onmessage = signedOut
    void start().then(set)
    return () => {
      live = false
      ev.removeUserLoaded(loaded)
      ev.removeUserUnloaded(unloaded)
      ev.removeUserSignedOut(signedOut)
      ev.removeSilentRenewError(renewError)
      channel.close()
    }
  }, [])
  return state
}

export const login = () => userManager.signinRedirect({ state: window.location.pathname + window.location.search })

// Sign out everywhere: RP-initiated logout at the provider's end_session_endpoint.
export const logout = () => userManager.signoutRedirect()

/** Calls the protected API with the access token in the Authorization header. */
export async function callApi(): Promise<string> {
  const user = await userManager.getUser()
  if (!user) throw new Error('sign in first')
  const url = import.meta.env.VITE_SSOKIT_API_URL || (await userManager.metadataService.getUserInfoEndpoint())
  const res = await fetch(url, { headers: { Authorization: `Bearer ${user.access_token}` } })
  return `HTTP ${res.status}\n` + JSON.stringify(await res.json().catch(() => null), null, 2)
}
