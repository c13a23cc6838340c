// gaodi's own small behaviours; everything works without it (forms submit normally).
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f && f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });
  // htmx requests carry the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      e.detail.headers["x-csrf-token"] = meta.getAttribute("content");
    }
  });
})();
