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

  // An htmx request that failed swaps nothing in (base.html's htmx-config): a 503 while the
  // database is down, a 500, no network. Say so above the form, from one of base.html's
  // <template>s (role="alert"); the form keeps what was typed. After a save, focus moves to
  // the message, as it does to the page's other messages; a filter's change leaves focus on
  // the control. The message goes when that form's next request succeeds (a swap of #page
  // takes it too).
  function isLoad(detail) {
    return Boolean(detail.requestConfig && detail.requestConfig.verb === "get");
  }

  function failedRequestMessage(detail, cause) {
    if (isLoad(detail)) {
      return "request-failed-load";
    }
    if (cause === "network") {
      return "request-failed-network";
    }
    return detail.xhr && detail.xhr.status === 503 ?
      "request-failed-unavailable" : "request-failed-error";
  }

  function failedRequestAnchor(elt) {
    return (elt && elt.closest && elt.closest("form")) || elt;
  }

  function clearFailedRequest(anchor) {
    var previous = anchor && anchor.previousElementSibling;
    if (previous && previous.classList.contains("request-failed")) {
      previous.remove();
    }
  }

  function showFailedRequest(event, cause) {
    var detail = event.detail || {};
    var anchor = failedRequestAnchor(detail.elt || event.target);
    var template = document.getElementById(failedRequestMessage(detail, cause));
    if (!anchor || !anchor.parentNode || !template) {
      return;
    }
    clearFailedRequest(anchor);
    var message = template.content.firstElementChild.cloneNode(true);
    anchor.parentNode.insertBefore(message, anchor);
    if (!isLoad(detail)) {
      message.focus();
    }
  }

  document.addEventListener("htmx:responseError", function (event) {
    showFailedRequest(event, "response");
  });
  document.addEventListener("htmx:sendError", function (event) {
    showFailedRequest(event, "network");
  });
  document.addEventListener("htmx:timeout", function (event) {
    showFailedRequest(event, "network");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful === true) {
      clearFailedRequest(failedRequestAnchor(event.detail.elt || event.target));
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
