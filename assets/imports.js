// The import page: uploads the chosen file to the API with a progress bar and shows the report.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) { return; }
  var texts = document.getElementById("import-texts").dataset;
  var bar = document.getElementById("import-bar");
  var stage = document.getElementById("import-stage");
  var box = document.getElementById("import-progress");
  var result = document.getElementById("import-result");

  function cell(row, text, tag) {
    var td = document.createElement(tag || "td");
    td.textContent = text;
    row.appendChild(td);
  }

  function show(report) {
    result.innerHTML = "";
    var p = document.createElement("p");
    p.className = report.ok ? "notice" : "error";
    p.setAttribute("role", report.ok ? "status" : "alert");
    p.id = "import-summary";
    p.textContent = report.summary;
    result.appendChild(p);
    if (report.errors && report.errors.length) {
      var table = document.createElement("table");
      table.className = "grid";
      table.id = "import-errors";
      var head = document.createElement("tr");
      [texts.sheet, texts.line, texts.column, texts.value, texts.reason].forEach(function (h) { cell(head, h, "th"); });
      table.appendChild(head);
      report.errors.forEach(function (e) {
        var tr = document.createElement("tr");
        [e.sheet, String(e.line), e.column, e.value, e.message].forEach(function (v) { cell(tr, v); });
        table.appendChild(tr);
      });
      result.appendChild(table);
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = document.getElementById("import-file").files[0];
    if (!file) { return; }
    var format = /\.csv$/i.test(file.name) ? "csv" : "xlsx";
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/imports/" + encodeURIComponent(form.dataset.kind) + "?format=" + format);
    xhr.setRequestHeader("x-csrf-token", document.querySelector('meta[name="csrf-token"]').content);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    box.hidden = false;
    bar.value = 0;
    stage.textContent = texts.uploading;
    result.innerHTML = "";
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 90); }
    };
    xhr.upload.onload = function () { bar.value = 90; stage.textContent = texts.checking; };
    xhr.onload = function () {
      bar.value = 100;
      box.hidden = true;
      var body;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (body && body.summary !== undefined) {
        show(body);
      } else {
        show({ ok: false, summary: (body && body.error && body.error.message) || texts.failed, errors: [] });
      }
    };
    xhr.onerror = function () { box.hidden = true; show({ ok: false, summary: texts.failed, errors: [] }); };
    xhr.send(file);
  });
})();
