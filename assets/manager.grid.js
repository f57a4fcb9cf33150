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
