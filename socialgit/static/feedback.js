// Optional: the feedback log works without this (one static page per status, sentiment, network and
// assignee). With it, a small form filters the items of the page in place, several filters at once.
(function () {
  "use strict";
  var form = document.querySelector("form.fb-live");
  // the log's cards, or a filter page's rows
  var list = document.querySelector("ol.fb-log, table.fb-rows > tbody");
  var status = document.querySelector(".fb-showing");
  if (!form || !list || !status) return;
  var items = Array.prototype.slice.call(list.children);
  if (items.length < 2) return;
  var fields = [["status", "Status"], ["sentiment", "Sentiment"], ["network", "Network"],
                ["assignee", "Assignee"], ["post", "Post"]];
  // a site in another language gives its words (and digits) on the form; English is the default
  var names = (form.getAttribute("data-names") || "").split("|");
  fields.forEach(function (field, index) { if (names[index]) field[1] = names[index]; });
  var digits = form.getAttribute("data-digits") || "0123456789";
  function number(n) {
    return String(n).replace(/[0-9]/g, function (d) { return digits.charAt(+d); });
  }
  var selects = [];
  fields.forEach(function (field) {
    var key = field[0];
    var counts = {};
    items.forEach(function (item) {
      var value = item.getAttribute("data-" + key) || "";
      counts[value] = (counts[value] || 0) + 1;
    });
    var values = Object.keys(counts).sort();
    if (values.length < 2) return;
    var label = document.createElement("label");
    var name = document.createElement("span");
    name.textContent = field[1];
    var select = document.createElement("select");
    select.name = key;
    var any = document.createElement("option");
    any.value = "";
    any.textContent = form.getAttribute("data-any") || "any";
    select.appendChild(any);
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;  // text and values are set as text: nothing from a comment becomes markup
      option.textContent = value + " (" + number(counts[value]) + ")";
      select.appendChild(option);
    });
    label.appendChild(name);
    label.appendChild(select);
    form.appendChild(label);
    selects.push(select);
  });
  if (!selects.length) return;
  var reset = document.createElement("button");
  reset.type = "reset";
  reset.textContent = form.getAttribute("data-clear") || "Clear";
  form.appendChild(reset);

  function apply() {
    var shown = 0;
    items.forEach(function (item) {
      var match = selects.every(function (select) {
        return !select.value || item.getAttribute("data-" + select.name) === select.value;
      });
      item.hidden = !match;
      if (match) shown += 1;
    });
    status.textContent = (form.getAttribute("data-showing") || "Showing {shown} of {total} on this page.")
      .replace("{shown}", number(shown)).replace("{total}", number(items.length));
    status.hidden = shown === items.length;
  }

  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
})();
