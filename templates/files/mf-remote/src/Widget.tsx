import { useEffect, useState } from 'react'
import type { AuthContract } from './auth-contract'

// What this remote exposes (./Widget). It knows sign-in only through `auth`:
// inside the host that is the host's client, standalone it is this app's own
// (src/App.tsx). It never imports oidc-client-ts, so loading it into the host
// creates no second client. The class names are what ssokit's tests look for.
export default function Widget({ auth }: { auth: AuthContract }) {
  const [user, setUser] = useState(auth.user)
  const [result, setResult] = useState('')
  useEffect(() => {
    setUser(auth.user)
    return auth.onChange(setUser)
  }, [auth])

  // This remote's API, called with a token from whoever owns the client.
  async function callApi(): Promise<string> {
    const token = await auth.getAccessToken()
    const url = import.meta.env.VITE_SSOKIT_API_URL || (await userinfoEndpoint())
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
    return `HTTP ${res.status} (token of client ${tokenClient(token)})\n` + JSON.stringify(await res.json().catch(() => null), null, 2)
  }

  return (
    <section className="remote" data-remote={import.meta.env.VITE_SSOKIT_CLIENT_ID} data-user={user?.sub ?? ''}>
      <h2>Remote {import.meta.env.VITE_SSOKIT_CLIENT_ID}</h2>
      <p>
        User: <strong className="remote-user">{user ? user.name : 'signed out'}</strong>
      </p>
      <button className="remote-call-api" type="button" disabled={!user} onClick={() => callApi().then(setResult, (e) => setResult(String(e)))}>
        Call this remote's API
      </button>
      <pre className="remote-api-result">{result}</pre>
    </section>
  )
}

async function userinfoEndpoint(): Promise<string> {
  const issuer = import.meta.env.VITE_SSOKIT_ISSUER.replace(/\/?$/, '/')
  const res = await fetch(issuer + '.well-known/openid-configuration')
  return (await res.json()).userinfo_endpoint
}

// The client a JWT access token was issued to (azp or client_id), for display.
function tokenClient(token: string): string {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
    return String(claims.azp ?? claims.client_id ?? '?')
  } catch {
    return '?'
  }
}
