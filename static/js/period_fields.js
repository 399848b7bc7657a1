// Period fields: the start and end dates are used only with the "custom" period, so they are
// enabled only while it is chosen (run form, re-bill form, the business page's filters). Without
// JavaScript every field stays enabled and the server ignores the dates of a preset period.
(function () {
  "use strict";
  var selects = document.querySelectorAll("form select[name=period]");

  function sync(select) {
    var custom = select.value === "custom";
    ["start", "end"].forEach(function (name) {
      var input = select.form.elements.namedItem(name);
      if (!input || input.tagName !== "INPUT") return;
      input.disabled = !custom;
      input.setAttribute("aria-disabled", String(!custom));
      var holder = input.closest("div");
      if (holder) holder.classList.toggle("field-disabled", !custom);
    });
  }

  Array.prototype.forEach.call(selects, function (select) {
    if (!select.form) return;
    sync(select);
    select.addEventListener("change", function () {
      sync(select);
    });
  });
})();
