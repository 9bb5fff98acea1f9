import { useState } from 'react'
import { callApi, login, logout, useAuth } from './auth'

// The ids (status, user, login, logout, call-api, api-result) are what
// ssokit's end-to-end tests look for; keep them if you restyle the page.
export default function App() {
  const auth = useAuth()
  const [result, setResult] = useState('')
  const profile = auth.user?.profile
  const signedIn = auth.status === 'signed-in'
  return (
    <>
      <header>
        <h1>{document.title}</h1>
        <span>
          Signed in as <strong id="user">{profile ? String(profile.name ?? profile.preferred_username ?? profile.sub) : ''}</strong>
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
        <button id="login" type="button" hidden={signedIn || auth.status === 'loading'} onClick={() => void login()}>
          Sign in
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
