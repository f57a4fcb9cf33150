// Managers' page: the alarms panel is drawn again whenever an alarm is raised, cleared or acknowledged, and
// a drawn-again group would close; the groups a manager opened stay open until they close them.
(function () {
  var opened = new Set();
  // "toggle" does not bubble: listen in the capture phase.
  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (!(group instanceof HTMLDetailsElement) || !group.classList.contains("alarm-group")) return;
    if (group.open) opened.add(group.dataset.kind);
    else opened.delete(group.dataset.kind);
  }, true);
  new MutationObserver(function () {
    if (opened.size === 0) return;
    document.querySelectorAll("details.alarm-group:not([open])").forEach(function (group) {
      if (opened.has(group.dataset.kind)) group.open = true;
    });
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
