// Rate rule pickers: a search box in front of each <select data-searchable> that narrows its
// options by name, and projects narrowed to those of the chosen client. Without JavaScript the selects
// work as they are; the server checks every choice either way.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var client = document.querySelector("select[name=client]");
  var pickers = [];

  function render(picker) {
    var words = fold(picker.search.value).split(/\s+/).filter(Boolean);
    var clientId = picker.select.name === "project" && client ? client.value : "";
    var current = picker.select.value;
    var shown = 0;
    while (picker.select.options.length) picker.select.remove(0);
    picker.options.forEach(function (option) {
      var keep = option.value === "" || option.value === current;
      if (!keep) {
        var owner = option.getAttribute("data-client");
        var text = fold(option.textContent);
        keep =
          (!clientId || owner === clientId) &&
          words.every(function (word) { return text.indexOf(word) !== -1; });
      }
      if (keep) {
        picker.select.add(option);
        if (option.value !== "") shown += 1;
      }
    });
    picker.select.value = current;
    picker.status.textContent = shown + " of " + (picker.options.length - 1) + " shown";
  }

  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var label = document.querySelector('label[for="' + select.id + '"]');
    var search = document.createElement("input");
    search.type = "search";
    search.id = select.id + "-search";
    search.className = "picker-search";
    search.placeholder = "Type to search";
    search.setAttribute("autocomplete", "off");
    search.setAttribute("aria-label", "Search " + (label ? label.textContent.trim() : select.name));
    search.setAttribute("aria-controls", select.id);
    var status = document.createElement("span");
    status.className = "picker-status muted";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(search, select);
    select.parentNode.insertBefore(status, select.nextSibling);
    var picker = {
      select: select,
      search: search,
      status: status,
      options: Array.prototype.slice.call(select.options),
    };
    pickers.push(picker);
    search.addEventListener("input", function () { render(picker); });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter picks the first match instead of submitting the form
        var first = Array.prototype.find.call(select.options, function (option) {
          return option.value !== "";
        });
        if (first && select.value !== first.value) {
          select.value = first.value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        render(picker);
        select.focus();
      }
    });
    render(picker);
  });

  if (client) {
    client.addEventListener("change", function () {
      pickers.forEach(function (picker) {
        if (picker.select.name !== "project") return;
        var chosen = picker.select.selectedOptions[0];
        var owner = chosen ? chosen.getAttribute("data-client") : null;
        if (owner && client.value && owner !== client.value) picker.select.value = "";
        render(picker);
      });
    });
  }
})();
