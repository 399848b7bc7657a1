// Tick boxes of a preview and of a new run: a line ticks or unticks its entries, a client its
// projects. Without JavaScript the server applies the same rule (an entry on an unticked line,
// or a project of an unticked client, is left out), so this only keeps the boxes in agreement.
(function () {
  "use strict";
  function pair(parentSelector, childAttribute, parentAttribute) {
    document.querySelectorAll(parentSelector).forEach(function (parent) {
      var key = parent.getAttribute(parentAttribute);
      var children = document.querySelectorAll("[" + childAttribute + '="' + key + '"]');
      parent.addEventListener("change", function () {
        children.forEach(function (child) { child.checked = parent.checked; });
      });
      children.forEach(function (child) {
        child.addEventListener("change", function () {
          if (child.checked) { parent.checked = true; }
        });
      });
    });
  }
  pair("[data-line]", "data-line-entry", "data-line");
  pair("[data-client]", "data-client-project", "data-client");
})();
