/* Print and copy buttons (result, print view, intake result); hidden until this script runs. And
   printing the result opens its folded "learn more" sections (closed again after), so the
   paper carries their text; patient.css does the same where ::details-content works. */
(function () {
  "use strict";
  var each = function (sel, fn) { Array.prototype.forEach.call(document.querySelectorAll(sel), fn); };

  function copy(button) {
    var box = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    var done = function () { if (status) { status.textContent = button.getAttribute("data-copied"); } };
    var fallback = function () { box.select(); document.execCommand("copy"); done(); };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(box.value).then(done, fallback); }
    else { fallback(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    each("[data-print]", function (b) { b.hidden = false; b.addEventListener("click", function () { window.print(); }); });
    each("[data-copy]", function (b) { b.hidden = false; b.addEventListener("click", function () { copy(b); }); });
    each(".no-js-hint", function (h) { h.hidden = true; });
    var opened = [];
    window.addEventListener("beforeprint", function () {
      each("details:not([open])", function (d) { d.open = true; opened.push(d); });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  });
}());
