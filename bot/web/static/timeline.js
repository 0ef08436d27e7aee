// Bình Yên console (MIT, see LICENSE): the tip's history refreshes itself, so an answer the
// reporter gives in the chat appears without reloading. The page works without it.
(function () {
  "use strict";
  var box = document.getElementById("timeline");
  if (!box || !window.fetch) { return; }
  var source = box.getAttribute("data-src");
  function refresh() {
    fetch(source, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null && html !== box.innerHTML) { box.innerHTML = html; } })
      .catch(function () {});
  }
  setInterval(refresh, 3000);
})();
