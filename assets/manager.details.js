// The details panel: move the focus to its heading when it opens on a new record, close it with Escape.
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.cityopsDetails = {
  focusOnOpen: function (shown) {
    var key = shown ? shown[0] + "/" + shown[1] : "";
    if (key && key !== window.dash_clientside.cityopsDetails.lastOpened) {
      // After Dash has un-hidden the panel: a hidden element cannot take the focus.
      window.requestAnimationFrame(function () {
        var title = document.getElementById("details-title");
        if (title) title.focus({ preventScroll: true });
        var panel = document.getElementById("details");
        if (panel) panel.scrollIntoView({ block: "nearest" });
      });
    }
    window.dash_clientside.cityopsDetails.lastOpened = key;
    return window.dash_clientside.no_update;
  },
  lastOpened: ""
};
document.addEventListener("keydown", function (event) {
  var panel = document.getElementById("details");
  if (event.key === "Escape" && panel && !panel.hidden && panel.contains(document.activeElement)) {
    document.getElementById("details-close").click();
  }
});
