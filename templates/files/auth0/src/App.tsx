import { useState } from 'react'
import { callApi, login, loginPopup, logout, useAuth } from './auth'

// The ids (status, user, login, login-popup, logout, call-api, api-result) are
// what ssokit's end-to-end tests look for; keep them if you restyle the page.
export default function App() {
  const [auth, setAuth] = useAuth()
  const [result, setResult] = useState('')
  const signedIn = auth.status === 'signed-in'
  const signedOut = auth.status === 'signed-out' || auth.status === 'error'
  return (
    <>
      <header>
        <h1>{document.title}</h1>
        <span>
          Signed in as <strong id="user">{auth.user ? String(auth.user.name ?? auth.user.nickname ?? auth.user.sub) : ''}</strong>
        </span>
      </header>
      <p>
        Status:{' '}
        <span id="status" data-status={auth.status}>
          {auth.status}
          {auth.error ? `: ${auth.error}` : ''}
        </span>
      </p>
      <p>
        <button id="login" type="button" hidden={!signedOut} onClick={() => void login()}>
          Sign in
        </button>
        <button
          id="login-popup"
          type="button"
          hidden={!signedOut}
          onClick={() => loginPopup().then(setAuth, (e) => setAuth({ status: 'error', error: String(e) }))}
        >
          Sign in (popup)
        </button>
        <button id="logout" type="button" hidden={!signedIn} onClick={() => void logout()}>
          Sign out everywhere
        </button>
        <button id="call-api" type="button" disabled={!signedIn} onClick={() => callApi().then(setResult, (e) => setResult(String(e)))}>
          Call the protected API
        </button>
      </p>
      <pre id="api-result">{result}</pre>
    </>
  )
}
