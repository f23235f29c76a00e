// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Fill the hidden time zone field on sign-up with the browser's own zone.
  function fillTimezone(root) {
    root.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
      if (!input.value) {
        try {
          input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
        } catch (e) { /* old browsers keep UTC */ }
      }
    });
  }

  // Flashes fade away after a while; the live region has already announced them.
  function armFlashes(root) {
    root.querySelectorAll(".flash[data-autohide]").forEach(function (flash) {
      if (flash.dataset.armed) { return; }
      flash.dataset.armed = "1";
      var timer = setTimeout(function () { flash.remove(); }, 8000);
      flash.addEventListener("mouseenter", function () { clearTimeout(timer); });
      flash.addEventListener("focusin", function () { clearTimeout(timer); });
    });
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest(".flash-close");
    if (close) { close.closest(".flash").remove(); }
  });

  function enhance(root) {
    fillTimezone(root);
    armFlashes(root);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
