// The wall's own clientside pieces: clock, alarm ticker, and a watch on the connection to the server.
window.dash_clientside = Object.assign({}, window.dash_clientside);
(function () {
  var TURN_SECONDS = 8; // long enough to read a two-line alarm from across the room
  var tickerShown = []; // what the ticker shows: an unchanged text is not written again on every clock tick
  window.dash_clientside.cityops = Object.assign({}, window.dash_clientside.cityops, {
    clock: function (_tick, lang) {
      var locale = lang === "en" ? "en-GB" : "fr-FR";
      var now = new Date();
      var time = new Intl.DateTimeFormat(locale, {timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit"})
        .format(now);
      var date = new Intl.DateTimeFormat(locale, {
        timeZone: "Europe/Paris", weekday: "long", day: "numeric", month: "long", year: "numeric"
      }).format(now);
      return [time, date];
    },
    ticker: function (view, alarmLines, tick) {
      // Threshold alarms first, most serious first (each line carries its own symbol and severity), then the
      // sources in trouble, which the banner above also shows. One at a time, each whole, in turn: side by side
      // they would not fit the wall's width and the end of each would be cut off.
      var noUpdate = window.dash_clientside.no_update;
      var el = document.getElementById("ticker");
      var empty = el ? el.dataset.empty : "";
      var alerts = (view && view.alerts) || [];
      var lines = (alarmLines || []).concat(alerts.map(function (a) { return "⚠ " + a; }));
      var turn = Math.floor((tick || 0) / TURN_SECONDS) % Math.max(lines.length, 1);
      var count = lines.length > 1 ? (turn + 1) + "/" + lines.length : "";
      var shown = lines.length === 0 ? [empty, ""] : [lines[turn], count];
      var out = shown.map(function (value, i) { return value === tickerShown[i] ? noUpdate : value; });
      tickerShown = shown;
      return out;
    }
  });
})();

// When the server cannot be reached, say so and since when; the page keeps its last data meanwhile and
// Dash's own polling picks up again by itself once the server answers.
(function () {
  var lostSince = null;
  function paris(date) {
    var page = document.querySelector(".page.wall");
    var lang = page && page.lang === "en" ? "en-GB" : "fr-FR";
    return new Intl.DateTimeFormat(lang, {timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit"})
      .format(date);
  }
  function show(reachable) {
    var el = document.getElementById("connection-lost");
    if (!el) return;
    if (reachable) {
      lostSince = null;
      el.hidden = true;
      return;
    }
    if (lostSince === null) lostSince = new Date();
    el.textContent = (el.dataset.template || "{time}").replace("{time}", paris(lostSince));
    el.hidden = false;
  }
  function check() {
    // 503 means the server is up but Redis is not: that is the cache banner's business, not this one's.
    fetch("/healthz", {cache: "no-store"})
      .then(function (r) { show(r.status === 200 || r.status === 503); })
      .catch(function () { show(false); });
  }
  setInterval(check, 3000);
})();
