// Spreads the server's view model over the page's texts without another round trip, and ages it between
// answers (assets/freshness.js): badges and banner say so when no good answer came for too long.
window.dash_clientside = Object.assign({}, window.dash_clientside);
(function () {
  var watch = null;
  var last = []; // what was last written: an unchanged text is not written again on every tick

  function unchanged(out) {
    var noUpdate = window.dash_clientside.no_update;
    var sent = out.map(function (value, i) { return value === last[i] ? noUpdate : value; });
    out.forEach(function (value, i) { if (value !== noUpdate) last[i] = value; });
    return sent;
  }

  window.dash_clientside.cityops = Object.assign({}, window.dash_clientside.cityops, {
    renderView: function (view, storeDownSince, pollOk, _tick, config) {
      var noUpdate = window.dash_clientside.no_update;
      var freshness = window.cityopsFreshness;
      if (watch === null) watch = new freshness.Watch();
      watch.heard(pollOk);
      var connection = storeDownSince || freshness.lostLine(watch, config);
      var banner = [connection, (view && view.banner) || ""].filter(Boolean).join(" ");
      var out = [banner, banner === ""];
      if (!view) {
        // Nothing known yet: leave the initial badges and tiles as they are.
        var total = window.dash_clientside.callback_context.outputs_list.length;
        while (out.length < total) out.push(noUpdate);
        return unchanged(out);
      }
      out.push(view.updated || noUpdate, !view.demo);
      var layers = Object.keys(view.badges);
      var badges = layers.map(function (l) {
        var b = view.badges[l];
        return freshness.aged(watch, config, b.state, b.label, b.at, b.budget) || {state: b.state, text: b.text};
      });
      badges.forEach(function (b) { out.push("badge badge-" + b.state); });
      layers.forEach(function (l) { out.push(view.badges[l].reason); });
      badges.forEach(function (b) { out.push(b.text); });
      layers.forEach(function (l) { out.push(view.kpis[l] ? view.kpis[l].value : noUpdate); });
      layers.forEach(function (l) { out.push(view.kpis[l] ? view.kpis[l].detail : noUpdate); });
      return unchanged(out);
    }
  });
})();
