/* Save and come back later: the link's code (after "#", never sent to the server) goes into
   the form, and leaves the address bar; the code's Copy button. Without script, the code is
   typed and copied by hand. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var field = document.querySelector("[data-code-from-link]");
    var given = decodeURIComponent(window.location.hash.slice(1));
    if (field && /^[0-9A-Za-z -]{12,20}$/.test(given)) {
      field.value = given;
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    var button = document.querySelector("[data-copy-code]");
    var code = document.querySelector("[data-return-code]");
    if (button && code && navigator.clipboard && window.isSecureContext) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(code.textContent.trim()).then(function () {
          button.parentNode.querySelector(".copy-status").textContent = button.getAttribute("data-copied");
        });
      });
    }
  });
}());
