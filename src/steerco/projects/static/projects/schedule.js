// The schedule grid. A row posts on any change inside it (htmx); the script says which cell
// changed, so that only that field is saved, and puts the keyboard focus back on the cell the
// user moved to once htmx has replaced the panel, as a spreadsheet would.
(function () {
  "use strict";
  var focused = null;  // {uid, name} of the grid cell that has the focus

  function cellOf(element) {
    var row = element && element.closest ? element.closest("#schedule-panel tr[data-uid]") : null;
    return row && element.name ? { uid: row.dataset.uid, name: element.name } : null;
  }

  document.addEventListener("focusin", function (event) {
    var cell = cellOf(event.target);
    if (cell) { focused = cell; }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    var cell = trigger ? cellOf(trigger.target) : null;
    if (cell) { event.detail.parameters.changed = cell.name; }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!focused) { return; }
    var active = document.activeElement;
    if (active && active !== document.body && document.body.contains(active)) { return; }
    var selector = "#schedule-panel tr[data-uid='" + focused.uid + "'] [name='" + focused.name + "']";
    var element = document.querySelector(selector);
    if (element && typeof element.focus === "function") {
      element.focus();
      if (typeof element.select === "function" && element.type !== "date") { element.select(); }
    }
  });
})();
