/* Shows "Check the sealing first" on a sealed ballot's form (checking needs JavaScript, so the button is hidden
   without it) and loads the check itself (sealcheck.js, with the curve library) only when the voter asks. */
(function () {
  "use strict";
  // The page's words in the reader's language (a JSON block the server fills: unionvote/script_words.py).
  function say(english) {
    var block = document.getElementById("uv-words");
    return (block && JSON.parse(block.textContent)[english]) || english;
  }
  function reveal(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-sealcheck]")) root.hidden = false;
    root.querySelectorAll("[data-sealcheck]").forEach(function (element) { element.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-sealcheck-start]") : null;
    if (!button) return;
    var form = button.closest("form");
    var out = form.querySelector("[data-sealcheck-out]");
    out.textContent = say("Loading the check…");
    import("/static/js/sealcheck.js").then(function (module) { return module.start(form); }, function () {
      out.textContent = say("The check could not be loaded. You can still cast your vote with the button below.");
    });
  });
})();
