/* The code page right after a code was used (at setup, or a sign-in): counts down to the
   next code on the phone and says when it shows. Without script the page says the
   seconds once; the code box works throughout. */
(function () {
  "use strict";
  var note = document.getElementById("code-wait");
  if (!note) { return; }
  var left = parseInt(note.getAttribute("data-seconds"), 10);
  var counter = note.querySelector(".seconds-left");
  var waiting = note.querySelector(".code-waiting");
  var ready = note.querySelector(".code-ready");
  var timer = window.setInterval(function () {
    left -= 1;
    if (left > 0) {
      counter.textContent = String(left);
      return;
    }
    window.clearInterval(timer);
    waiting.hidden = true;
    ready.hidden = false;
  }, 1000);
}());
