import { useEffect, useState } from 'react'
import { auth, signIn, start, type Status } from './auth-client'
import Widget from './Widget'

// This remote run standalone (its own dev server, or its route under the
// proxy): with no host around it owns a client (./auth-client), signs in
// silently through the provider's session, and renders its Widget with it.
// The ids (status, user, login, logout) are what ssokit's end-to-end tests
// look for.
export default function App() {
  const [status, setStatus] = useState<Status>('loading')
  const [user, setUser] = useState(auth.user)
  useEffect(() => {
    void start().then(setStatus)
    return auth.onChange((u) => {
      setUser(u)
      setStatus(u ? 'signed-in' : 'signed-out')
    })
  }, [])
  const signedIn = status === 'signed-in'
  return (
    <>
      <header>
        <h1>{document.title} (standalone)</h1>
        <span>
          Signed in as <strong id="user">{user?.name ?? ''}</strong>
        </span>
      </header>
      <p>
        Status:{' '}
        <span id="status" data-status={status}>
          {status}
        </span>
      </p>
      <p>
        <button id="login" type="button" hidden={signedIn || status === 'loading'} onClick={() => void signIn()}>
          Sign in
        </button>
        <button id="logout" type="button" hidden={!signedIn} onClick={() => void auth.signOut()}>
          Sign out everywhere
        </button>
      </p>
      <Widget auth={auth} />
    </>
  )
}
