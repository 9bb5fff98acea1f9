import { useCallback, useEffect, useState } from 'react'
import { callApi, getSession, login, logout, type Session } from './bff'

type Status = 'loading' | 'signed-in' | 'signed-out' | 'error'

// The ids (status, user, login, logout, call-api, api-result) are what
// ssokit's end-to-end tests look for; keep them if you restyle the page.
export default function App() {
  const [session, setSession] = useState<Session>()
  const [status, setStatus] = useState<Status>('loading')
  const [error, setError] = useState('')
  const [result, setResult] = useState('')

  const refresh = useCallback(() => {
    getSession().then(
      (s) => {
        setSession(s)
        setStatus(s.authenticated ? 'signed-in' : 'signed-out')
        setError('')
      },
      (e) => {
        setStatus('error')
        setError(String(e))
      },
    )
  }, [])
  useEffect(() => {
    refresh()
    // A session can end elsewhere (sign-out in another app reaches the proxy
    // by back-channel logout): ask again when the user comes back to the tab.
    const onVisible = () => document.visibilityState === 'visible' && refresh()
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [refresh])

  const claims = session?.claims ?? {}
  const signedIn = status === 'signed-in'
  return (
    <>
      <header>
        <h1>{document.title}</h1>
        <span>
          Signed in as <strong id="user">{signedIn ? String(claims.name ?? claims.preferred_username ?? claims.sub) : ''}</strong>
        </span>
      </header>
      <p>
        Status:{' '}
        <span id="status" data-status={status}>
          {status}
          {signedIn ? ' (via the proxy)' : ''}
          {error ? `: ${error}` : ''}
        </span>
      </p>
      <p>
        <button id="login" type="button" hidden={status !== 'signed-out'} onClick={() => session && login(session)}>
          Sign in
        </button>
        <button id="logout" type="button" hidden={!signedIn} onClick={() => session && logout(session)}>
          Sign out everywhere
        </button>
        <button
          id="call-api"
          type="button"
          disabled={!signedIn}
          onClick={() => {
            setResult('')
            callApi().then(
              (r) => {
                setResult(r)
                refresh() // the API call may have refreshed the token: a new expiry
              },
              (e) => setResult(String(e)),
            )
          }}
        >
          Call the protected API
        </button>
      </p>
      <p id="expires">{signedIn && session?.expires_at ? `access token (held by the proxy) expires ${new Date(session.expires_at * 1000).toLocaleTimeString()}` : ''}</p>
      <pre id="api-result">{result}</pre>
    </>
  )
}
