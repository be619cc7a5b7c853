// The dashboard's only script, served as /assets/dashboard.js: progressive enhancement, every page
// works without it. It asks before buttons that say so (data-confirm), and refreshes a page's live
// region (data-refresh="<seconds>") by fetching the same URL's fragment, while the tab is visible.
export const SCRIPT = /* js */ `
'use strict';
(function () {
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  function startRefresh(region) {
    var seconds = Math.max(2, Number(region.getAttribute('data-refresh')) || 5);
    var busy = false;
    setInterval(function () {
      if (busy || document.hidden) return;
      // Never pull the page from under the keyboard: wait while focus is inside the region.
      var active = document.activeElement;
      if (active && active !== document.body && region.contains(active)) return;
      busy = true;
      fetch(location.href, { headers: { 'x-leadrelay-fragment': region.id }, credentials: 'same-origin', cache: 'no-store' })
        .then(function (res) {
          // The session ended (logout elsewhere, expiry): a reload shows the login page.
          if (res.status === 401) { location.reload(); return null; }
          return res.ok ? res.text() : null;
        })
        .then(function (html) {
          if (html === null) return;
          var next = new DOMParser().parseFromString(html, 'text/html').getElementById(region.id);
          if (!next) return;
          next = document.importNode(next, true);
          region.replaceWith(next);
          region = next;
        })
        .catch(function () { /* the next tick tries again */ })
        .then(function () { busy = false; });
    }, seconds * 1000);
  }

  var regions = document.querySelectorAll('[data-refresh][id]');
  for (var i = 0; i < regions.length; i++) startRefresh(regions[i]);
})();
`;
