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

  // Live updates: pages that opt in get <div hx-ext="ws,live-targets" ws-connect=...> from
  // base.html and the htmx websocket extension swaps each fragment into the element its
  // hx-swap-oob names. One topic carries fragments for several pages (the Vote page, the
  // chair's console, the projector), so a fragment whose landing place is not on this page
  // is dropped here, quietly, instead of htmx reporting each one as an error.
  function landingOf(fragment) {
    var how = fragment.getAttribute("hx-swap-oob") || "true";
    var colon = how.indexOf(":");
    if (colon > 0) {
      return how.slice(colon + 1);
    }
    return fragment.id ? "#" + CSS.escape(fragment.id) : null;
  }

  function landsHere(fragment) {
    var where = landingOf(fragment);
    if (!where) {
      return true; // malformed: let htmx say so
    }
    try {
      return document.querySelector(where) !== null;
    } catch (error) {
      return true;
    }
  }

  if (window.htmx) {
    window.htmx.defineExtension("live-targets", {
      transformResponse: function (text, xhr, elt) {
        if (!elt || !elt.hasAttribute || !elt.hasAttribute("ws-connect")) {
          return text; // an ordinary htmx response: untouched
        }
        var holder = document.createElement("template");
        holder.innerHTML = text;
        Array.prototype.slice.call(holder.content.children).forEach(function (fragment) {
          if (!landsHere(fragment)) {
            fragment.remove();
          }
        });
        return holder.innerHTML;
      }
    });
  }

  // Speaking clocks: the server renders the time left (data-left, in seconds); where JavaScript runs it counts
  // down from when this page first saw that figure, so a wrong clock on the device does not matter.
  function clockText(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var whole = Math.abs(seconds);
    var rest = whole % 60;
    return sign + Math.floor(whole / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tickClocks() {
    var clocks = document.querySelectorAll("[data-left]");
    Array.prototype.forEach.call(clocks, function (clock) {
      if (clock.uvSeen === undefined) {
        clock.uvSeen = Date.now();
        clock.uvLeft = parseInt(clock.getAttribute("data-left"), 10);
      }
      if (isNaN(clock.uvLeft)) {
        return;
      }
      var left = clock.uvLeft - Math.floor((Date.now() - clock.uvSeen) / 1000);
      clock.textContent = clockText(left);
      if (left < 0 && clock.parentNode && clock.parentNode.classList) {
        clock.parentNode.classList.add("speaker-clock--over");
      }
    });
  }
  window.setInterval(tickClocks, 1000);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
