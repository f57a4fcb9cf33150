// Spreads the server's view model over the page's texts without another round trip.
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.cityops = Object.assign({}, window.dash_clientside.cityops, {
  renderView: function (view, storeDownSince) {
    var noUpdate = window.dash_clientside.no_update;
    var banner = [storeDownSince || "", (view && view.banner) || ""].filter(Boolean).join(" ");
    var out = [banner, banner === ""];
    if (!view) {
      // Nothing known yet: leave the initial badges and tiles as they are.
      var total = window.dash_clientside.callback_context.outputs_list.length;
      while (out.length < total) out.push(noUpdate);
      return out;
    }
    out.push(view.updated || noUpdate, !view.demo);
    var layers = Object.keys(view.badges);
    layers.forEach(function (l) { out.push("badge badge-" + view.badges[l].state); });
    layers.forEach(function (l) { out.push(view.badges[l].reason); });
    layers.forEach(function (l) { out.push(view.badges[l].text); });
    layers.forEach(function (l) { out.push(view.kpis[l] ? view.kpis[l].value : noUpdate); });
    layers.forEach(function (l) { out.push(view.kpis[l] ? view.kpis[l].detail : noUpdate); });
    return out;
  }
});
