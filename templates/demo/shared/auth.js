// ssokit demo auth module: sign in once, be signed in everywhere.
//
// Each micro-frontend loads this file. It talks OpenID Connect to the
// provider with no library:
//   - signIn(): a top-level redirect to /authorize (code flow + PKCE S256).
//   - silent(): a hidden 1-pixel iframe with prompt=none and
//     response_mode=web_message; the provider answers by postMessage from
//     its own origin, which we check, and the code is exchanged for tokens.
//   - signOut(): RP-initiated logout, which ends the provider's session for
//     every app.
// Tokens live in memory only. `ssokit new vanilla` scaffolds a fuller,
// commented version of this module.
(function () {
  "use strict";
  var cfg = window.SSOKIT_DEMO; // {issuer, clientId, redirectUri, postLogout}
  var issuerOrigin = new URL(cfg.issuer).origin;
  var discovery = null;

  function b64url(bytes) {
    var s = "";
    bytes.forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function random() { return b64url(crypto.getRandomValues(new Uint8Array(32))); }
  async function challenge(verifier) {
    var d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    return b64url(new Uint8Array(d));
  }
  async function meta() {
    if (!discovery) {
      var r = await fetch(cfg.issuer.replace(/\/$/, "") + "/.well-known/openid-configuration");
      discovery = await r.json();
    }
    return discovery;
  }
  async function authorizeURL(extra) {
    var m = await meta();
    var verifier = random(), state = random(), nonce = random();
    var q = new URLSearchParams(Object.assign({
      client_id: cfg.clientId, redirect_uri: cfg.redirectUri, response_type: "code",
      scope: "openid profile email", state: state, nonce: nonce,
      code_challenge: await challenge(verifier), code_challenge_method: "S256"
    }, extra || {}));
    return { url: m.authorization_endpoint + "?" + q, verifier: verifier, state: state, nonce: nonce };
  }
  async function exchange(code, verifier) {
    var m = await meta();
    var r = await fetch(m.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", client_id: cfg.clientId,
        redirect_uri: cfg.redirectUri, code: code, code_verifier: verifier })
    });
    var t = await r.json();
    if (!r.ok) throw new Error(t.error + ": " + t.error_description);
    return t;
  }
  function claims(jwt) {
    var p = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(decodeURIComponent(escape(atob(p))));
  }

  var auth = { tokens: null, user: null };

  auth.signIn = async function () {
    var a = await authorizeURL();
    sessionStorage.setItem("ssokit.tx", JSON.stringify({ state: a.state, verifier: a.verifier }));
    window.location.assign(a.url);
  };

  // handleRedirect finishes a sign-in when the provider sent us back with a code.
  auth.handleRedirect = async function () {
    var q = new URLSearchParams(window.location.search);
    if (!q.has("code") && !q.has("error")) return false;
    var tx = JSON.parse(sessionStorage.getItem("ssokit.tx") || "{}");
    sessionStorage.removeItem("ssokit.tx");
    history.replaceState(null, "", cfg.redirectUri);
    if (q.get("state") !== tx.state) throw new Error("state mismatch");
    if (q.has("error")) throw new Error(q.get("error") + ": " + q.get("error_description"));
    auth.tokens = await exchange(q.get("code"), tx.verifier);
    auth.user = claims(auth.tokens.id_token);
    return true;
  };

  // silent asks the provider in a hidden iframe whether the user is
  // already signed in (by another app): no page change, no form.
  auth.silent = async function (timeoutMs) {
    var a = await authorizeURL({ prompt: "none", response_mode: "web_message" });
    return new Promise(function (resolve, reject) {
      var frame = document.createElement("iframe");
      frame.width = frame.height = "1";
      frame.style.cssText = "position:absolute;left:-9999px;border:0";
      frame.title = "silent authentication";
      var timer = setTimeout(function () { done(new Error("timeout")); }, timeoutMs || 10000);
      function done(err, value) {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        frame.remove();
        err ? reject(err) : resolve(value);
      }
      function onMessage(e) {
        // only the provider's origin and only our iframe may answer
        if (e.origin !== issuerOrigin || e.source !== frame.contentWindow) return;
        if (!e.data || e.data.type !== "authorization_response") return;
        var r = e.data.response;
        if (r.state !== a.state) return done(new Error("state mismatch"));
        if (r.error) return done(Object.assign(new Error(r.error), { code: r.error }));
        exchange(r.code, a.verifier).then(function (t) {
          auth.tokens = t;
          auth.user = claims(t.id_token);
          done(null, auth.user);
        }, done);
      }
      window.addEventListener("message", onMessage);
      frame.src = a.url;
      document.body.appendChild(frame);
    });
  };

  auth.signOut = async function () {
    var m = await meta();
    var q = new URLSearchParams({ client_id: cfg.clientId, post_logout_redirect_uri: cfg.postLogout });
    if (auth.tokens) q.set("id_token_hint", auth.tokens.id_token);
    window.location.assign(m.end_session_endpoint + "?" + q);
  };

  window.ssokitAuth = auth;
})();
