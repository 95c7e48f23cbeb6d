/*! Assistant widget (README): <script async src=".../widget.js" data-site="KEY"></script>, one global (Assistant,
 * replaying Assistant.q). This core tracks and shows the launchers; quiz.js, recs.js, promos.js, survey.js load when needed. */
(function (window, document) {
  'use strict';

  /* Shop scripts run first and may break any global: what the widget calls is taken at load or done with its own
   * loops; every entry point is guarded; nothing it broke is missed. docs/architecture.md */
  try {
    var P = window.Promise;
    var then = P && P.prototype.then;
    var fetcher = window.fetch;
    var toJson = JSON.stringify;
    var fromJson = JSON.parse;
    var isArray = Array.isArray;
    var own = Object.prototype.hasOwnProperty;
    var works = false; // working promises: without them no request (its failure would be unhandled)
    try {
      works = then.call(P.resolve(), function () {}) instanceof P;
    } catch (err) {
      /* Promise or its then replaced: no requests */
    }

    /* config ---------------------------------------------------------------- */

    var script = document.currentScript || document.querySelector('script[data-site][src*="widget.js"]');
    var previous = shared();
    if (!script || (previous && previous.version)) return; // no tag to read, or already running
    var site = script.getAttribute('data-site');
    var lang = script.getAttribute('data-locale') || document.documentElement.lang; // docs/i18n.md
    var debug = script.hasAttribute('data-debug');
    var TIMEOUT_MS = 4000;
    var src = script.src; // absolute; no URL(): the shop may have replaced it
    var base = src.replace(/[?#].*/, '').replace(/[^/]*$/, '');
    var api = (script.getAttribute('data-api') || src.match(/^[\w+.-]+:\/\/[^/?#]*/)[0]).replace(/\/+$/, '') + '/api/v1';
    var cssUrl = base + 'widget.css';
    var queue = (previous && isArray(previous.q) && previous.q) || [];
    var ready = false;
    var openers = {};
    var memory = {};
    var shopCart = null; // Assistant.setCart's, else the page's [data-assistant-cart]
    var loading = {};
    var exited = false;
    var touch = false;
    var deep = 0; // when the page was last scrolled far down
    var held; // in the control group (/flows says, by the visitor id): no module loads; tracking goes on

    /* helpers --------------------------------------------------------------- */

    function log(err, more) {
      if (debug && window.console) console.warn('[assistant]', err, more === undefined ? '' : more);
    }

    /** window.Assistant, or nothing when reading it throws. */
    function shared() {
      try {
        return window.Assistant;
      } catch (err) {
        /* a getter of the shop's */
      }
    }

    /** Modules need working promises, and reach the core through window.Assistant (the shop's, if it is read-only). */
    function ours() {
      return works && shared() === Assistant;
    }

    /* Own loops over arrays and array-likes: the shop may have broken Array.prototype. */

    function each(list, fn) {
      for (var i = 0; list && i < list.length; i++) fn(list[i], i);
    }

    function add(list, item) {
      list[list.length] = item;
      return list;
    }

    function grep(list, test) {
      var found = [];
      each(list, function (item, i) {
        if (test(item, i)) add(found, item);
      });
      return found;
    }

    function map(list, fn) {
      var out = [];
      each(list, function (item) { add(out, fn(item)); });
      return out;
    }

    /** Like [].slice */
    function part(list, from, to) {
      var n = list.length;
      from = from < 0 ? n + from : from;
      return grep(list, function (item, i) { return i >= from && !(i >= to); });
    }

    function has(list, item) {
      return grep(list, function (x) { return x === item; }).length > 0;
    }

    function assign(target, source) {
      for (var key in source) if (own.call(source, key)) target[key] = source[key];
      return target;
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
        var value = own.call(attrs, name) ? attrs[name] : null;
        if (value === null || value === undefined || value === false) continue;
        if (name === 'text') node.textContent = value;
        else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), guard(value));
        else node.setAttribute(name, value === true ? '' : value);
      }
      each(kids, function (kid) {
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

    /** An http(s) URL, or null: catalog data never becomes a javascript: link. */
    function safeUrl(url) {
      var link = document.createElement('a');
      link.href = url;
      return /^https?:$/.test(link.protocol) ? link.href : null;
    }

    function focusables(root) {
      return grep(root.querySelectorAll('a[href],button,input,[tabindex]'), function (node) {
        return !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0;
      });
    }

    /* api ------------------------------------------------------------------- */

    /** Call the API, then done(err, json) once: err on a network error, 4xx/5xx (err.res, err.json) or a timeout. */
    function request(method, path, body, keepalive, done) {
      var ctrl, timer, over;
      function finish(err, json) {
        if (over) return;
        over = true;
        clearTimeout(timer);
        if (err && ctrl) ctrl.abort();
        guard(done)(err, json);
      }
      function safely(fn) {
        return function (value) {
          try {
            fn(value);
          } catch (err) {
            finish(err);
          }
        };
      }
      safely(function () {
        if (!works) throw new Error('no promises');
        ctrl = window.AbortController ? new AbortController() : null;
        timer = setTimeout(function () { finish(new Error('timeout')); }, TIMEOUT_MS);
        var url = api + path + (/\?/.test(path) ? '&' : '?') + 'site=' + encodeURIComponent(site) + '&lang=' + encodeURIComponent(lang);
        // A string body goes out as text/plain: a "simple" request, so no CORS preflight.
        var init = { method: method, credentials: 'omit', signal: ctrl ? ctrl.signal : undefined };
        if (body !== undefined) init.body = toJson(body);
        if (keepalive) init.keepalive = init.body.length < 6e4; // may outlive the page (64 KB cap)
        then.call(fetcher.call(window, url, init), safely(function (res) {
          then.call(res.json(), safely(function (json) {
            var message = (json && json.error && json.error.message) || 'HTTP ' + res.status;
            finish(res.ok ? null : assign(new Error(message), { res: res, json: json }), json);
          }), finish);
        }), finish);
      })();
    }

    /** request() as a promise, for the modules; handled already, should a module fail to (a shop broke then). */
    function call(method, path, body) {
      var promise = new P(function (resolve, reject) {
        request(method, path, body, false, function (err, json) {
          if (err) reject(err);
          else resolve(json);
        });
      });
      then.call(promise, null, log);
      return promise;
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
    var size = BATCH;
    var retryAt = 0;
    var started = false;
    var collected = false;
    var soon;
    var VIEWS = 'assistant:views';

    function allowed() {
      var given = read('localStorage', CONSENT_KEY);
      return !!site && !dnt && (given === '1' || (given !== '0' && script.getAttribute('data-consent') !== 'required'));
    }

    function json(text) {
      try {
        return fromJson(text);
      } catch (err) {
        log(err);
      }
    }

    function stored() {
      var list = json(read('localStorage', EVENTS_KEY));
      return isArray(list) ? list : [];
    }

    function keep(events) {
      write('localStorage', EVENTS_KEY, toJson(part(events, -500)));
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
      var items = part(grep(isArray(data.items) ? data.items : [data.items], function (l) { return l && l.sku; }), 0, 200);
      return { value: total.price, currency: total.currency,
        items: map(items, function (l) { return line(l.sku, l.price, l.quantity || 1); }) };
    }

    /** Queue an event, in memory and in localStorage. */
    var record = guard(function (type, data) {
      if (!allowed()) return;
      var event = fromJson(toJson(data)); // cyclic data throws here, not at every send
      event.id = Date.now().toString(36) + Math.random().toString(36).slice(2, 14);
      event.ts = Date.now();
      event.type = type;
      event.page = String(event.page || location.pathname + location.search).slice(0, 2000);
      pending = part(add(pending, event), -500);
      keep(add(stored(), event));
      if (pending.length >= 20) send();
      if (type === 'product_view') write('sessionStorage', VIEWS, +read('sessionStorage', VIEWS) + 1);
      var end = { purchase: '', quiz_finish: 'ed', product_view: 's' }[type];
      if (end != null) ask(type + end);
    });

    function drop(batch) {
      var ids = map(batch, function (e) { return e.id; });
      var left = function (e) { return !has(ids, e.id); };
      pending = grep(pending, left);
      keep(grep(stored(), left));
      failures = retryAt = 0;
      size = BATCH;
    }

    /** Retry-After (seconds or a date) of a 429 or 503, else 2 s doubling to 60 s, with jitter. */
    function later(header) {
      var wait = header ? Number(header) * 1000 || Date.parse(header) - Date.now() : 0;
      retryAt = Date.now() + (wait > 0 ? Math.min(wait, 36e5)
        : Math.min(6e4, 2000 * Math.pow(2, failures++) * (1 + Math.random() / 2)));
    }

    /** Send the queue's first batch (unless one is on its way); a promise of its answer. */
    function send(force) {
      if (sending || !pending.length || (!force && Date.now() < retryAt)) return sending || P.resolve();
      var batch = part(pending, 0, size);
      var body = { visitor: visitorId(), events: batch };
      return (sending = new P(function (resolve) {
        request('POST', '/events', body, true, function (err, json) {
          var res = (err && err.res) || {};
          var status = res.status;
          var halve = status === 413 && batch.length > 1;
          // final: stored, duplicate, rejected, any 400, one event too big (a 403/404 waits for the shop's setup)
          var done = !err || ((status === 400 || status === 413) && !halve);
          try {
            if (halve) size = Math.ceil(batch.length / 2);
            else if (done) drop(batch);
            else {
              log(err);
              later((res.status === 429 || res.status === 503) && res.headers.get('Retry-After')); // overload
            }
          } finally {
            sending = null;
            resolve();
          }
          if (done || halve) send();
        });
      }));
    }

    /** Beacon what is new; it stays stored until a later page has it acknowledged. */
    function leave() {
      var fresh = grep(pending, function (e) { return !beaconed[e.id]; });
      for (var i = 0; i < fresh.length; i += BATCH) {
        var batch = part(fresh, i, i + BATCH);
        var body = toJson({ visitor: visitorId(), events: batch });
        each(batch, function (e) { beaconed[e.id] = 1; });
        if (!(nav.sendBeacon && nav.sendBeacon(EVENTS_URL, new Blob([body], { type: 'text/plain' }))) && works) {
          then.call(fetcher.call(window, EVENTS_URL, { method: 'POST', body: body, keepalive: true, credentials: 'omit' }),
            null, log);
        }
      }
    }

    /** The page's products: schema.org Product JSON-LD and [data-assistant-product] elements. */
    function pageProducts() {
      var seen = {};
      var products = [];
      function found(sku, price, currency) {
        if (sku && !seen[sku]) add(products, seen[sku] = line(sku, price, 0, currency));
      }
      function walk(data) {
        if (!data || typeof data !== 'object') return;
        if (isArray(data)) return each(data, walk);
        walk(data['@graph']);
        var offer = (isArray(data.offers) ? data.offers[0] : data.offers) || {};
        var type = data['@type'];
        if (has(isArray(type) ? type : [type], 'Product')) found(data.sku, offer.price || offer.lowPrice, offer.priceCurrency);
      }
      each(document.querySelectorAll('script[type="application/ld+json"]'), function (node) {
        walk(json(node.textContent));
      });
      each(document.querySelectorAll('[data-assistant-product]'), function (node) {
        var data = node.dataset;
        found(data.sku || data.assistantProduct, data.price, data.currency);
      });
      return products;
    }

    /** The search of the page's query string (?q=, query=, search= or s=), read without URLSearchParams. */
    function searched() {
      var params = {};
      each(location.search.slice(1).split('&'), guard(function (pair) {
        var at = pair.indexOf('=');
        if (at > 0 && !params[pair.slice(0, at)]) params[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' ')).trim();
      }));
      return params.q || params.query || params.search || params.s;
    }

    /** What a page tells without code from the shop. */
    function collect() {
      started = true;
      if (collected || !allowed()) return;
      collected = true;
      ask('page');
      record('page_view', { referrer: document.referrer.slice(0, 2000), title: document.title.slice(0, 500) });
      each(pageProducts(), function (p) { record('product_view', p); });
      var query = searched();
      if (query) record('search', { query: query.slice(0, 200) });
      var cart = pageJson('[data-assistant-cart]');
      if (cart) record('cart', basket(cart));
      var order = pageJson('[data-assistant-purchase]');
      if (order && order.order_id) {
        record('purchase', assign(basket(order), { order_id: String(order.order_id).slice(0, 128) }));
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
        if (!isArray(items)) return;
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
      each(flows, function (flow) {
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
        if (grep(entries, function (e) { return e.isIntersecting; }).length) {
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
      held = data.control;
      if (!ours()) return; // a launcher that could not open
      var buttons = [];
      var targets = document.querySelectorAll('[data-assistant-flow]');
      each(data.flows, function (flow) {
        if (flow.trigger !== 'inline') return add(buttons, flow);
        each(targets, function (target) {
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
      var jobs = queue;
      ready = true;
      queue = [];
      each(jobs, guard(runCommand));
    }

    /** The [placement, element] pairs of a "placement: selector; ..." attribute whose selector matches. */
    function slots(name) {
      var found = [];
      each((script.getAttribute(name) || '').split(';'), guard(function (pair) {
        var at = pair.indexOf(':');
        var node = at > 0 && document.querySelector(pair.slice(at + 1));
        if (node) add(found, [pair.slice(0, at).trim(), node]);
      }));
      return found;
    }

    /** Load quiz.js, recs.js or promos.js once (after a failed load, again next time). */
    function load(name) {
      return (loading[name] = loading[name] || new P(function (resolve) {
        document.head.appendChild(el('script', { src: base + name + '.js', onload: resolve,
          onerror: function () { delete loading[name]; } }));
      }));
    }

    /** Load a module when something matched, then hand Assistant._quiz / _recs / _promos the matches (or jobs) and
     * the internals they need (they stay off the global). */
    function lazy(name, found) {
      if (!found.length || !ours() || held) return;
      then.call(load(name), guard(function () {
        shared()['_' + name](found, { call: call, record: record, leave: leave, el: el, guard: guard, log: log,
          safeUrl: safeUrl, mount: mountHost, trap: trap, focusables: focusables, icon: icon, read: read,
          write: write, visitorId: visitorId, src: src, base: base, product: (pageProducts()[0] || {}).sku,
          cart: shopCart || pageJson('[data-assistant-cart]'), visitor: allowed() && visitorId(), lang: lang });
      }), log);
    }

    /** Hand the quiz module one job: ['open', flow, launcher or element], ['inline', flow, element] or ['close']. */
    function quiz(job) {
      lazy('quiz', [job]);
    }

    function warm() {
      if (ours()) load('quiz');
    }

    /** Ask for a survey now; survey.js loads only for one. */
    function ask(placement) {
      if (!allowed()) return;
      clearTimeout(soon);
      soon = setTimeout(guard(function () {
        then.call(send(true), guard(function () {
          request('GET', '/surveys?placement=' + placement + '&visitor=' + visitorId() + '&views=' + +read('sessionStorage', VIEWS) +
            '&device=' + (touch ? screen.width < 600 ? 'mobile' : 'tablet' : 'desktop') +
            '&page=' + encodeURIComponent(location.href), undefined, false, function (err, data) {
            if (data && data.survey) lazy('survey', [data.survey]);
          });
        }));
      }), 9);
    }

    /** Exit intent (with data-promos): the pointer leaving through the top; on touch screens a quick scroll back to the
     * top, or coming back to the tab. Once a page; the server decides what shows. */
    function exit() {
      if (!exited) lazy('promos', [['exit_intent']]), ask('exit_intent');
      exited = true;
    }

    function start() {
      if (!site) return log('data-site is missing on the script tag');
      collect();
      lazy('recs', slots('data-recs'));
      lazy('promos', slots('data-promos'));
      touch = !!(window.matchMedia && matchMedia('(pointer: coarse)').matches);
      if (script.hasAttribute('data-promos')) {
        document.addEventListener('mouseout', guard(function (event) {
          if (!event.relatedTarget && event.clientY <= 0) exit();
        }));
        window.addEventListener('scroll', guard(function () {
          if (scrollY > 400) deep = Date.now();
          else if (touch && scrollY < 50 && Date.now() - deep < 800) exit();
        }), { passive: true });
      }
      var who = allowed() ? '&visitor=' + visitorId() : '';
      request('GET', '/flows?page=' + encodeURIComponent(location.pathname) + who, undefined, false, function (err, data) {
        if (err) log(err);
        else guard(setup)(data);
        replay();
      });
    }

    var Assistant = guard(function (name) {
      if (own.call(commands, name)) return commands[name].apply(null, part(arguments, 1));
      if (ready) runCommand(arguments);
      else add(queue, arguments);
    });
    Assistant.open = guard(function (flowId) { Assistant('open', flowId); });
    Assistant.close = guard(function () { Assistant('close'); });
    for (var name in commands) Assistant[name] = guard(commands[name]);
    Assistant.version = '1';
    try {
      window.Assistant = Assistant;
    } catch (err) {
      /* read-only: the page keeps its own, the widget tracks without an API or modules */
    }
    pending = stored();
    if (!allowed() && pending.length) keep(pending = []);
    // queued tracking calls run now; open and close wait for the flows
    queue = grep(queue, function (args) {
      if (!own.call(commands, args[0])) return true;
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
  } catch (err) {
    /* a page broken beyond what the widget can work with: it stays out of the way */
  }
})(window, document);
