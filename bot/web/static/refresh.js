// Bình Yên console (MIT, see LICENSE): parts of a page that change elsewhere refresh themselves
// (a tip's history, so an answer the reporter gives in the chat appears without reloading; an
// announcement's progress). Each is an element with data-refresh="<its URL>". The page works
// without this script: reloading shows the same.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var boxes = document.querySelectorAll("[data-refresh]");
  function refresh(box) {
    fetch(box.getAttribute("data-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null && html !== box.innerHTML) { box.innerHTML = html; } })
      .catch(function () {});
  }
  if (boxes.length) {
    setInterval(function () { Array.prototype.forEach.call(boxes, refresh); }, 3000);
  }
})();
