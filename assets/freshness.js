// The browser's own freshness check, shared by the managers' page, the wall and the embeds.
// Every good poll answer carries the server's clock; a page that hears none for one poll interval plus the
// Redis timeout (or only errors) says its data are stale, and ages the data's own times meanwhile, without
// asking the server anything.
(function () {
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }

  function cityTime(ms, lang) {
    var locale = lang === "en" ? "en-GB" : "fr-FR";
    return new Intl.DateTimeFormat(locale, {timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit"})
      .format(new Date(ms));
  }

  // As dashboard.i18n.age_in_words: coarse, so the text changes rarely.
  function ageWords(ms, texts) {
    var seconds = Math.max(ms, 0) / 1000;
    if (seconds < 60) return texts.just_now;
    if (seconds < 3600) return fill(texts.minutes, {n: Math.floor(seconds / 60)});
    if (seconds < 86400) return fill(texts.hours, {n: Math.floor(seconds / 3600)});
    return fill(texts.days, {n: Math.floor(seconds / 86400)});
  }

  // When this page last heard a good answer, and how far the server's clock is from this one.
  function Watch() {
    this.serverAt = null;
    this.heardAt = Date.now(); // the page load counts as news: the first poll gets a full window
    this.offset = 0;
  }
  Watch.prototype.heard = function (serverMs) {
    if (typeof serverMs !== "number" || serverMs === this.serverAt) return;
    this.serverAt = serverMs;
    this.heardAt = Date.now();
    this.offset = this.heardAt - serverMs;
  };
  Watch.prototype.lost = function (config) {
    return Date.now() - this.heardAt > config.after;
  };
  Watch.prototype.serverNow = function () {
    return Date.now() - this.offset;
  };

  // A state and text as of now, for something dated `at` (epoch ms) with a freshness budget in seconds;
  // `stateNow` is what the server said and `label` its words for it.
  function aged(watch, config, stateNow, label, at, budget) {
    if (at === null || at === undefined) return null;
    var texts = config.texts;
    var quiet = stateNow === "ok" || stateNow === "degraded";
    if (quiet && watch.lost(config)) {
      return {state: "stale", text: fill(texts.stale_since, {time: cityTime(watch.heardAt, config.lang)})};
    }
    var age = watch.serverNow() - at;
    if (stateNow === "ok" && age > budget * 1000) {
      return {state: "stale", text: fill(texts.stale_since, {time: cityTime(at + budget * 1000, config.lang)})};
    }
    return {state: stateNow, text: label + " · " + ageWords(age, texts)};
  }

  // The banner's line about the connection, or "" while answers arrive.
  function lostLine(watch, config) {
    if (!config.texts.lost || !watch.lost(config)) return "";
    return fill(config.texts.lost, {time: cityTime(watch.heardAt, config.lang)});
  }

  window.cityopsFreshness = {Watch: Watch, aged: aged, lostLine: lostLine};

  var embedWatch = new Watch();
  var pausedSince = null;
  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.cityops_freshness = {
    // The poll pauses while its request is on its way (callbacks.live.PAUSE_POLL), but Dash does not undo
    // that when the request fails without an answer (server gone): resume it once no answer can come any more.
    resumePoll: function (_tick, disabled, config) {
      var noUpdate = window.dash_clientside.no_update;
      if (!disabled) {
        pausedSince = null;
        return noUpdate;
      }
      if (pausedSince === null) pausedSince = Date.now();
      if (Date.now() - pausedSince < config.after) return noUpdate;
      pausedSince = null;
      return false;
    },
    embedLine: function (status, _tick, config) {
      if (!status) {
        var waiting = embedWatch.lost(config)
          ? fill(config.texts.stale_since, {time: cityTime(embedWatch.heardAt, config.lang)})
          : "…";
        return [waiting, "embed-freshness" + (waiting === "…" ? "" : " state-stale")];
      }
      embedWatch.heard(status.now);
      var now = aged(embedWatch, config, status.state, "", status.at, status.budget);
      if (now === null || now.state === status.state) {
        return [status.line, "embed-freshness state-" + status.state];
      }
      return [now.text, "embed-freshness state-" + now.state];
    }
  };
})();
