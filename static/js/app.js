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

  // Copy buttons (hidden until this script shows them) copy an input's value.
  function armCopyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (navigator.clipboard || document.queryCommandSupported("copy")) {
        button.hidden = false;
      }
    });
  }

  function copyFrom(button) {
    var input = document.getElementById(button.dataset.copy);
    if (!input) { return; }
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        input.select();
      });
    } else {
      input.select();
      if (document.execCommand("copy")) { done(); }
    }
  }

  // Put the cursor where invalid JSON was found, in the first such field.
  function focusJsonError(root) {
    var area = root.querySelector("textarea[data-error-offset]");
    if (!area) { return; }
    var at = parseInt(area.dataset.errorOffset, 10) || 0;
    area.focus();
    area.setSelectionRange(at, at);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) { copyFrom(button); }
  });


  // Live fragments ([data-keep-open]) are replaced every second while a run goes
  // on: remember which <details> the person opened or closed, and keep them so.
  var detailsState = {};
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.tagName === "DETAILS" && details.id && details.closest("[data-keep-open]")) {
      detailsState[details.id] = details.open;
    }
  }, true);

  function keepDetails(root) {
    var scope = root.matches && root.matches("[data-keep-open]") ? root : null;
    if (!scope && !root.querySelector("[data-keep-open]")) { return; }
    (scope || root).querySelectorAll("details[id]").forEach(function (details) {
      if (Object.prototype.hasOwnProperty.call(detailsState, details.id)) {
        details.open = detailsState[details.id];
      }
    });
  }

  // A filter form swaps itself with its results. If the person changed a field
  // while the request was out, that answer is stale: drop it (their change sends
  // its own request) instead of wiping what they just typed.
  function formState(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form[data-live-filters]")) {
      form.dataset.sentState = formState(form);
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (form && form.matches && form.matches("form[data-live-filters]") &&
        form.dataset.sentState !== formState(form)) {
      event.detail.shouldSwap = false;
    }
  });

  // Live lists ([data-live]) poll for new runs only while the page is seen: a
  // hidden tab asks nothing, and asks at once when it is shown again.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute && elt.hasAttribute("data-live")) {
      event.preventDefault();
    }
  });
  // While a boosted link or form is loading the next page, this page's polls
  // leave it alone: a poll swapping the list that holds the clicked link would
  // take htmx's note that the link is boosted with it, and the next page would
  // show under the old address.
  var leavingBy = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.boosted) { leavingBy = event.detail.xhr; }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var pending = leavingBy && leavingBy.readyState > 0 && leavingBy.readyState < 4;
    if (pending && event.detail.xhr !== leavingBy) { event.detail.shouldSwap = false; }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) { return; }
    document.querySelectorAll("[data-live]").forEach(function (elt) {
      window.htmx.trigger(elt, "live-now");
    });
  });

  // A transcript opens at its latest message, or at the one the link named,
  // before htmx looks for "revealed" elements (so older ones load on scroll-up).
  function openTranscript() {
    if (!document.querySelector("[data-transcript]")) { return; }
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target) {
      target.scrollIntoView({ block: "center" });
    } else {
      window.scrollTo(0, document.documentElement.scrollHeight);
    }
  }

  // Older messages are added above: keep the reader's place on the page.
  var fromBottom = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-older")) {
      fromBottom = document.documentElement.scrollHeight - window.scrollY;
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (fromBottom !== null) {
      window.scrollTo(0, document.documentElement.scrollHeight - fromBottom);
      fromBottom = null;
    }
  });

  // The workflow editor holds unsaved work once anything in it changed (typing,
  // or a builder button: the server marks its answer data-dirty). Leaving then
  // asks first; the Save buttons (data-saves) do not.
  var unsaved = false;
  function inEditor(node) {
    return node && node.closest && node.closest("form[data-unsaved]");
  }
  function leaving() {
    return unsaved && document.querySelector("form[data-unsaved]") !== null;
  }
  function noteChange(event) { if (inEditor(event.target)) { unsaved = true; } }
  document.addEventListener("input", noteChange);
  document.addEventListener("change", noteChange);
  document.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("data-saves")) { unsaved = false; }
  }, true);
  window.addEventListener("beforeunload", function (event) {
    if (leaving()) { event.preventDefault(); event.returnValue = ""; }
  });
  // Boosted links swap the page without unloading it: ask before they do.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    // Starters (on a new workflow) keep the name and intent typed so far.
    if (!link || !leaving() || link.target === "_blank" || link.hasAttribute("download") ||
        link.getAttribute("href").charAt(0) === "#" || link.closest(".starters")) { return; }
    if (window.confirm("Leave without saving? Your changes to this workflow are not saved yet.")) {
      unsaved = false;
    } else {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Insert data: put a field's reference where the cursor is in its text box,
  // so typed text and references mix; the menu closes and the box keeps focus.
  function insertReference(button) {
    var box = document.getElementById(button.dataset.target);
    if (!box) { return; }
    var text = button.dataset.insert;
    var start = box.selectionStart == null ? box.value.length : box.selectionStart;
    var end = box.selectionEnd == null ? start : box.selectionEnd;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.setSelectionRange(start + text.length, start + text.length);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    var menu = button.closest("details");
    if (menu) { menu.open = false; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-insert]");
    if (button) { insertReference(button); }
  });

  function enhance(root) {
    if (root.querySelector && root.querySelector("form[data-dirty]")) { unsaved = true; }
    fillTimezone(root);
    armFlashes(root);
    armCopyButtons(root);
    focusJsonError(root);
    keepDetails(root);
  }

  openTranscript();
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
