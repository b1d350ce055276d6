// kg report: the overview's search box. Data comes from search.js (window.KG_SEARCH:
// [name, other names, kind, href] rows), loaded as a script so it works from file://.
"use strict";
(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function start() {
    var input = document.getElementById("q");
    var list = document.getElementById("results");
    var status = document.getElementById("results-status");
    if (!input || !list || !window.KG_SEARCH) { return; }
    var rows = window.KG_SEARCH.map(function (r) {
      return { name: r[0], others: r[1], kind: r[2], href: r[3], key: fold(r[0] + " " + r[1]) };
    });
    function show() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      list.textContent = "";
      if (!words.length) { status.textContent = ""; return; }
      var found = rows.filter(function (r) {
        return words.every(function (w) { return r.key.indexOf(w) !== -1; });
      });
      found.slice(0, 30).forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = r.href;
        a.textContent = r.name;
        var kind = document.createElement("span");
        kind.className = "k";
        kind.textContent = r.kind + (r.others ? " · " + r.others : "");
        li.appendChild(a);
        li.appendChild(kind);
        list.appendChild(li);
      });
      status.textContent = found.length + (found.length === 1 ? " match" : " matches") +
        (found.length > 30 ? " (first 30 shown)" : "");
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (event) {
      var first = list.querySelector("a");
      if (event.key === "Enter" && first) { first.click(); }
      if (event.key === "ArrowDown" && first) { event.preventDefault(); first.focus(); }
    });
    show();
  }
  // Deferred scripts run before DOMContentLoaded, search.js after this one: wait for it.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
