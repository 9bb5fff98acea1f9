// A tiny React app using the unmodified @auth0/auth0-react (Auth0Provider +
// useAuth0), bundled by .ci/setup.d/17-auth0react.sh with the pinned
// esbuild into dist/app.js (one IIFE file), which pkg/provider's
// auth0_browser_test.go serves to headless Chromium. The page sets
// window.SSOKIT = {domain, clientId, audience, organization} before
// loading it; window.app is what the test drives.
import React, { useEffect } from "react";
import { createRoot } from "react-dom/client";
import { Auth0Provider, useAuth0 } from "@auth0/auth0-react";

const cfg = window.SSOKIT;
let resolveReady;
const ready = new Promise((resolve) => { resolveReady = resolve; });

function fail(e) {
  return { ok: false, error: (e && (e.error || e.message)) || String(e), description: (e && e.error_description) || "" };
}

function App() {
  const auth = useAuth0();
  const { isLoading, isAuthenticated, error, user } = auth;
  // the test calls these; they always use the latest render's functions
  window.app = {
    sdk: "auth0-react",
    ready,
    login: () => auth.loginWithRedirect(),
    token: (opts) =>
      auth.getAccessTokenSilently(Object.assign({ detailedResponse: true }, opts || {})).then(
        (r) => ({ ok: true, access_token: r.access_token, id_token: r.id_token }),
        fail,
      ),
    claims: () => auth.getIdTokenClaims().then((c) => c || null),
    user: () => Promise.resolve(user || null),
  };
  useEffect(() => {
    if (!isLoading) {
      resolveReady(error ? fail(error) : { ok: isAuthenticated, error: isAuthenticated ? "" : "not signed in" });
    }
  }, [isLoading, isAuthenticated, error]);
  if (isLoading) return <p id="status">loading</p>;
  if (error) return <p id="status">error: {error.message}</p>;
  return <p id="status">{isAuthenticated ? "signed in as " + user.sub : "signed out"}</p>;
}

createRoot(document.getElementById("root")).render(
  <Auth0Provider
    domain={cfg.domain}
    clientId={cfg.clientId}
    authorizeTimeoutInSeconds={15}
    authorizationParams={{
      redirect_uri: location.origin + location.pathname,
      scope: "openid profile",
      audience: cfg.audience,
      organization: cfg.organization,
    }}
  >
    <App />
  </Auth0Provider>,
);
