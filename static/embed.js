/* For the clinic's own page: sizes each <iframe data-screener> to the screener's height.
   Only messages from the iframe's own origin and window are believed. */
(function () {
  "use strict";
  function follow(frame) {
    var origin = new URL(frame.src, location.href).origin, lastPage = null;
    frame.setAttribute("scrolling", "no");
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
      if (!data || data.type !== "screener:height" || typeof data.height !== "number") { return; }
      frame.style.height = Math.max(200, Math.ceil(data.height)) + "px";
      if (lastPage !== null && data.page !== lastPage && frame.getBoundingClientRect().top < 0) {
        frame.scrollIntoView();
      }
      lastPage = data.page;
    });
  }
  function start() { Array.prototype.forEach.call(document.querySelectorAll("iframe[data-screener]"), follow); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
