/* The campaign editor, live: the preview follows the messages and the sample visitor as the
 * marketer types, and "who would see this now" is counted after the page has loaded and again
 * when the conditions change. Without this script the Preview and Count buttons do the same. */
(function (window, document) {
  'use strict';

  var form = document.querySelector('form[data-preview-url]');
  var audience = document.getElementById('audience');
  if (!form || !window.fetch || !window.FormData || !window.DOMParser) return;

  /* POST the form to `url` and put the answer (an HTML fragment) into `target`, newest answer wins. */
  function refresher(url, target) {
    var timer = null;
    var latest = 0;
    function run() {
      var mine = ++latest;
      target.setAttribute('aria-busy', 'true');
      fetch(url, { method: 'POST', body: new FormData(form), credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) throw new Error('answered ' + response.status);
          return response.text();
        })
        .then(function (html) {
          if (mine !== latest) return;
          var parsed = new DOMParser().parseFromString(html, 'text/html');
          target.replaceChildren.apply(target, Array.prototype.slice.call(parsed.body.childNodes));
        })
        .catch(function () { /* keep what is shown; the buttons still work */ })
        .then(function () { if (mine === latest) target.removeAttribute('aria-busy'); });
    }
    return function (delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, delay);
    };
  }

  var preview = refresher(form.getAttribute('data-preview-url'), document.getElementById('preview'));
  var result = document.getElementById('audience-result');
  var count = audience && result ? refresher(audience.getAttribute('data-audience-url'), result) : null;

  form.addEventListener('input', function (event) {
    var name = event.target && event.target.name;
    if (!name) return;
    if (/^(sample\.|variants\[\d+\]\.|conditions$)/.test(name)) preview(350);
    if (name === 'conditions' && count) count(800);
  });
  if (count && result.hasAttribute('data-pending')) {
    result.textContent = 'Counting…';
    count(0);
  }
})(window, document);
