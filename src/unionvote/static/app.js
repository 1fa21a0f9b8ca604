/* unionvote: small progressive enhancements. Every page works without this file.
   No inline scripts anywhere: the Content-Security-Policy allows only files from /static. */
(function () {
  "use strict";

  // Every htmx request carries the CSRF token that
  // base.html puts in <meta name="csrf-token">; plain forms send it as a hidden field.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var token = meta && meta.getAttribute("content");
    if (token) {
      event.detail.headers["x-csrftoken"] = token;
    }
  });

  // Forms marked data-confirm="Question?" ask before doing something hard to undo.
  // Without JavaScript they simply submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Buttons marked data-print start hidden and only appear when they can work.
  function enhance() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // Live updates: pages that opt in get <div hx-ext="ws" ws-connect=...> from base.html and
  // the htmx websocket extension does the rest; nothing else is needed here.

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
