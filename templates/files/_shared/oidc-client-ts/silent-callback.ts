// Loaded in the hidden iframe of signinSilent(): passes the provider's answer
// (code and state in the URL) to the parent window via postMessage, which
// oidc-client-ts accepts only from this origin.
import { userManager } from './oidc'

userManager.signinSilentCallback().catch((e) => console.error('silent callback failed', e))
