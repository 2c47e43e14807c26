// mispa web: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // "/" focuses the search box (unless the user is typing in a field).
  document.addEventListener("keydown", function (event) {
    var q = document.getElementById("q");
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.key === "/" && q && tag !== "input" && tag !== "textarea" && tag !== "select") {
      event.preventDefault();
      q.focus();
      q.select();
    }
  });

  // Changing sort or page size re-runs the search at once.
  ["sort", "limit"].forEach(function (id) {
    var select = document.getElementById(id);
    if (select && select.form) {
      select.addEventListener("change", function () { select.form.submit(); });
    }
  });

  // Review queue: one checkbox selects every row.
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('#bulk-form input[name="id"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  // Upload: say at once when the files are over the size limit; drag and drop onto the box.
  var form = document.getElementById("upload-form");
  if (form) {
    var input = document.getElementById("files");
    var warning = document.getElementById("size-warning");
    var zone = document.getElementById("dropzone");
    var check = function () {
      var total = 0;
      Array.prototype.forEach.call(input.files || [], function (f) { total += f.size; });
      var over = total > Number(form.dataset.maxBytes || 0);
      warning.hidden = !over;
      warning.textContent = over ? form.dataset.tooLarge : "";
      return !over;
    };
    input.addEventListener("change", check);
    form.addEventListener("submit", function (event) { if (!check()) { event.preventDefault(); } });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        check();
      }
    });
  }

  // Upload status: reload every few seconds while the job runs.
  var job = document.getElementById("job");
  if (job && job.dataset.refresh) {
    setTimeout(function () { window.location.reload(); }, Number(job.dataset.refresh) * 1000);
  }
})();
