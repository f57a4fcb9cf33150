// The public embed's data, fetched and drawn in the browser: it polls the small versions document and,
// when its layer's version moves, fetches that version's immutable file (a plain GET any cache can answer).
// Nothing here asks the dashboard's server to compute anything per viewer.
(function () {
  var VERSIONS = "/api/v1/public/versions";

  function locale(lang) {
    return lang === "en" ? "en-GB" : "fr-FR";
  }

  // Values derived for the hover text, from the public fields a feature carries.
  function derived(p) {
    var out = Object.assign({}, p);
    if ("capacity" in p && "occupied" in p) {
      out.free = Math.max(p.capacity - p.occupied, 0);
      out.occupancy = p.capacity ? Math.min(p.occupied / p.capacity, 1) : 0;
    }
    if ("power_kw" in p) out.delta = p.typical_kw ? p.power_kw / p.typical_kw - 1 : 0;
    return out;
  }

  function format(value, kind, lang, labels) {
    var loc = locale(lang);
    if (value === null || value === undefined) return "";
    if (kind === "number") return new Intl.NumberFormat(loc, {maximumFractionDigits: 0}).format(value);
    if (kind === "kw") return new Intl.NumberFormat(loc, {maximumFractionDigits: 0}).format(value) + " kW";
    if (kind === "percent") return new Intl.NumberFormat(loc, {style: "percent"}).format(value);
    if (kind === "signed_percent") {
      return new Intl.NumberFormat(loc, {style: "percent", signDisplay: "exceptZero"}).format(value);
    }
    if (kind === "time") {
      return new Intl.DateTimeFormat(loc, {timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "short"})
        .format(new Date(value));
    }
    if (kind === "label") return (labels && labels[value]) || String(value);
    return String(value);
  }

  function markerSize(spec, p) {
    var by = spec.size_by;
    if (!by) return spec.size;
    return Math.min(Math.max(Math.sqrt(Math.max(p[by[0]] || 0, 0)) * by[1], by[2]), by[3]);
  }

  function pointTrace(spec, features, plan) {
    // The server puts each point in one of its layer's categories (Layer.public_category), one trace each.
    var subset = features.filter(function (f) { return f.properties.category === spec.category; });
    var props = subset.map(function (f) { return derived(f.properties); });
    var marker = {opacity: spec.marker.opacity};
    marker.size = props.map(function (p) { return markerSize(spec.marker, p); });
    if (spec.marker.colorscale) {
      Object.assign(marker, {colorscale: spec.marker.colorscale, cmin: spec.marker.cmin, cmax: spec.marker.cmax,
        color: props.map(function (p) { return p.occupancy; }), showscale: false});
    } else {
      marker.color = spec.marker.color;
    }
    return {
      type: "scattermap", mode: "markers", showlegend: false, name: spec.name, marker: marker,
      lon: subset.map(function (f) { return f.geometry.coordinates[0]; }),
      lat: subset.map(function (f) { return f.geometry.coordinates[1]; }),
      customdata: props.map(function (p) {
        return spec.fields.map(function (field) { return format(p[field[0]], field[1], plan.lang, spec.labels); });
      }),
      hovertemplate: spec.hover + "<extra></extra>"
    };
  }

  function cellTrace(spec, features) {
    return {
      type: "choroplethmap", name: spec.name, showlegend: false, showscale: false,
      geojson: {type: "FeatureCollection", features: features}, featureidkey: "id",
      locations: features.map(function (f) { return f.id; }),
      z: features.map(function (f) { return f.properties.open; }),
      customdata: features.map(function (f) { return f.properties.closed; }),
      colorscale: spec.colorscale, zmin: 0, marker: {opacity: 0.6, line: {width: 0}},
      hovertemplate: spec.hover + "<extra></extra>"
    };
  }

  function traces(plan, documentJson) {
    var features = documentJson.features.filter(function (f) {
      return !plan.commune || f.properties.commune_code === plan.commune;
    });
    return plan.traces.map(function (spec) {
      return spec.type === "choroplethmap" ? cellTrace(spec, features) : pointTrace(spec, features, plan);
    });
  }

  // The server's clock as the answer's Date (plus its age in a cache): what the freshness line ages against.
  function serverClock(response) {
    var date = Date.parse(response.headers.get("Date") || "");
    var age = parseInt(response.headers.get("Age") || "0", 10) || 0;
    return isNaN(date) ? Date.now() : date + age * 1000;
  }

  function status(layer, now) {
    return {
      now: now, state: layer.state, line: layer.freshness,
      at: layer.fetched_at ? Date.parse(layer.fetched_at) : null, budget: layer.freshness_budget_seconds
    };
  }

  // A request the server never answers must not hold the poll forever.
  var GIVE_UP_MS = 10000;

  function getJson(url, cacheMode) {
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, GIVE_UP_MS);
    return fetch(url, {credentials: "omit", cache: cacheMode, signal: abort.signal}).then(function (response) {
      if (!response.ok) throw new Error(url + " answered " + response.status);
      return response.json().then(function (body) { return {body: body, response: response}; });
    }).finally(function () { clearTimeout(timer); });
  }

  function poll(plan, shown, figure) {
    var noUpdate = window.dash_clientside.no_update;
    // "no-cache": revalidate every poll (a 304 while nothing moved), never trust a copy blindly.
    return getJson(VERSIONS + "?lang=" + encodeURIComponent(plan.lang), "no-cache").then(function (answer) {
      var layer = answer.body.layers[plan.layer];
      var line = status(layer, serverClock(answer.response));
      if (!layer.url || (shown || {})[plan.layer] === layer.version) return [noUpdate, noUpdate, line];
      return getJson(layer.url, "default").then(function (file) {
        var data = figure.data.slice(0, 1).concat(traces(plan, file.body));
        var versions = {};
        versions[plan.layer] = layer.version;
        return [Object.assign({}, figure, {data: data}), versions, line];
      });
    }).catch(function () {
      // Keep what is on screen; the freshness line turns stale by itself if this goes on (freshness.js).
      return [noUpdate, noUpdate, noUpdate];
    });
  }

  // Dash drops the answer of a callback triggered again before it came back: when the server is slower than the
  // poll interval, every tick while a request is on its way shares that request's answer instead of starting its
  // own, so the newest tick lands as soon as the request does.
  var inFlight = null;

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.cityops_embed = {
    refresh: function (_tick, plan, shown, figure) {
      if (!plan) return [window.dash_clientside.no_update, window.dash_clientside.no_update,
        window.dash_clientside.no_update];
      if (!inFlight) {
        inFlight = poll(plan, shown, figure).finally(function () { inFlight = null; });
      }
      return inFlight;
    }
  };
})();
