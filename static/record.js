/* The intake record (intake result page only, so the patient pages stay small): the
   nurse's name, the outcome and the note go into the summary as they are typed, in the
   server's own wording (exports/nurse.py RecordParts.text). Without it, "Add to the
   summary" posts them. */
(function () {
  "use strict";
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
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-record]"), liveRecord);
  });
}());
