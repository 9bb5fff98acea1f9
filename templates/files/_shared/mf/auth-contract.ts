// The auth contract between a Module Federation host and its remotes: the
// whole of what a remote may know about sign-in. The host owns the only auth
// client (oidc-client-ts's UserManager) and passes this object to every
// remote component it renders; a remote inside the host never creates a
// client of its own. Copy this file into each remote as it is.
export interface AuthUser {
  sub: string
  name: string
  email?: string
}

export interface AuthContract {
  /** The signed-in user, or null. */
  readonly user: AuthUser | null
  /** A valid access token for API calls (renewed by the owner of the client). */
  getAccessToken(): Promise<string>
  /** Sign out everywhere (the provider's end_session_endpoint). */
  signOut(): Promise<void>
  /** Calls listener on every sign-in and sign-out; returns the unsubscribe. */
  onChange(listener: (user: AuthUser | null) => void): () => void
}
