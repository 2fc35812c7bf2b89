/* mga report: sortable and filterable tables, copy buttons, checklists rendered on demand.
 * Builds DOM with textContent only (never innerHTML), so archive strings stay text. */
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  /* Sorting: the vendored tablesort (MIT), one instance per table.sortable. */
  each("table.sortable", function (table) { new Tablesort(table); });

  /* Filtering: a box per table, matching any cell text, case-insensitive; on the verdict table
   * also the verdict picked by a summary card (data-verdict on the table). */
  var filters = {};
  function applyFilter(id) {
    var table = document.getElementById(id);
    if (!table || !table.tBodies[0]) { return; }
    var input = document.querySelector('input[data-filter="' + id + '"]');
    var counter = document.querySelector('[data-filter-count="' + id + '"]');
    var needle = input ? input.value.trim().toLowerCase() : "";
    var verdict = table.getAttribute("data-verdict") || "";
    var shown = 0;
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var hit = (needle === "" || rows[i].textContent.toLowerCase().indexOf(needle) !== -1) &&
        (verdict === "" || rows[i].getAttribute("data-verdict") === verdict);
      rows[i].hidden = !hit;
      if (hit) { shown++; }
    }
    if (counter) {
      counter.textContent = needle === "" && verdict === "" ? "" : shown + " of " + rows.length + " rows";
    }
  }
  each("input[data-filter]", function (input) {
    var id = input.getAttribute("data-filter");
    var table = document.getElementById(id);
    if (!table) { return; }
    input.addEventListener("input", function () {
      clearTimeout(filters[id]);
      filters[id] = setTimeout(function () { applyFilter(id); }, rowsOf(table) > 500 ? 120 : 0);
    });
  });

  /* Summary cards: a verdict card shows only the routes with that verdict; pressed again, all. */
  each("button[data-verdict-filter]", function (card) {
    card.addEventListener("click", function () {
      var table = document.getElementById("routes-table");
      if (!table) { return; }
      var verdict = card.getAttribute("data-verdict-filter");
      var on = table.getAttribute("data-verdict") !== verdict;
      table.setAttribute("data-verdict", on ? verdict : "");
      each("button[data-verdict-filter]", function (other) {
        other.setAttribute("aria-pressed", on && other === card ? "true" : "false");
      });
      applyFilter("routes-table");
    });
  });

  /* Links to a route or a finding open the closed sections around their target first. */
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target) { return; }
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  reveal();

  function rowsOf(table) { return table.tBodies[0] ? table.tBodies[0].rows.length : 0; }

  /* Copy buttons: data-copy holds the text, or data-copy-from names an element whose text is copied. */
  each("button[data-copy], button[data-copy-from]", function (button) {
    button.addEventListener("click", function () {
      var from = button.getAttribute("data-copy-from");
      var source = from ? document.getElementById(from) : null;
      var text = source ? source.textContent : button.getAttribute("data-copy");
      copy(text, function (ok) {
        var label = button.textContent;
        button.textContent = ok ? "copied" : "select and copy";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });

  function copy(text, done) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
    } else {
      done(fallbackCopy(text));
    }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  /* Checklists of the routes without a full section: kept as compact JSON, drawn when opened. */
  var dataNode = document.getElementById("mga-lazy");
  var lazy = dataNode ? JSON.parse(dataNode.textContent) : null;
  each("details[data-lazy]", function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open || details.getAttribute("data-drawn") || !lazy) { return; }
      details.setAttribute("data-drawn", "1");
      details.appendChild(checklistTable(lazy, lazy.routes[details.getAttribute("data-lazy")] || []));
    });
  });

  function checklistTable(data, rows) {
    var table = document.createElement("table");
    table.className = "checklist compact";
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      var check = tr.insertCell();
      var code = document.createElement("code");
      code.textContent = data.checks[row[0]];
      check.appendChild(code);
      var status = data.statuses[row[1]];
      var badge = document.createElement("span");
      badge.className = "badge c-" + status;
      badge.textContent = status;
      tr.insertCell().appendChild(badge);
      tr.insertCell().textContent = data.strings[row[2]];
    });
    return table;
  }

  /* Printing: every folded part open (route sections, router conditions and pods, replies to the customer),
   * so the PDF holds what the screen hides; not the on-demand checklists, which could be thousands. */
  window.addEventListener("beforeprint", function () {
    each("details:not([data-lazy])", function (d) { d.open = true; });
  });
})();
