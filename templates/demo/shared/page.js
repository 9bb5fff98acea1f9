// Renders the demo page's auth state and wires its buttons.
(function () {
  "use strict";
  var auth = window.ssokitAuth;
  var $ = function (id) { return document.getElementById(id); };
  function show(user, how) {
    $("status").textContent = user ? "signed in " + how : how;
    $("user").textContent = user ? (user.name || user.sub) + " <" + (user.email || "") + ">" : "";
    $("login").hidden = !!user;
    $("logout").hidden = !user;
    document.body.dataset.state = user ? "signed-in" : "signed-out";
  }
  $("login").addEventListener("click", function () { auth.signIn(); });
  $("logout").addEventListener("click", function () { auth.signOut(); });
  (async function () {
    try {
      if (await auth.handleRedirect()) return show(auth.user, "with the login form");
      show(await auth.silent(5000), "silently (prompt=none in a hidden iframe)");
    } catch (e) {
      show(null, e.code === "login_required" ? "not signed in: the provider has no session yet" : "error: " + e.message);
    }
  })();
})();
