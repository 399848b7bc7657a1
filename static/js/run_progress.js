// Keeps an invoice run's page live while its drafts are created: the progress bar, the summary,
// every draft's row (state, total, FreshBooks link) and, once finished, the next step, all from
// one JSON document (the run's progress URL), updated in place. Without JS the page refreshes
// itself (<noscript> meta).
(function () {
  "use strict";
  var box = document.querySelector("[data-run-progress][data-active]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-progress-url");
  var TONES = ["badge-ok", "badge-warn", "badge-error", "badge-muted"];

  function setText(element, text) {
    if (element && element.textContent !== text) element.textContent = text;
  }

  function setShown(element, shown) {
    if (element) element.hidden = !shown;
  }

  function setBadge(element, tone, label) {
    if (!element) return;
    TONES.forEach(function (name) {
      element.classList.toggle(name, name === "badge-" + tone);
    });
    setText(element, label);
  }

  function setInvoice(cell, draft) {
    var link = cell.querySelector("a");
    if (draft.freshbooks_url) {
      if (!link || link.getAttribute("href") !== draft.freshbooks_url) {
        link = document.createElement("a");
        link.href = draft.freshbooks_url;
        link.rel = "noopener";
        link.target = "_blank";
        cell.replaceChildren(link);
      }
      setText(link, draft.freshbooks_label);
    } else {
      var placeholder = cell.querySelector("span.muted");
      if (link || !placeholder) {
        placeholder = document.createElement("span");
        placeholder.className = "muted";
        cell.replaceChildren(placeholder);
      }
      setText(placeholder, draft.freshbooks_label);
    }
  }

  // Returns false when the page lists other drafts than the run has (then it reloads).
  function updateRows(drafts) {
    for (var i = 0; i < drafts.length; i += 1) {
      var draft = drafts[i];
      var row = document.querySelector('tr[data-draft-id="' + draft.id + '"]');
      if (!row) return false;
      setBadge(row.querySelector('[data-cell="state"]'), draft.tone, draft.state_label);
      var error = row.querySelector('[data-cell="error"]');
      setText(error, draft.error);
      setShown(error, Boolean(draft.error));
      setText(row.querySelector('[data-cell="total"]'), draft.total);
      var other = row.querySelector('[data-cell="freshbooks-total"]');
      setText(other, "FreshBooks says " + draft.freshbooks_total);
      setShown(other, Boolean(draft.freshbooks_total));
      setInvoice(row.querySelector('[data-cell="invoice"]'), draft);
    }
    return document.querySelectorAll("tr[data-draft-id]").length === drafts.length;
  }

  function update(state) {
    var bar = box.querySelector("progress");
    bar.value = state.percent;
    bar.textContent = state.percent + "%";
    setText(box.querySelector("[data-progress-text]"), state.summary);
    var totals = box.querySelector("[data-progress-totals]");
    setText(totals, state.in_freshbooks);
    setShown(totals, Boolean(state.in_freshbooks));
    setBadge(document.querySelector("[data-run-status]"), state.status_tone, state.status_label);
    if (!updateRows(state.drafts)) return false;
    var next = document.querySelector("[data-next-step]");
    setText(document.querySelector("[data-next-step-text]"), state.next_step);
    setShown(next, Boolean(state.next_step));
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        if (!update(state)) {
          window.location.reload();
          return;
        }
        if (state.finished) {
          box.removeAttribute("data-active");
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
