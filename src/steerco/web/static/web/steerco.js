// Steerco's page behaviour. No inline scripts anywhere: the pages run under a strict CSP.
(function () {
  "use strict";

  // Charts: <div class="chart" data-spec-id="ID"> with <script type="application/json" id="ID">.
  // Vega's expression interpreter is used because the CSP forbids eval/new Function.
  function renderCharts(root) {
    if (typeof window.vegaEmbed !== "function") { return; }
    root.querySelectorAll(".chart[data-spec-id]").forEach(function (element) {
      if (element.dataset.rendered) { return; }
      var source = document.getElementById(element.dataset.specId);
      if (!source) { return; }
      element.dataset.rendered = "1";
      var options = { actions: false, renderer: "svg", ast: true };
      if (window.vega && window.vega.expressionInterpreter) {
        options.expr = window.vega.expressionInterpreter;
      }
      window.vegaEmbed(element, JSON.parse(source.textContent), options).catch(function (error) {
        element.textContent = "Chart could not be drawn: " + error;
      });
    });
  }

  // Confirm buttons: <button data-confirm="Really?">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) { event.preventDefault(); }
  });

  // Auto-submit filters: <form data-autosubmit> submits (through htmx) on change.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && window.htmx) { window.htmx.trigger(form, "submit"); }
  });

  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { renderCharts(event.target); });
})();
