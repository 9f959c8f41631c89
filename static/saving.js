/* Save and come back later: the link's code (after "#", never sent to the server) goes into
   the form and leaves the address bar; a Copy button beside the code where the browser can
   copy. Without script the code is typed, and copied by hand. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var field = document.querySelector("[data-code-from-link]");
    var given = "";
    try {
      given = decodeURIComponent(window.location.hash.slice(1));
    } catch (malformed) {  /* a "#%" typed or cut: no code, the patient types it */
      given = "";
    }
    if (field && /^[0-9A-Za-z -]{12,20}$/.test(given)) {
      field.value = given;
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    var code = document.querySelector("[data-return-code]");
    if (!code || !navigator.clipboard || !window.isSecureContext) { return; }
    var line = document.createElement("p");
    var button = document.createElement("button");
    var status = document.createElement("span");
    button.type = "button";
    button.className = "button-secondary";
    button.textContent = code.getAttribute("data-copy-label");
    status.setAttribute("role", "status");
    line.appendChild(button);
    line.appendChild(document.createTextNode(" "));
    line.appendChild(status);
    code.parentNode.insertBefore(line, code.nextSibling);
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent.trim()).then(function () {
        status.textContent = code.getAttribute("data-copied");
      });
    });
  });
}());
