// Tables wider than the screen scroll sideways inside .table-wrap. This marks the ones that
// overflow (edge shadows in app.css), adds a "scroll sideways" hint above them and makes them
// reachable by keyboard, and updates when the window is resized.
(function () {
  "use strict";
  function mark(wrap) {
    var overflows = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("overflows", overflows);
    var hint = wrap.previousElementSibling;
    var hasHint = hint && hint.classList.contains("scroll-hint");
    if (overflows) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      var caption = wrap.querySelector("caption");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
      if (!hasHint) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = "Scroll sideways for more →";
        wrap.parentNode.insertBefore(hint, wrap);
      }
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
      if (hasHint) hint.remove();
    }
  }
  function markAll() {
    document.querySelectorAll(".table-wrap").forEach(mark);
  }
  markAll();
  window.addEventListener("resize", markAll);
})();
