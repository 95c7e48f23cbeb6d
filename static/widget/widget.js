/*! Assistant widget: <script async src=".../static/widget/widget.js" data-site="KEY"></script>
 * Optional: data-api="https://assistant.example" (default: this script's origin), data-debug, data-consent,
 * data-respect-dnt, data-recs (recommendation strips), data-promos (promotions; README for both). One global,
 * window.Assistant: Assistant('open', flowId), Assistant('close'), tracking (README: Tracking); calls queued
 * in Assistant.q before this file loaded are replayed. This core tracks and shows the launchers; the quiz (quiz.js),
 * strips (recs.js) and promotions (promos.js) load when needed. Theming: README (--assistant-* properties). */
(function (window, document) {
  'use strict';

  /* config ---------------------------------------------------------------- */

  var script = document.currentScript || document.querySelector('script[data-site][src*="widget.js"]');
  var previous = window.Assistant;
  if (!script || (previous && previous.version)) return; // no tag to read, or already running
  var site = script.getAttribute('data-site');
  var debug = script.hasAttribute('data-debug');
  var TIMEOUT_MS = 4000;
  var src = new URL(script.src, location.href);
  var api = (script.getAttribute('data-api') || src.origin).replace(/\/+$/, '') + '/api/v1';
  var cssUrl = new URL('widget.css', src).href;
  var queue = (previous && previous.q) || [];
  var ready = false;
  var openers = {};
  var memory = {};
  var shopCart = null; // Assistant.setCart's, else the page's [data-assistant-cart]
  var loading = {};
  var exited = false;
  var touch = false;
  var deep = 0; // when the page was last scrolled far down

  /* helpers --------------------------------------------------------------- */

  function log() {
    if (debug && window.console) console.warn.apply(console, ['[assistant]'].concat([].slice.call(arguments)));
  }

  /** Run fn, swallowing any error: the widget must never throw into the shop's page. */
  function guard(fn) {
    return function () {
      try {
        return fn.apply(this, arguments);
      } catch (err) {
        log(err);
      }
    };
  }

  /** Create an element; `text` becomes textContent, `on*` become listeners, the rest attributes. */
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) continue;
      if (name === 'text') node.textContent = value;
      else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), guard(value));
      else node.setAttribute(name, value === true ? '' : value);
    }
    (kids || []).forEach(function (kid) {
      if (kid) node.appendChild(kid);
    });
    return node;
  }

  var SPARK = 'M11 2.5l1.9 5.6 5.6 1.9-5.6 1.9L11 17.5l-1.9-5.6-5.6-1.9 5.6-1.9zM18.5 14l.9 2.6 2.6.9-2.6.9-.9 2.6-.9-2.6-2.6-.9 2.6-.9z';

  /** A 24x24 SVG icon of one path (`d`), hidden from screen readers. */
  function icon(d) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'ico');
    svg.appendChild(document.createElementNS(ns, 'path')).setAttribute('d', d);
    return svg;
  }

  function read(area, key) {
    try {
      var value = window[area].getItem(key);
      if (value !== null) return value;
    } catch (err) {
      /* storage blocked (SecurityError in some privacy modes): fall back to memory */
    }
    return memory[area + key] || null;
  }

  function write(area, key, value) {
    memory[area + key] = value;
    try {
      window[area].setItem(key, value);
    } catch (err) {
      /* quota or blocked storage: the in-memory copy will do */
    }
  }

  /** A persistent anonymous visitor id. */
  function visitorId() {
    var id = read('localStorage', 'assistant:visitor');
    if (!id) {
      id = window.crypto && crypto.randomUUID ? crypto.randomUUID()
        : 'v' + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
      write('localStorage', 'assistant:visitor', id);
    }
    return id;
  }

  function money(amount, currency) {
    try {
      var lang = document.documentElement.lang || undefined;
      return new Intl.NumberFormat(lang, { style: 'currency', currency: currency }).format(amount);
    } catch (err) {
      return amount + ' ' + currency;
    }
  }

  /** An http(s) URL, or null: catalog data never becomes a javascript: link. */
  function safeUrl(url) {
    try {
      var parsed = new URL(url, location.href);
      return /^https?:$/.test(parsed.protocol) ? parsed.href : null;
    } catch (err) {
      return null;
    }
  }

  function focusables(root) {
    return [].filter.call(root.querySelectorAll('a[href],button,input,[tabindex]'), function (node) {
      return !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0;
    });
  }

  /* api ------------------------------------------------------------------- */

  /** Call the API; rejects on error, HTTP 4xx/5xx (err.res, err.json) or after TIMEOUT_MS (and aborts). */
  function call(method, path, body, keepalive) {
    return new Promise(function (resolve, reject) {
      var ctrl = window.AbortController ? new AbortController() : null;
      var timer = setTimeout(function () {
        if (ctrl) ctrl.abort();
        reject(new Error('timeout'));
      }, TIMEOUT_MS);
      var url = api + path + (path.indexOf('?') < 0 ? '?' : '&') + 'site=' + encodeURIComponent(site);
      // A string body goes out as text/plain: a "simple" request, so no CORS preflight.
      var init = { method: method, credentials: 'omit', signal: ctrl ? ctrl.signal : undefined };
      if (body !== undefined) init.body = JSON.stringify(body);
      if (keepalive) init.keepalive = init.body.length < 6e4; // may outlive the page (64 KB cap)
      fetch(url, init)
        .then(function (res) {
          return res.json().then(function (json) {
            var message = (json.error && json.error.message) || 'HTTP ' + res.status;
            if (!res.ok) throw Object.assign(new Error(message), { res: res, json: json });
            return json;
          });
        })
        .then(resolve, reject)
        .then(function () {
          clearTimeout(timer);
        });
    });
  }

  /* tracking -------------------------------------------------------------- */

  var nav = window.navigator;
  var EVENTS_KEY = 'assistant:events:' + site;
  var CONSENT_KEY = 'assistant:consent';
  var EVENTS_URL = api + '/events?site=' + encodeURIComponent(site);
  var BATCH = 50;
  var KNOWN = /^(page_view|product_view|search|quiz_\w+|(rec|promo)_\w+|(add_to|remove_from)_cart|cart|purchase|identify)$/;
  var dnt = /^(true)?$/.test(script.getAttribute('data-respect-dnt')) &&
    (nav.doNotTrack === '1' || nav.globalPrivacyControl === true);
  var pending = []; // localStorage keeps the queue across pages
  var beaconed = {};
  var sending = null;
  var failures = 0;
  var retryAt = 0;
  var started = false;
  var collected = false;

  function allowed() {
    var given = read('localStorage', CONSENT_KEY);
    return !!site && !dnt && (given === '1' || (given !== '0' && script.getAttribute('data-consent') !== 'required'));
  }

  function json(text) {
    try {
      return JSON.parse(text);
    } catch (err) {
      log(err);
    }
  }

  function stored() {
    var list = json(read('localStorage', EVENTS_KEY));
    return Array.isArray(list) ? list : [];
  }

  function keep(events) {
    write('localStorage', EVENTS_KEY, JSON.stringify(events.slice(-500)));
  }

  function pageJson(selector) {
    var node = document.querySelector(selector);
    return node && json(node.textContent);
  }

  function amount(value) {
    value = parseFloat(value);
    return value >= 0 && value <= 1e7 ? value : undefined;
  }

  /** A product or line; what does not fit the server's shape is left out. */
  function line(sku, price, quantity, currency) {
    quantity = parseInt(quantity, 10);
    return { sku: String(sku).slice(0, 128), price: amount(price), quantity: quantity > 0 ? Math.min(quantity, 1e4) : undefined,
      currency: /^[A-Z]{3}$/.test(currency) ? currency : undefined };
  }

  function basket(data) {
    var total = line(0, data.value, 0, data.currency);
    var items = [].concat(data.items || []).filter(function (l) { return l && l.sku; }).slice(0, 200);
    return { value: total.price, currency: total.currency,
      items: items.map(function (l) { return line(l.sku, l.price, l.quantity || 1); }) };
  }

  /** Queue an event, in memory and in localStorage. */
  var record = guard(function (type, data) {
    if (!allowed()) return;
    var event = JSON.parse(JSON.stringify(data)); // cyclic data throws here, not at every send
    event.id = Date.now().toString(36) + Math.random().toString(36).slice(2, 14);
    event.ts = Date.now();
    event.type = type;
    event.page = String(event.page || location.pathname + location.search).slice(0, 2000);
    pending = pending.concat([event]).slice(-500);
    keep(stored().concat([event]));
    if (pending.length >= 20) send();
  });

  function drop(batch) {
    var ids = batch.map(function (e) { return e.id; });
    var left = function (e) { return ids.indexOf(e.id) < 0; };
    pending = pending.filter(left);
    keep(stored().filter(left));
    failures = retryAt = 0;
    return true;
  }

  /** Retry-After (seconds or a date), else 2 s doubling to 60 s, with jitter. */
  function later(header) {
    var wait = header ? Number(header) * 1000 || Date.parse(header) - Date.now() : 0;
    retryAt = Date.now() + (wait > 0 ? Math.min(wait, 36e5)
      : Math.min(6e4, 2000 * Math.pow(2, failures++) * (1 + Math.random() / 2)));
  }

  function send(force) {
    if (sending || !pending.length || (!force && Date.now() < retryAt)) return sending || Promise.resolve();
    var batch = pending.slice(0, BATCH);
    sending = call('POST', '/events', { visitor: visitorId(), events: batch }, true).then(function () {
      return drop(batch); // stored, duplicate and rejected are all final answers
    }, function (err) {
      var res = err.res || {};
      if (res.status === 400 && Array.isArray(err.json.rejected)) return drop(batch);
      log(err);
      later(res.status === 429 && res.headers.get('Retry-After'));
    }).then(guard(function (done) {
      sending = null;
      if (done) send();
    }));
    return sending;
  }

  /** Beacon what is new; it stays stored until a later page has it acknowledged. */
  function leave() {
    var fresh = pending.filter(function (e) { return !beaconed[e.id]; });
    for (var i = 0; i < fresh.length; i += BATCH) {
      var batch = fresh.slice(i, i + BATCH);
      var body = JSON.stringify({ visitor: visitorId(), events: batch });
      batch.forEach(function (e) { beaconed[e.id] = 1; });
      if (!(nav.sendBeacon && nav.sendBeacon(EVENTS_URL, new Blob([body], { type: 'text/plain' })))) {
        fetch(EVENTS_URL, { method: 'POST', body: body, keepalive: true, credentials: 'omit' }).catch(log);
      }
    }
  }

  /** The page's products: schema.org Product JSON-LD and [data-assistant-product] elements. */
  function pageProducts() {
    var seen = {};
    var found = [];
    function add(sku, price, currency) {
      if (sku && !seen[sku]) found.push(seen[sku] = line(sku, price, 0, currency));
    }
    function walk(data) {
      if (!data || typeof data !== 'object') return;
      if (Array.isArray(data)) return data.forEach(walk);
      walk(data['@graph']);
      var offer = [].concat(data.offers)[0] || {};
      if ([].concat(data['@type']).indexOf('Product') >= 0) add(data.sku, offer.price || offer.lowPrice, offer.priceCurrency);
    }
    [].forEach.call(document.querySelectorAll('script[type="application/ld+json"]'), function (node) {
      walk(json(node.textContent));
    });
    [].forEach.call(document.querySelectorAll('[data-assistant-product]'), function (node) {
      var data = node.dataset;
      add(data.sku || data.assistantProduct, data.price, data.currency);
    });
    return found;
  }

  /** What a page tells without code from the shop. */
  function collect() {
    started = true;
    if (collected || !allowed()) return;
    collected = true;
    record('page_view', { referrer: document.referrer.slice(0, 2000), title: document.title.slice(0, 500) });
    pageProducts().forEach(function (p) { record('product_view', p); });
    var params = new URLSearchParams(location.search);
    var query = ['q', 'query', 'search', 's'].map(function (n) { return (params.get(n) || '').trim(); }).filter(Boolean)[0];
    if (query) record('search', { query: query.slice(0, 200) });
    var cart = pageJson('[data-assistant-cart]');
    if (cart) record('cart', basket(cart));
    var order = pageJson('[data-assistant-purchase]');
    if (order && order.order_id) {
      record('purchase', Object.assign(basket(order), { order_id: String(order.order_id).slice(0, 128) }));
    }
    send();
  }

  function cartForm(event) {
    var node = event.target.closest && event.target.closest('[data-assistant-add-to-cart],[data-assistant-remove-from-cart]');
    if (!node || (event.type === 'submit') !== (node.tagName === 'FORM')) return;
    var form = node.tagName === 'FORM' && new FormData(node);
    var field = function (name) { return node.dataset[name] || (form && form.get(name)); };
    if (field('sku')) {
      record(node.hasAttribute('data-assistant-add-to-cart') ? 'add_to_cart' : 'remove_from_cart',
        line(field('sku'), field('price'), field('quantity') || 1));
    }
  }

  var commands = {
    track: function (type, data) {
      data = data && typeof data === 'object' ? data : {};
      if (KNOWN.test(type)) record(type, data);
      else if (type && typeof type === 'string') record('custom', { name: type.slice(0, 64), props: data });
    },
    identify: function (customerId, traits) {
      if (customerId) record('identify', { customer_id: String(customerId).slice(0, 128), traits: traits });
    },
    setCart: function (items, totals) {
      totals = totals || {};
      if (!Array.isArray(items)) return;
      record('cart', basket(shopCart = { items: items, value: totals.value, currency: totals.currency }));
      if (started) lazy('promos', slots('data-promos'));
    },
    consent: function (yes) {
      write('localStorage', CONSENT_KEY, yes ? '1' : '0');
      if (!yes) keep(pending = []);
      else if (started) collect();
    },
    flush: function () {
      return send(true);
    }
  };

  /* render ---------------------------------------------------------------- */

  /** A shadow root on a new host element, shown only once its stylesheet (`href`, else widget.css) has loaded. */
  function mountHost(parent, href) {
    var host = el('div', { 'data-assistant': '' });
    host.style.setProperty('display', 'none', 'important');
    var root = host.attachShadow({ mode: 'open' });
    root.appendChild(el('link', {
      rel: 'stylesheet',
      href: href || cssUrl,
      onload: function () { host.style.removeProperty('display'); },
      onerror: function () { host.remove(); }
    }));
    parent.appendChild(host);
    return root;
  }

  /** Escape closes; Tab and Shift+Tab wrap around inside the dialog. */
  function trap(event, panel, close) {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
      return;
    }
    if (event.key !== 'Tab') return;
    var items = focusables(panel);
    var active = panel.getRootNode().activeElement;
    var first = items[0];
    var last = items[items.length - 1];
    if (!first) {
      event.preventDefault();
    } else if (event.shiftKey ? active === first || active === panel : active === last) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  }

  /** Floating launchers, one per "button" flow; pointing at one (or focusing it) already loads the quiz. */
  function mountDock(flows) {
    var dock = el('div', { class: 'dock' });
    mountHost(document.body).appendChild(dock);
    flows.forEach(function (flow) {
      var open = openers[flow.id] = function () { quiz(['open', flow, launcher]); };
      var launcher = el('button', {
        type: 'button',
        class: 'launcher',
        'aria-haspopup': 'dialog',
        'aria-expanded': 'false',
        onclick: open,
        onpointerenter: warm,
        onfocus: warm
      }, [icon(SPARK), el('span', { text: flow.label || flow.title })]);
      dock.appendChild(launcher);
    });
  }

  /** Run fn once node comes within 200 px of the viewport (at once without IntersectionObserver). */
  function near(node, fn) {
    if (!window.IntersectionObserver) return fn();
    var watcher = new IntersectionObserver(guard(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        watcher.disconnect();
        fn();
      }
    }), { rootMargin: '200px' });
    watcher.observe(node);
  }

  /** A flow shown in place, inside the shop's [data-assistant-flow="<id>"] element, once it comes near. */
  function mountInline(flow, target) {
    near(target, function () { quiz(['inline', flow, target]); });
    openers[flow.id] = function () { quiz(['open', flow, target]); };
  }

  /* start ----------------------------------------------------------------- */

  function setup(data) {
    var buttons = [];
    var targets = document.querySelectorAll('[data-assistant-flow]');
    data.flows.forEach(function (flow) {
      if (flow.trigger !== 'inline') return buttons.push(flow);
      [].forEach.call(targets, function (target) {
        if (target.getAttribute('data-assistant-flow') === flow.id && !target.querySelector('[data-assistant]')) {
          mountInline(flow, target);
        }
      });
    });
    if (buttons.length) mountDock(buttons);
  }

  function runCommand(args) {
    if (args[0] === 'open' && openers[args[1]]) openers[args[1]]();
    if (args[0] === 'close' && loading.quiz) quiz(['close']); // nothing is open before quiz.js
  }

  function replay() {
    ready = true;
    queue.splice(0).forEach(guard(runCommand));
  }

  /** The [placement, element] pairs of a "placement: selector; ..." attribute whose selector matches. */
  function slots(name) {
    var found = [];
    (script.getAttribute(name) || '').split(';').forEach(guard(function (pair) {
      var at = pair.indexOf(':');
      var node = at > 0 && document.querySelector(pair.slice(at + 1));
      if (node) found.push([pair.slice(0, at).trim(), node]);
    }));
    return found;
  }

  /** Load quiz.js, recs.js or promos.js once (after a failed load, again next time). */
  function load(name) {
    return (loading[name] = loading[name] || new Promise(function (resolve) {
      document.head.appendChild(el('script', { src: new URL(name + '.js', src).href, onload: resolve,
        onerror: function () { delete loading[name]; } }));
    }));
  }

  /** Load a module when something matched, then hand Assistant._quiz / _recs / _promos the matches (or jobs) and
   * the internals they need (they stay off the global). */
  function lazy(name, found) {
    if (!found.length) return;
    load(name).then(guard(function () {
      window.Assistant['_' + name](found, { call: call, record: record, leave: leave, el: el, guard: guard, log: log,
        money: money, safeUrl: safeUrl, mount: mountHost, trap: trap, focusables: focusables, icon: icon, read: read,
        write: write, visitorId: visitorId, src: src.href, product: (pageProducts()[0] || {}).sku,
        cart: shopCart || pageJson('[data-assistant-cart]'), visitor: allowed() && visitorId() });
    }));
  }

  /** Hand the quiz module one job: ['open', flow, launcher or element], ['inline', flow, element] or ['close']. */
  function quiz(job) {
    lazy('quiz', [job]);
  }

  function warm() {
    load('quiz');
  }

  /** Exit intent (with data-promos): the pointer leaving through the top; on touch screens a quick scroll back to the
   * top, or coming back to the tab. Once a page; the server decides what shows. */
  function exit() {
    if (!exited) lazy('promos', [['exit_intent']]);
    exited = true;
  }

  function start() {
    if (!site) return log('data-site is missing on the script tag');
    collect();
    lazy('recs', slots('data-recs'));
    lazy('promos', slots('data-promos'));
    if (script.hasAttribute('data-promos')) {
      touch = matchMedia('(pointer: coarse)').matches;
      document.addEventListener('mouseout', guard(function (event) {
        if (!event.relatedTarget && event.clientY <= 0) exit();
      }));
      window.addEventListener('scroll', guard(function () {
        if (scrollY > 400) deep = Date.now();
        else if (touch && scrollY < 50 && Date.now() - deep < 800) exit();
      }), { passive: true });
    }
    call('GET', '/flows?page=' + encodeURIComponent(location.pathname))
      .then(guard(setup))
      .catch(log)
      .then(guard(replay));
  }

  var Assistant = guard(function (name) {
    if (commands.hasOwnProperty(name)) return commands[name].apply(null, [].slice.call(arguments, 1));
    if (ready) runCommand(arguments);
    else queue.push(arguments);
  });
  Assistant.open = guard(function (flowId) { Assistant('open', flowId); });
  Assistant.close = guard(function () { Assistant('close'); });
  for (var name in commands) Assistant[name] = guard(commands[name]);
  Assistant.version = '1';
  window.Assistant = Assistant;
  pending = stored();
  if (!allowed() && pending.length) keep(pending = []);
  // queued tracking calls run now; open and close wait for the flows
  queue = queue.filter(function (args) {
    if (!commands.hasOwnProperty(args[0])) return true;
    Assistant.apply(null, args);
  });
  document.addEventListener('submit', guard(cartForm), true);
  document.addEventListener('click', guard(cartForm), true);
  document.addEventListener('visibilitychange', guard(function () {
    if (document.visibilityState === 'hidden') leave();
    else if (touch) exit();
  }));
  window.addEventListener('pagehide', guard(leave));
  setInterval(guard(function () { send(); }), 3000);

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', guard(start));
  else guard(start)();
})(window, document);
