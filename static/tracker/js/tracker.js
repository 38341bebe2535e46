/* Progressive enhancement only: every page works without this file. No inline scripts. */
(function () {
  "use strict";

  // Leave empty filters out of the list's URL, so a shared link says only what was chosen.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") {
      return;
    }
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (name) {
      if (params[name] === "") {
        delete params[name];
      }
    });
  });

  // After an htmx form post swaps the page in, move focus where the user needs it: the first
  // field with an error, else the message saying what happened.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail && event.detail.requestConfig;
    if (!config || config.verb !== "post") {
      return;
    }
    var target = document.querySelector("#page .is-invalid") ||
      document.querySelector("#messages .alert");
    if (target) {
      target.focus();
    }
  });

  // A refused form's page opens on its summary of what is wrong (the error summary).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  });

  // Print every collapsed narrative (a board pack needs the findings), then restore.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (details) {
      details.setAttribute("data-opened-for-print", "");
      details.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-opened-for-print]").forEach(function (details) {
      details.removeAttribute("data-opened-for-print");
      details.open = false;
    });
  });
})();
