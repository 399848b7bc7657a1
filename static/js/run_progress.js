// Follows an invoice run's progress; without JS the page refreshes itself (<noscript> meta).
(function () {
  "use strict";
  var box = document.querySelector("[data-run-progress][data-active]");
  if (!box || !window.fetch) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var url = box.getAttribute("data-progress-url");

  function describe(state) {
    var words = state.drafts_done + " of " + state.drafts_total + " drafts done";
    if (state.drafts_failed) words += ", " + state.drafts_failed + " failed";
    if (state.drafts_voided) words += ", " + state.drafts_voided + " voided";
    return words + ".";
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
        text.textContent = describe(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
