// The demo page: wires the auth module to a few elements. The ids (status,
// user, login, logout, call-api, api-result) are what ssokit's end-to-end
// tests look for; keep them if you restyle the page.
import './style.css'
import { Auth, type Fallback, type FedCMMode, type IframeMode, type StorageAccessMode } from './auth'

const env = import.meta.env
const appUrl = new URL(env.BASE_URL, window.location.origin).toString()

export const auth = new Auth({
  issuer: env.VITE_SSOKIT_ISSUER,
  clientId: env.VITE_SSOKIT_CLIENT_ID,
  // Computed from where the page is served, so the app works behind the
  // ssokit proxy and on its own dev-server port (both are registered).
  redirectUri: appUrl + 'callback',
  postLogoutRedirectUri: appUrl,
  fallback: (env.VITE_SSOKIT_FALLBACK || 'button') as Fallback,
  iframe: (env.VITE_SSOKIT_IFRAME || 'auto') as IframeMode,
  fedcm: (env.VITE_SSOKIT_FEDCM || 'never') as FedCMMode,
  storageAccess: (env.VITE_SSOKIT_STORAGE_ACCESS || 'never') as StorageAccessMode,
})

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const status = $('status')
const user = $('user')
const login = $<HTMLButtonElement>('login')
const logout = $<HTMLButtonElement>('logout')
const callApi = $<HTMLButtonElement>('call-api')
const apiResult = $('api-result')

auth.subscribe((s) => {
  status.textContent = s.status + (s.via ? ` (via ${s.via})` : '') + (s.error ? `: ${s.error}` : '')
    + (s.continueShown ? ' (or continue with your provider account, top right)' : '')
  status.dataset.status = s.status
  user.textContent = s.user ? String(s.user.name ?? s.user.preferred_username ?? s.user.sub) : ''
  login.hidden = s.status === 'signed-in' || s.status === 'loading'
  logout.hidden = s.status !== 'signed-in'
  callApi.disabled = s.status !== 'signed-in'
})

login.addEventListener('click', () => void auth.login())
logout.addEventListener('click', () => void auth.logout())

// A protected API call: the access token goes in the Authorization header,
// fetched through getAccessToken() so that it is renewed when needed.
callApi.addEventListener('click', async () => {
  apiResult.textContent = '…'
  try {
    const url = env.VITE_SSOKIT_API_URL || (await auth.discover()).userinfo_endpoint
    if (!url) throw new Error('set VITE_SSOKIT_API_URL in .env')
    const res = await fetch(url, { headers: { Authorization: `Bearer ${await auth.getAccessToken()}` } })
    apiResult.textContent = `HTTP ${res.status}\n` + JSON.stringify(await res.json().catch(() => null), null, 2)
  } catch (e) {
    apiResult.textContent = String(e)
  }
})

void auth.init()
