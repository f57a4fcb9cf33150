// The grid's own CSV export ("Exporter la vue du tableau"): the server CSV's rule for cells a spreadsheet would
// run as a formula (dashboard/tables.py); layouts/tables.py passes the rule's characters and escape in.
window.dashAgGridFunctions = Object.assign({}, window.dashAgGridFunctions);
window.dashAgGridFunctions.neutraliseCsvCell = function (params, starts, escape) {
  var value = params.value;
  if (value === null || value === undefined) return "";
  // As on the server: a number in a number column is a number, "-2" included.
  if (typeof value === "number" && params.column.getColDef().type === "numericColumn") return value;
  var text = String(value);
  return starts.some(function (start) { return text.indexOf(start) === 0; }) ? escape + text : text;
};

// Number cells as the page's language writes them (layouts/tables.py): "1 234,5" with a narrow no-break space in
// French, as dashboard.i18n.number does on the server; the value itself (sort, filter, export) stays a number.
var gridNumberFormats = {};
window.dashAgGridFunctions.formatGridNumber = function (value, lang) {
  if (typeof value !== "number") return value === null || value === undefined ? "" : String(value);
  if (!gridNumberFormats[lang]) {
    gridNumberFormats[lang] = new Intl.NumberFormat(lang === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 6 });
  }
  return gridNumberFormats[lang].format(value);
};

// A new layer, version or filters of the page: the infinite row model lets go of its blocks and asks again
// (callbacks/tables.py); the grid keeps its place, sort and column filters.
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.grid = Object.assign({}, window.dash_clientside.grid, {
  purge: function (shown, gridId, purged) {
    var api;
    try {
      api = window.dash_ag_grid.getApi(gridId);
    } catch (notReady) {
      api = null; // not mounted yet: its first request will read what is shown
    }
    // The same table set again (a page poll) keeps the blocks: purging would only ask for them again.
    if (!shown || !api || JSON.stringify(shown) === JSON.stringify(purged)) return window.dash_clientside.no_update;
    api.purgeInfiniteCache();
    return shown;
  },
  // The server's block goes to the grid only when it answers the grid's current request (callbacks/tables.py).
  answer: function (block, request, shown) {
    if (!block || !request) return window.dash_clientside.no_update;
    var asked = [request.startRow || 0, request.endRow || 0, request.sortModel || [], request.filterModel || {}];
    var current = [shown, asked];
    if (JSON.stringify(block.for) !== JSON.stringify(current)) return window.dash_clientside.no_update;
    return { rowData: block.rowData, rowCount: block.rowCount };
  },
});
