// The admin page's job progress: polls /admin/jobs/{id} and moves the bar; once the job has
// finished, reloads the page to show its result and the new document list. Without this
// script the page refreshes itself (a meta refresh inside <noscript>).
(function () {
  "use strict";

  function show(job) {
    var phase = document.getElementById("job-phase");
    var count = document.getElementById("job-count");
    var bar = document.getElementById("job-bar");
    if (phase) { phase.textContent = job.phase_label; }
    var eta = document.getElementById("job-eta");
    if (count) { count.textContent = job.total ? job.done + "/" + job.total : ""; }
    if (eta) { eta.textContent = job.eta ? "(còn khoảng " + job.eta + ")" : ""; }
    if (bar) {
      bar.max = job.total || 1;
      bar.value = job.total ? job.done : 0;
      bar.textContent = job.done + "/" + job.total;
    }
  }

  function poll(id) {
    fetch("/admin/jobs/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        show(job);
        if (job.running) {
          window.setTimeout(function () { poll(id); }, 500);
        } else {
          window.location.replace("/admin?job=" + encodeURIComponent(id));
        }
      })
      .catch(function () { window.setTimeout(function () { poll(id); }, 2000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("job");
    if (box && box.getAttribute("data-job")) { poll(box.getAttribute("data-job")); }
  });
})();
