// A "Kopieer" button next to text people copy into another program (the personal calendar
// address). Progressive enhancement: the button is hidden in the page and shown here; without
// JavaScript the address stays selectable in its read-only field. A file of its own, no
// inline script: the Content-Security-Policy allows scripts from our own origin only.
(function () {
  "use strict";

  function say(button, text) {
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (status) {
      status.textContent = text;
    }
  }

  function copyBySelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function enhance(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var copied = function () {
        say(button, "Gekopieerd.");
      };
      var failed = function () {
        say(
          button,
          copyBySelection(field)
            ? "Gekopieerd."
            : "Kopiëren lukte niet: het adres is geselecteerd, kopieer het zelf."
        );
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, failed);
      } else {
        failed();
      }
    });
  }

  var buttons = document.querySelectorAll("[data-copy-target]");
  for (var i = 0; i < buttons.length; i += 1) {
    enhance(buttons[i]);
  }
})();
