/* Pouls — « Copier le lien » and « Partager… » under a report: progressive enhancement.
   The share links above them are plain <a> and work without this file. Each button stays
   hidden unless the browser has what it needs: the clipboard for « Copier le lien »,
   the system's share sheet (navigator.share) for « Partager… ». Nothing here talks to
   another site. */
(function () {
  "use strict";

  function setUp(block) {
    var url = block.getAttribute("data-share-url") || window.location.href;
    var title = block.getAttribute("data-share-title") || document.title;
    var status = block.querySelector(".share-status");
    var copy = block.querySelector(".share-copy");
    var share = block.querySelector(".share-native");

    function say(message) {
      if (status) { status.textContent = message; }
    }

    if (copy && navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(function () {
          say("Lien copié dans le presse-papiers.");
        }, function () {
          say("Copie impossible\u00a0: sélectionnez l’adresse dans la barre du navigateur.");
        });
      });
    }

    if (share && typeof navigator.share === "function") {
      share.hidden = false;
      share.addEventListener("click", function () {
        say("");
        navigator.share({ title: title, url: url }).catch(function () {
          /* The reader closed the share sheet: nothing to say. */
        });
      });
    }
  }

  var blocks = document.querySelectorAll(".share-actions");
  for (var i = 0; i < blocks.length; i += 1) { setUp(blocks[i]); }
}());
