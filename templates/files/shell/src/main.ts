// The shell: navigation between the micro-frontends and the shared user.
// The ids (status, user, login, logout, nav, call-api, api-result) are what
// ssokit's end-to-end tests look for; keep them if you restyle the page.
import './style.css'
import './nav.css'
import { Auth, type Fallback, type FedCMMode, type IframeMode, type StorageAccessMode } from './auth'
import { apps } from './apps'

const env = import.meta.env
const appUrl = new URL(env.BASE_URL, window.location.origin).toString()

// The same small auth module as `ssokit new vanilla` (src/auth.ts): every
// micro-frontend signs in on its own, silently, through the one provider
// session, so the shell shares the user without sharing any code or tokens.
const auth = new Auth({
  issuer: env.VITE_SSOKIT_ISSUER,
  clientId: env.VITE_SSOKIT_CLIENT_ID,
  redirectUri: appUrl + 'callback',
  postLogoutRedirectUri: appUrl,
  fallback: (env.VITE_SSOKIT_FALLBACK || 'button') as Fallback,
  iframe: (env.VITE_SSOKIT_IFRAME || 'auto') as IframeMode,
  fedcm: (env.VITE_SSOKIT_FEDCM || 'never') as FedCMMode,
  storageAccess: (env.VITE_SSOKIT_STORAGE_ACCESS || 'never') as StorageAccessMode,
})

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

// Plain links: each app is its own page under the proxy's origin.
const nav = $('nav')
for (const app of apps) {
  const a = document.createElement('a')
  a.href = app.path.replace(/\/?$/, '/')
  a.textContent = app.name
  a.dataset.app = app.name
  if (window.location.pathname.startsWith(a.pathname)) a.setAttribute('aria-current', 'page')
  nav.append(a)
}
if (apps.length === 0) nav.textContent = 'No other apps yet: ssokit new vanilla account, then add it to src/apps.ts.'

auth.subscribe((s) => {
  $('status').textContent = s.status + (s.via ? ` (via ${s.via})` : '') + (s.error ? `: ${s.error}` : '')
  $('status').dataset.status = s.status
  $('user').textContent = s.user ? String(s.user.name ?? s.user.preferred_username ?? s.user.sub) : ''
  $('login').hidden = s.status === 'signed-in' || s.status === 'loading'
  $('logout').hidden = s.status !== 'signed-in'
  $<HTMLButtonElement>('call-api').disabled = s.status !== 'signed-in'
})

$('login').addEventListener('click', () => void auth.login())
$('logout').addEventListener('click', () => void auth.logout())
$('call-api').addEventListener('click', async () => {
  const out = $('api-result')
  try {
    const url = env.VITE_SSOKIT_API_URL || (await auth.discover()).userinfo_endpoint
    if (!url) throw new Error('set VITE_SSOKIT_API_URL in .env')
    const res = await fetch(url, { headers: { Authorization: `Bearer ${await auth.getAccessToken()}` } })
    out.textContent = `HTTP ${res.status}\n` + JSON.stringify(await res.json().catch(() => null), null, 2)
  } catch (e) {
    out.textContent = String(e)
  }
})

void auth.init()
