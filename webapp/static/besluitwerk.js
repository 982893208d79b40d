// Moves focus to a form's error summary when a page comes back with errors, so that a
// screen-reader user hears what went wrong and a keyboard user can jump to each field from its
// link (NL Design System, "foutmelding bij formulieren"). A file of its own: the
// Content-Security-Policy allows no inline script.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-bw-error-summary]");
  if (summary) {
    summary.focus();
  }
});
