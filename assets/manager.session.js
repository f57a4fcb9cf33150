// Managers' page: once the sign-in has ended (Dash's requests answer 401), go to the login page,
// which brings the manager back to this page afterwards. Loaded on the managers' page only.
(function () {
  var originalFetch = window.fetch;
  var leaving = false;
  // A link or form (language, sign out) is already taking the page elsewhere: let it.
  window.addEventListener("beforeunload", function () { leaving = true; });
  window.fetch = function (resource, options) {
    return originalFetch.call(this, resource, options).then(function (response) {
      var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
      if (response.status === 401 && !leaving && url.indexOf("/_dash-") !== -1) {
        leaving = true;
        var lang = new URLSearchParams(window.location.search).get("lang");
        var next = window.location.pathname + window.location.search;
        window.location.assign(
          "/login?next=" + encodeURIComponent(next) + (lang ? "&lang=" + encodeURIComponent(lang) : "")
        );
        // The page is leaving: Dash never sees this answer (it would report the 401 as a callback error).
        return new Promise(function () {});
      }
      return response;
    });
  };
})();
