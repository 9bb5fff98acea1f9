// Sign-in state for the app, on top of oidc-client-ts, as a Vue reactive object.
import { reactive } from 'vue'
import type { User } from 'oidc-client-ts'
import { userManager } from './oidc'

export type Status = 'loading' | 'signed-in' | 'signed-out' | 'error'

export const auth = reactive<{ status: Status; user?: User; error?: string }>({ status: 'loading' })

const base = import.meta.env.BASE_URL

function set(status: Status, user?: User, error?: string): void {
  auth.status = status
  auth.user = user
  auth.error = error
}

const ev = userManager.events
ev.addUserLoaded((user) => set('signed-in', user))
ev.addUserUnloaded(() => set('signed-out'))
// monitorSession saw the provider session end (sign-out in another app).
const signedOut = () => void userManager.removeUser().then(() => set('signed-out', undefined, 'signed out elsewhere'))
ev.addUserSignedOut(signedOut)
ev.addSilentRenewError((e) => void userManager.removeUser().then(() => set('signed-out', undefined, e.message)))
// Front-channel logout: public/frontchannel-logout.html posts here.
new BroadcastChannel(`ssokit-logout:${import.meta.env.VITE_SSOKIT_CLIENT_ID}`).onmessage = signedOut

/** Call once on load: completes a redirect, or tries to sign in silently. */
export async function start(): Promise<void> {
  try {
    if (window.location.pathname === base + 'callback') {
      // Back from the provider: exchange the code (PKCE verifier from storage).
      const user = await userManager.signinRedirectCallback()
      window.history.replaceState(null, '', typeof user.state === 'string' ? user.state : base)
      return set('signed-in', user)
    }
    const user = await userManager.getUser()
    if (user && !user.expired) return set('signed-in', user)
    // Maybe signed in through another app: the hidden iframe (prompt=none)
    // answers without showing anything.
    try {
      set('signed-in', (await userManager.signinSilent()) ?? undefined)
    } catch {
      set('signed-out') // login_required: show the button
    }
  } catch (e) {
    set('error', undefined, e instanceof Error ? e.message : String(e))
  }
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
