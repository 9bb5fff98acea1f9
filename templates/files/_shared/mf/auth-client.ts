// The page's one auth client: the oidc-client-ts UserManager of ./oidc,
// wrapped in the contract of ./auth-contract. The host imports this module;
// a remote imports it only when it runs on its own (src/standalone.tsx), never
// from the component it exposes, so a remote inside the host has no client.
import type { User } from 'oidc-client-ts'
import type { AuthContract, AuthUser } from './auth-contract'
import { userManager } from './oidc'

export type Status = 'loading' | 'signed-in' | 'signed-out' | 'error'

// How many auth clients this page made: ssokit's tests check it stays 1 with
// remotes loaded into the host.
const counted = window as unknown as { __ssokitAuthClients?: number }
counted.__ssokitAuthClients = (counted.__ssokitAuthClients ?? 0) + 1

const base = import.meta.env.BASE_URL
let user: AuthUser | null = null
const listeners = new Set<(u: AuthUser | null) => void>()

function set(u: User | null): void {
  const p = u && !u.expired ? u.profile : undefined
  user = p ? { sub: p.sub, name: String(p.name ?? p.preferred_username ?? p.sub), email: p.email } : null
  for (const l of listeners) l(user)
}

export const auth: AuthContract = {
  get user() {
    return user
  },
  async getAccessToken() {
    const u = await userManager.getUser()
    if (u && !u.expired) return u.access_token
    const renewed = await userManager.signinSilent() // refresh token, else hidden iframe
    if (!renewed) throw new Error('signed out')
    return renewed.access_token
  },
  signOut: () => userManager.signoutRedirect(),
  onChange(listener) {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}

userManager.events.addUserLoaded(set)
userManager.events.addUserUnloaded(() => set(null))
// A sign-out in another app: session monitoring, or the front-channel logout
// page (public/frontchannel-logout.html) on this app's BroadcastChannel.
const signedOut = () => void userManager.removeUser()
userManager.events.addUserSignedOut(signedOut)
userManager.events.addSilentRenewError(signedOut)
new BroadcastChannel(`ssokit-logout:${import.meta.env.VITE_SSOKIT_CLIENT_ID}`).onmessage = signedOut

export const signIn = () => userManager.signinRedirect({ state: window.location.pathname + window.location.search })

/** Signs in on page load: the redirect back from the provider, else silently. Runs once. */
let started: Promise<Status> | undefined
export function start(): Promise<Status> {
  started ??= (async (): Promise<Status> => {
    try {
      if (window.location.pathname === base + 'callback') {
        const u = await userManager.signinRedirectCallback() // PKCE code exchange
        window.history.replaceState(null, '', typeof u.state === 'string' ? u.state : base)
        set(u)
        return 'signed-in'
      }
      const u = (await userManager.getUser()) ?? (await userManager.signinSilent().catch(() => null))
      set(u)
      return user ? 'signed-in' : 'signed-out'
    } catch (e) {
      console.error('sign-in failed', e)
      return 'error'
    }
  })()
  return started
}
