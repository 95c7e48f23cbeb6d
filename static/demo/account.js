/* The demo shop's sign-in, told to the widget: after a sign-in the page carries
 * <script type="application/json" data-demo-identify>{"customer_id", "traits"}</script>, and this calls
 * Assistant('identify', customerId, traits) as a shop's own code would (queued when widget.js, loaded async,
 * is not there yet). A file, not an inline script: the shop's CSP allows scripts from 'self' only. */
(function (window, document) {
  'use strict';
  try {
    var node = document.querySelector('script[data-demo-identify]');
    var who = node && JSON.parse(node.textContent);
    if (!who || !who.customer_id) return;
    var assistant = window.Assistant;
    if (typeof assistant !== 'function') {
      assistant = window.Assistant = function () { (assistant.q = assistant.q || []).push(arguments); };
    }
    assistant('identify', who.customer_id, who.traits || {});
  } catch (e) { /* the shop page never breaks over its tracking */ }
})(window, document);
