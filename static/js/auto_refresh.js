// Reloads a page that is waiting for background work ([data-auto-refresh="seconds"]), but never
// while someone is using a form on it. Without JavaScript the page shows a refresh link instead.
(function () {
  "use strict";
  var holder = document.querySelector("[data-auto-refresh]");
  if (!holder) return;
  var delay = (parseInt(holder.getAttribute("data-auto-refresh"), 10) || 5) * 1000;

  function reloadWhenIdle() {
    var active = document.activeElement;
    if (active && active.form) {
      window.setTimeout(reloadWhenIdle, delay);
      return;
    }
    window.location.reload();
  }

  window.setTimeout(reloadWhenIdle, delay);
})();
