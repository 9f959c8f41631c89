/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  function answersOf(form) {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !el.checked) { return; }
      if (el.type === "checkbox") { (answers[el.name] = answers[el.name] || []).push(el.value); }
      else { answers[el.name] = /^\d+$/.test(el.value) && el.name === "pain_score" ? Number(el.value) : el.value; }
    });
    return answers;
  }

  /* The same declarative conditions the server uses (screener/conditions.py). */
  function holds(cond, a) {
    if (cond.all) { return cond.all.every(function (c) { return holds(c, a); }); }
    if (cond.any) { return cond.any.some(function (c) { return holds(c, a); }); }
    if (cond.not) { return !holds(cond.not, a); }
    var v = a[cond.question], list = Array.isArray(v) ? v : [];
    if ("answered" in cond) { return (v !== undefined) === cond.answered; }
    if ("equals" in cond) { return v === cond.equals; }
    if ("one_of" in cond) { return cond.one_of.indexOf(v) !== -1; }
    if ("includes_any" in cond) { return cond.includes_any.some(function (x) { return list.indexOf(x) !== -1; }); }
    if ("includes_all" in cond) { return cond.includes_all.every(function (x) { return list.indexOf(x) !== -1; }); }
    if (typeof v !== "number") { return false; }
    if ("gt" in cond) { return v > cond.gt; }
    if ("gte" in cond) { return v >= cond.gte; }
    if ("lt" in cond) { return v < cond.lt; }
    if ("lte" in cond) { return v <= cond.lte; }
    return true;
  }

  function updateVisibility(form) {
    var answers = answersOf(form);
    form.querySelectorAll("[data-shown-when]").forEach(function (block) {
      var cond = JSON.parse(block.getAttribute("data-shown-when"));
      block.hidden = !holds(cond, answers);
    });
  }

  function keepExclusive(event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked) { return; }
    var group = box.form.querySelectorAll('input[type="checkbox"][name="' + box.name + '"]');
    group.forEach(function (other) {
      if (other === box) { return; }
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) { other.checked = false; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-shown-when]") && !form.querySelector("[data-exclusive]")) { return; }
      form.addEventListener("change", function (event) { keepExclusive(event); updateVisibility(form); });
      updateVisibility(form);
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var box = document.getElementById(button.getAttribute("data-copy"));
      var status = button.parentNode.querySelector(".copy-status");
      button.hidden = false;
      button.addEventListener("click", function () {
        function done() { if (status) { status.textContent = "Copied."; } }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(box.value).then(done, function () { box.select(); document.execCommand("copy"); done(); });
        } else { box.select(); document.execCommand("copy"); done(); }
      });
    });
    document.querySelectorAll(".no-js-hint").forEach(function (hint) { hint.hidden = true; });
  });
}());
