// gdprgraph serve: sortable tables and filters that apply on change. No library, no remote code.
"use strict";
(function () {
  function cellValue(row, index) {
    const cell = row.cells[index];
    return cell ? cell.textContent.trim() : "";
  }
  function compare(a, b) {
    const x = parseFloat(a), y = parseFloat(b);
    if (!isNaN(x) && !isNaN(y) && String(x) === a && String(y) === b) return x - y;
    return a.localeCompare(b, undefined, { sensitivity: "base", numeric: true });
  }
  function sortBy(table, th, index) {
    const body = table.tBodies[0];
    if (!body) return;
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const rows = Array.from(body.rows).filter(function (r) { return r.cells.length > 1; });
    rows.sort(function (r1, r2) {
      const c = compare(cellValue(r1, index), cellValue(r2, index));
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  // the search box lists the closest names as one types (text only: names are data, never HTML)
  function suggestions() {
    const box = document.getElementById("search-box");
    const list = document.getElementById("suggestions");
    if (!box || !list) return;
    let timer = null, asked = "";
    function show(hits) {
      list.replaceChildren();
      hits.forEach(function (hit) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = hit.href;
        link.textContent = hit.name + " ";
        const kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = hit.kind;
        link.appendChild(kind);
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = hits.length === 0;
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      const text = box.value.trim();
      if (text.length < 2) { show([]); return; }
      timer = setTimeout(function () {
        asked = text;
        fetch("/suggest?q=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (hits) { if (asked === box.value.trim()) show(hits); })
          .catch(function () { show([]); });
      }, 150);
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && !list.hidden) { e.preventDefault(); list.querySelector("a").focus(); }
      if (e.key === "Escape") show([]);
    });
    list.addEventListener("keydown", function (e) {
      const here = document.activeElement.closest("li");
      if (e.key === "ArrowDown" && here && here.nextElementSibling) { e.preventDefault(); here.nextElementSibling.querySelector("a").focus(); }
      if (e.key === "ArrowUp" && here) { e.preventDefault(); (here.previousElementSibling ? here.previousElementSibling.querySelector("a") : box).focus(); }
      if (e.key === "Escape") { show([]); box.focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      const head = table.tHead;
      if (!head) return;
      Array.from(head.rows[0].cells).forEach(function (th, index) {
        th.title = "sort";
        th.addEventListener("click", function () { sortBy(table, th, index); });
      });
    });
    suggestions();
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
