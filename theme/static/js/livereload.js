/* Live reload for `make serve` (desk/serve.py): reload this page when the preview build rewrote it,
   show the build's errors when it failed. Loaded only by preview builds (partials/livereload.html). */
(function () {
  "use strict";
  var page = location.pathname;
  var file = page.replace(/^\//, "");
  if (file === "" || file.slice(-1) === "/") { file += "index.html"; }
  var events = new EventSource("/_desk/events?page=" + encodeURIComponent(page));
  events.addEventListener("reload", function (event) {
    var data = JSON.parse(event.data);
    var rewritten = data.pages ? data.pages.indexOf(file) !== -1 : data.skip.indexOf(file) === -1;
    if (rewritten) { location.reload(); }
  });
  events.addEventListener("failed", function (event) {
    var box = document.getElementById("desk-build-failed") || document.createElement("div");
    box.id = "desk-build-failed";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;bottom:0;left:0;right:0;max-height:40vh;overflow:auto;background:#fff;color:#8b0000;border-top:4px solid #8b0000;padding:1rem;font:14px/1.4 monospace;white-space:pre-wrap;z-index:1000";
    box.textContent = "La construction de l’aperçu a échoué\u00a0; la page montre la version précédente.\n\n" + JSON.parse(event.data).messages.join("\n");
    document.body.appendChild(box);
  });
}());
