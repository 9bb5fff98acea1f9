import { Component, lazy, Suspense, useEffect, useState, type ComponentType, type ReactNode } from 'react'
import { loadRemote } from '@module-federation/runtime'
import type { AuthContract } from './auth-contract'
import { auth, signIn, start, type Status } from './auth-client'

// Each remote of remotes.json exposes ./Widget, a component that takes the
// host's auth contract as its `auth` prop: the remote signs nobody in itself.
type Widget = ComponentType<{ auth: AuthContract }>
const remotes = __SSOKIT_REMOTES__.map((r) => ({
  ...r,
  Widget: lazy(async () => {
    const m = await loadRemote<{ default: Widget }>(`${r.name}/Widget`)
    if (!m) throw new Error(`remote ${r.name} exposes no ./Widget`)
    return m
  }),
}))

// A remote that does not load (its dev server is down) shows an error in its
// own box; the host and the other remotes keep working.
class Boundary extends Component<{ name: string; children: ReactNode }, { error?: string }> {
  state: { error?: string } = {}
  static getDerivedStateFromError(e: unknown) {
    return { error: e instanceof Error ? e.message : String(e) }
  }
  render() {
    return this.state.error ? <p className="remote-error">remote {this.props.name}: {this.state.error}</p> : this.props.children
  }
}

// The ids (status, user, login, logout) are what ssokit's end-to-end tests
// look for; keep them if you restyle the page.
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
        <h1>{document.title}</h1>
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
      {remotes.length === 0 && <p>No remotes yet: add one with <code>ssokit new mf-remote NAME</code>.</p>}
      {remotes.map(({ name, Widget }) => (
        <Boundary key={name} name={name}>
          <Suspense fallback={<p>loading remote {name}…</p>}>
            <Widget auth={auth} />
          </Suspense>
        </Boundary>
      ))}
    </>
  )
}
