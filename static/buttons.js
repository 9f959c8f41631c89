/* Print and copy buttons (print view, intake result); hidden until this script runs. And
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

  /* The intake record: the nurse's name, the outcome and the note go into the summary as
     they are typed, in the server's own wording (exports/nurse.py RecordParts.text). */
  function liveRecord(box) {
    var field = function (name) { return document.querySelector("[data-record=" + name + "]"); };
    var nurse = field("nurse"), outcome = field("outcome"), note = field("note");
    if (!nurse || !outcome || !note) { return; }
    var fill = function (template, key, value) { return template.split("{" + key + "}").join(value); };
    var update = function () {
      var chosen = outcome.value ? outcome.options[outcome.selectedIndex].text : "";
      var lines = [fill(box.getAttribute("data-first"), "nurse", nurse.value.trim() || "-"),
                   box.getAttribute("data-body"),
                   fill(box.getAttribute("data-outcome"), "outcome", chosen || "-")];
      if (note.value.trim()) { lines.push(fill(box.getAttribute("data-note"), "note", note.value.trim())); }
      lines.push(box.getAttribute("data-last"));
      box.value = lines.join("\n") + "\n";
    };
    [nurse, outcome, note].forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    each("[data-live-record]", liveRecord);
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
