/* The nurse record as it is typed (intake result, staff call page): the nurse, outcome
   and note go in, in the server's wording (exports/nurse.py RecordParts.text); an outcome
   valued data-no-outcome is none. Without it, the form's post puts them in. */
(function () {
  "use strict";
  function liveRecord(box) {
    var field = function (name) { return document.querySelector("[data-record=" + name + "]"); };
    var nurse = field("nurse"), outcome = field("outcome"), note = field("note");
    if (!outcome || !note) { return; }
    var fill = function (template, key, value) { return template.split("{" + key + "}").join(value); };
    var update = function () {
      var none = box.getAttribute("data-no-outcome");
      var chosen = outcome.value && outcome.value !== none ? outcome.options[outcome.selectedIndex].text : "";
      var lines = [fill(box.getAttribute("data-first"), "nurse", (nurse && nurse.value.trim()) || "-"),
                   box.getAttribute("data-body"),
                   fill(box.getAttribute("data-outcome"), "outcome", chosen || "-")];
      if (note.value.trim()) { lines.push(fill(box.getAttribute("data-note"), "note", note.value.trim())); }
      lines.push(box.getAttribute("data-last"));
      box.value = lines.join("\n") + "\n";
    };
    [nurse, outcome, note].filter(Boolean).forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-record]"), liveRecord);
  });
}());
