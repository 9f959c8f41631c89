/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  var each = function (sel, fn, root) { Array.prototype.forEach.call((root || document).querySelectorAll(sel), fn); };

  /* Answers as the conditions read them: a number scale's options carry data-number. */
  function answersOf(form) {
    var a = {};
    each("input:checked", function (el) {
      if (el.type === "checkbox") { (a[el.name] = a[el.name] || []).push(el.value); }
      else { a[el.name] = el.closest("[data-number]") ? Number(el.value) : el.value; }
    }, form);
    each("input[type=number]", function (el) { if (el.value !== "") { a[el.name] = Number(el.value); } }, form);
    return a;
  }

  /* The declarative conditions of screener/catalogue/conditions.py. */
  function holds(c, a) {
    if (c.all) { return c.all.every(function (x) { return holds(x, a); }); }
    if (c.any) { return c.any.some(function (x) { return holds(x, a); }); }
    if (c.not) { return !holds(c.not, a); }
    var v = a[c.question], list = Array.isArray(v) ? v : [], num = typeof v === "number";
    var has = function (x) { return list.indexOf(x) !== -1; };
    if ("answered" in c) { return (v !== undefined) === c.answered; }
    if ("equals" in c) { return v === c.equals; }
    if ("one_of" in c) { return c.one_of.indexOf(v) !== -1; }
    if ("includes_any" in c) { return c.includes_any.some(has); }
    if ("includes_all" in c) { return c.includes_all.every(has); }
    if ("gt" in c) { return num && v > c.gt; }
    if ("gte" in c) { return num && v >= c.gte; }
    if ("lt" in c) { return num && v < c.lt; }
    if ("lte" in c) { return num && v <= c.lte; }
    return true;
  }

  /* A follow-up appears once the answer it depends on is given (data-after), so the page
     grows under the person's finger instead of shrinking when they choose "No". */
  function update(form) {
    var a = answersOf(form);
    each("[data-shown-when]", function (el) {
      var after = (el.getAttribute("data-after") || "").split(" ").filter(Boolean);
      var waiting = after.some(function (q) { return a[q] === undefined; });
      el.hidden = waiting || !holds(JSON.parse(el.getAttribute("data-shown-when")), a);
    }, form);
  }

  function exclusive(box) {
    if (box.type !== "checkbox" || !box.checked) { return; }
    each('input[name="' + box.name + '"]', function (other) {
      if (other !== box && (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive"))) {
        other.checked = false;
      }
    }, box.form);
  }

  /* Inside a clinic's iframe: tell the host page (static/embed.js) our height, and only
     the origins the clinic configured (SCREENER_EMBED_ORIGINS) may hear it. */
  function reportHeight() {
    var origins = (document.documentElement.getAttribute("data-embed-origins") || "").split(" ");
    if (window.parent === window || !origins[0]) { return; }
    var send = function () {
      var message = {type: "screener:height", height: document.documentElement.scrollHeight, page: location.pathname};
      origins.forEach(function (origin) { window.parent.postMessage(message, origin); });
    };
    send();
    if (window.ResizeObserver) { new ResizeObserver(send).observe(document.body); }
  }

  function counter(box) {
    var out = document.getElementById(box.getAttribute("data-count"));
    var show = function () { out.textContent = out.getAttribute("data-left").replace("%(left)s", String(box.maxLength - box.value.length)); };
    box.addEventListener("input", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    reportHeight();
    each("form", function (form) {
      form.addEventListener("change", function (e) { exclusive(e.target); update(form); });
      update(form);
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    each("textarea[data-count]", counter);
  });
}());
