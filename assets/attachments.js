// Application attachments: each file field's form uploads the chosen file to the API (the
// request body, with the file's name in the query) and reloads the page, or shows the reason
// the server gave (size, type, state of the application).
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]').content;
  document.querySelectorAll("form.attachment-form").forEach(function (form) {
    var error = form.querySelector(".error");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var file = form.querySelector('input[type="file"]').files[0];
      if (!file) { return; }
      error.hidden = true;
      fetch(form.dataset.upload + "?name=" + encodeURIComponent(file.name), {
        method: "POST",
        headers: { "x-csrf-token": token, "content-type": "application/octet-stream" },
        body: file,
        credentials: "same-origin",
      }).then(function (res) {
        if (res.ok) { window.location.reload(); return null; }
        return res.json().then(function (body) {
          error.textContent = (body && body.error && body.error.message) || form.dataset.failed;
          error.hidden = false;
        }, function () {
          error.textContent = form.dataset.failed + " (" + res.status + ")";
          error.hidden = false;
        });
      }, function () {
        error.textContent = form.dataset.failed;
        error.hidden = false;
      });
    });
  });
})();
