// The periodic task admin form (django-celery-beat): show the chosen crontab in words under the
// crontab field, as the package's inline script did, without inline script or innerHTML.
(function () {
  "use strict";
  var script = document.currentScript;
  var data = document.getElementById("readable-crontabs");
  var select = document.getElementById("id_crontab");
  if (!script || !data || !select) return;
  var readable = JSON.parse(data.textContent);
  var baseHelp = script.getAttribute("data-crontab-help") || "";

  var translationRow = document.querySelector(".field-crontab_translation");
  if (translationRow) translationRow.style.display = "none";

  function showTranslation() {
    var help = document.querySelector(".field-crontab .help");
    if (!help) return;
    help.textContent = baseHelp;
    var words = readable[select.value];
    if (words) {
      help.appendChild(document.createElement("br"));
      help.appendChild(document.createTextNode("Translation: " + words));
    }
  }

  select.addEventListener("change", showTranslation);
  if (select.value) showTranslation();
})();
