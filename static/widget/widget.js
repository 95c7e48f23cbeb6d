/*! Assistant widget: <script async src=".../static/widget/widget.js" data-site="KEY"></script>
 * Optional: data-api="https://assistant.example" (default: this script's origin), data-debug, data-consent,
 * data-respect-dnt, data-recs (recommendation strips), data-promos (promotions; README for both). One global,
 * window.Assistant: Assistant('open', flowId), Assistant('close'), tracking (README: Tracking); calls queued
 * in Assistant.q before this file loaded are replayed. Theming: widget.css. */
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
  var closers = [];
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

  var ICONS = {
    spark: 'M11 2.5l1.9 5.6 5.6 1.9-5.6 1.9L11 17.5l-1.9-5.6-5.6-1.9 5.6-1.9zM18.5 14l.9 2.6 2.6.9-2.6.9-.9 2.6-.9-2.6-2.6-.9 2.6-.9z',
    back: 'M15 18l-6-6 6-6',
    close: 'M6 6l12 12M18 6L6 18'
  };

  function icon(name) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    var path = document.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'ico ' + name);
    path.setAttribute('d', ICONS[name]);
    svg.appendChild(path);
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

  /** A value in a question's unit: currency codes as money (€20), others after the number (25 litres). */
  function measure(value, unit) {
    if (/^[A-Z]{3}$/.test(unit || '')) {
      try {
        return new Intl.NumberFormat(document.documentElement.lang || undefined,
          { style: 'currency', currency: unit, minimumFractionDigits: 0, maximumFractionDigits: value % 1 ? 2 : 0 }).format(value);
      } catch (err) {
        /* not a currency after all */
      }
    }
    return value + (unit ? ' ' + unit : '');
  }

  /** The symbol of a currency code (EUR -> €); any other unit as it is. */
  function symbol(unit) {
    return measure(0, unit).replace(/[\d\s.,]/g, '') || unit;
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

  /** One flow's quiz: a dialog (launcher) or an inline panel. */
  function QuizView(flow, dialog, onClose) {
    var quiz = null;
    var finishing = false;
    var busy = false;
    var retry = null;
    var given = {};
    var storeKey = 'assistant:quiz:' + flow.id;
    var titleId = 'at-' + flow.id;
    var back = el('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Back', hidden: true, onclick: goBack }, [icon('back')]);
    var close = dialog && el('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', onclick: onClose }, [icon('close')]);
    var step = el('span', { class: 'step' });
    var fill = el('span', { class: 'fill' });
    var bar = el('div', { class: 'bar', role: 'progressbar', 'aria-label': 'Progress', 'aria-valuemin': '0', 'aria-valuemax': '100' }, [fill]);
    var body = el('div', { class: 'body' });
    var live = el('p', { class: 'sr', 'aria-live': 'polite' });
    var panel = el('section', {
      class: 'panel ' + (dialog ? 'dialog' : 'inline'),
      role: dialog ? 'dialog' : 'region',
      'aria-modal': dialog ? 'true' : null,
      'aria-labelledby': titleId,
      tabindex: '-1'
    }, [
      el('header', { class: 'head' }, [back, el('h2', { class: 'title', id: titleId, text: flow.title }), close]),
      el('div', { class: 'progress' }, [step, bar]),
      body,
      live
    ]);

    function progress(text, ratio) {
      var percent = String(Math.round(Math.max(0, Math.min(1, ratio)) * 100));
      step.textContent = text;
      fill.style.width = percent + '%';
      bar.setAttribute('aria-valuenow', percent);
      bar.setAttribute('aria-valuetext', text);
    }

    function clear() {
      body.textContent = '';
      panel.classList.remove('intro');
      return body;
    }

    function focus(node) {
      if (!dialog || !panel.hidden) node.focus();
    }

    function request(send) {
      if (busy) return;
      busy = true;
      retry = send;
      panel.setAttribute('aria-busy', 'true');
      send().then(show).catch(guard(failed)).then(function () {
        busy = false;
        panel.removeAttribute('aria-busy');
      });
    }

    function note(type, data) {
      data.flow = flow.id;
      data.quiz = quiz;
      record(type, data);
    }

    function begin(fresh) {
      var saved = !fresh && read('sessionStorage', storeKey);
      var start = function () {
        return call('POST', '/quiz', { flow: flow.id, visitor: visitorId(), page: location.pathname }).then(function (state) {
          quiz = state.quiz;
          note('quiz_start', {});
          return state;
        });
      };
      if (fresh) given = {};
      request(function () {
        return saved ? call('GET', '/quiz/' + encodeURIComponent(saved)).catch(start) : start();
      });
    }

    function submit(question, value) {
      given[question.id] = value;
      request(function () {
        return call('POST', '/quiz/' + quiz + '/answers', { question: question.id, value: value }).then(function (state) {
          note('quiz_answer', { question: question.id, value: value });
          finishing = state.done;
          return state;
        });
      });
    }

    function goBack() {
      request(function () { return call('POST', '/quiz/' + quiz + '/back'); });
    }

    function show(state) {
      quiz = state.quiz;
      write('sessionStorage', storeKey, quiz);
      if (!state.done) return renderQuestion(state);
      return call('GET', '/quiz/' + quiz + '/results').then(renderResults);
    }

    function failed(err) {
      log(err);
      var out = clear();
      var again = el('button', { type: 'button', class: 'btn', text: 'Try again', onclick: function () { request(retry); } });
      out.appendChild(el('div', { class: 'empty' }, [
        el('p', { class: 'q', text: 'Sorry, that did not work.' }),
        el('p', { class: 'help', text: 'The product finder is not available right now. Please try again in a moment.' }),
        again
      ]));
      live.textContent = 'The product finder is not available right now.';
      focus(again);
    }

    function renderQuestion(state) {
      var question = state.question;
      var done = state.progress.answered;
      var total = Math.max(state.progress.total, done + 1);
      var labelId = 'aq-' + flow.id;
      var last = done + 1 >= total;
      var out = clear();
      back.hidden = !state.answers.length;
      progress('Question ' + (done + 1) + ' of ' + total, done / total);
      out.appendChild(el('h3', { class: 'q', id: labelId, text: question.text }));
      var hint = question.help || (question.type === 'multi' ? 'Choose all that apply.' : null);
      if (hint) out.appendChild(el('p', { class: 'help', text: hint }));
      var ui = (INPUTS[question.type] || INPUTS.single)(question, labelId, given[question.id], function (value) {
        submit(question, value);
      });
      out.appendChild(ui.node);
      var actions = el('div', { class: 'actions' });
      if (question.optional) {
        actions.appendChild(el('button', { type: 'button', class: 'btn ghost', text: 'Skip', onclick: function () { submit(question, null); } }));
      }
      if (ui.value) {
        var next = el('button', { type: 'button', class: 'btn', text: last ? 'Show my matches' : 'Continue', onclick: function () { submit(question, ui.value()); } });
        var update = function () { next.disabled = !question.optional && ui.value() === null; };
        ui.node.addEventListener('change', guard(update));
        ui.node.addEventListener('keydown', guard(function (event) {
          if (event.key === 'Enter' && event.target.type !== 'checkbox' && !next.disabled) next.click();
        }));
        update();
        actions.appendChild(next);
      }
      if (actions.firstChild) out.appendChild(actions);
      live.textContent = step.textContent + ': ' + question.text;
      focus(focusables(ui.node)[0] || panel);
    }

    function renderResults(data) {
      var items = data.items || [];
      var relaxed = data.relaxed || [];
      var out = clear();
      back.hidden = false;
      progress('Your matches', 1);
      var heading = el('h3', { class: 'q', tabindex: '-1', text: data.fallback ? 'Popular picks for you' : 'Your top matches' });
      var matching = data.matching || 0;
      out.appendChild(heading);
      if (!data.fallback && !relaxed.length && matching) {
        out.appendChild(el('p', { class: 'help', text: (matching === 1 ? '1 product matches' : matching + ' products match') +
          ' your answers' + (matching > items.length ? '; here are the best ' + items.length + '.' : '.') }));
      }
      var labels = {};
      relaxed.forEach(function (r) { labels[r.text] = r.label || r.text.replace(/\s*\?$/, ''); });
      if (relaxed.length) {
        out.appendChild(el('p', { class: 'note' }, [
          el('strong', { text: 'We widened: ' }),
          document.createTextNode(relaxed.map(function (r) { return labels[r.text]; }).join(', ') +
            '. Nothing matched every answer, so these come closest.')
        ]));
      }
      if (data.fallback) {
        out.appendChild(el('p', { class: 'note', text: 'Nothing matched every answer, so here are shop favourites.' }));
      }
      var list = el('ul', { class: 'cards' });
      items.forEach(function (item, rank) {
        list.appendChild(card(item, rank === 0 && !data.fallback, labels, function () {
          note('quiz_result_click', { sku: item.product.sku });
        }));
      });
      if (finishing) note('quiz_finish', { value: items.map(function (item) { return item.product.sku; }) });
      finishing = false;
      out.appendChild(items.length ? list : el('p', { class: 'help', text: 'No products to show right now.' }));
      out.appendChild(el('div', { class: 'actions' }, [
        el('button', { type: 'button', class: 'btn ghost', text: 'Start over', onclick: function () { begin(true); } })
      ]));
      live.textContent = items.length + (items.length === 1 ? ' product matches' : ' products match') + ' your answers.';
      focus(heading);
    }

    function intro() {
      var out = clear();
      panel.classList.add('intro');
      if (flow.description) out.appendChild(el('p', { class: 'help', text: flow.description }));
      out.appendChild(el('div', { class: 'actions start' }, [
        el('button', { type: 'button', class: 'btn', text: flow.label || 'Start', onclick: function () { begin(false); } })
      ]));
    }

    return {
      panel: panel,
      intro: intro,
      open: function () {
        panel.focus();
        if (!quiz && !busy) begin(false);
      }
    };
  }

  function card(item, best, labels, onpick) {
    var product = item.product;
    var reasons = item.reasons || [];
    var misses = item.misses || [];
    var image = product.image && safeUrl(product.image);
    var chips = el('ul', { class: 'chips', 'aria-label': 'Why it matches' });
    reasons.forEach(function (reason) {
      chips.appendChild(el('li', { class: 'chip', text: reason.text }));
    });
    var rating = typeof product.rating === 'number' && el('span', { class: 'rating' }, [
      el('span', { 'aria-hidden': 'true', text: '\u2605 ' + product.rating.toFixed(1) }),
      el('span', { class: 'sr', text: 'Rated ' + product.rating.toFixed(1) + ' out of 5' })
    ]);
    return el('li', { class: 'card' }, [
      el('div', { class: 'media' }, [image && el('img', { src: image, alt: '', loading: 'lazy', width: '320', height: '240' })]),
      el('div', { class: 'info' }, [
        best && el('span', { class: 'badge', text: 'Best match' }),
        el('h4', { class: 'name' }, [el('a', { href: safeUrl(product.url), text: product.title, onclick: onpick })]),
        el('p', { class: 'meta' }, [el('span', { class: 'price', text: money(product.price, product.currency) }), rating]),
        reasons.length && chips,
        misses.length && el('p', { class: 'miss', text: 'Not quite: ' + misses.map(function (m) { return labels[m] || m; }).join(', ') })
      ])
    ]);
  }

  var INPUTS = {
    single: function (question, labelId, before, choose) {
      var group = el('div', { class: 'opts', role: 'radiogroup', 'aria-labelledby': labelId, onkeydown: rove });
      var current = Math.max(0, question.answers.map(function (a) { return a.id; }).indexOf(before));
      question.answers.forEach(function (answer, i) {
        group.appendChild(el('button', {
          type: 'button',
          class: 'opt',
          role: 'radio',
          'aria-checked': String(before === answer.id),
          tabindex: i === current ? '0' : '-1',
          text: answer.text,
          onclick: function () { choose(answer.id); }
        }));
      });
      return { node: group };
    },

    multi: function (question, labelId, before) {
      var group = el('div', { class: 'opts', role: 'group', 'aria-labelledby': labelId });
      var boxes = question.answers.map(function (answer) {
        var box = el('input', { type: 'checkbox', value: answer.id });
        box.checked = (before || []).indexOf(answer.id) >= 0;
        group.appendChild(el('label', { class: 'opt check' }, [box, el('span', { text: answer.text })]));
        return box;
      });
      return {
        node: group,
        value: function () {
          var chosen = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
          return chosen.length ? chosen : null;
        }
      };
    },

    range: function (question, labelId, before) {
      var unit = question.unit ? ' (' + symbol(question.unit) + ')' : '';
      var low = number('From' + unit, before ? before[0] : question.min);
      var high = number('To' + unit, before ? before[1] : question.max);
      function number(text, value) {
        var input = el('input', { type: 'number', min: question.min, max: question.max, step: question.step || 'any', inputmode: 'decimal', value: value });
        return el('label', { class: 'field' }, [el('span', { text: text }), input]);
      }
      function clamp(input, fallback) {
        var value = input.lastChild.valueAsNumber;
        if (isNaN(value)) return fallback;
        if (question.min !== null) value = Math.max(question.min, value);
        if (question.max !== null) value = Math.min(question.max, value);
        return value;
      }
      return {
        node: el('div', { class: 'fields', role: 'group', 'aria-labelledby': labelId }, [low, high]),
        value: function () {
          var lo = clamp(low, question.min);
          var hi = clamp(high, question.max);
          return lo <= hi ? [lo, hi] : [hi, lo];
        }
      };
    },

    scale: function (question, labelId, before) {
      var min = question.min || 0;
      var max = question.max === null ? 10 : question.max;
      var stepSize = question.step || 1;
      var labels = question.labels || [];
      var start = typeof before === 'number' ? before : min + Math.round((max - min) / 2 / stepSize) * stepSize;
      var slider = el('input', { type: 'range', min: min, max: max, step: stepSize, value: start, 'aria-labelledby': labelId });
      var out = el('output', { class: 'out', 'aria-hidden': 'true' });
      function describe(value) {
        var steps = Math.round((max - min) / stepSize) + 1;
        if (labels.length === steps) return labels[Math.round((value - min) / stepSize)];
        return measure(value, question.unit);
      }
      function sync() {
        var text = describe(slider.valueAsNumber);
        out.textContent = text;
        slider.setAttribute('aria-valuetext', text);
      }
      slider.addEventListener('input', guard(sync));
      sync();
      var ends = labels.length > 1 && el('div', { class: 'ends', 'aria-hidden': 'true' }, [
        el('span', { text: labels[0] }), el('span', { text: labels[labels.length - 1] })
      ]);
      return {
        node: el('div', { class: 'scale' }, [out, slider, ends]),
        value: function () { return slider.valueAsNumber; }
      };
    }
  };

  /* events ---------------------------------------------------------------- */

  /** Arrow keys, Home and End move focus between the answers of a radiogroup (roving tabindex). */
  function rove(event) {
    var items = [].slice.call(event.currentTarget.querySelectorAll('[role=radio]'));
    var i = items.indexOf(event.target);
    var n = items.length;
    var moves = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1 + n, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 };
    if (i < 0 || !(event.key in moves)) return;
    event.preventDefault();
    event.stopPropagation(); // keys the widget used are not the shop's (a carousel, say) to act on
    var next = items[moves[event.key] % n];
    items[i].tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
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

  /** Floating launchers (one per "button" flow) and the dialog they open. */
  function mountDock(flows) {
    var root = mountHost(document.body);
    var dock = el('div', { class: 'dock' });
    var overlay = el('div', { class: 'overlay', hidden: true, onclick: close });
    // The page behind a modal dialog does not scroll: wheel and touch moves on the backdrop stop here.
    ['wheel', 'touchmove'].forEach(function (type) {
      overlay.addEventListener(type, guard(function (event) { event.preventDefault(); }), { passive: false });
    });
    var views = {};
    var launchers = {};
    var current = null;
    root.appendChild(dock);
    root.appendChild(overlay);

    function open(flow) {
      if (current && current !== flow.id) close();
      var view = views[flow.id];
      if (!view) {
        view = views[flow.id] = QuizView(flow, true, close);
        view.panel.addEventListener('keydown', guard(function (event) { trap(event, view.panel, close); }));
        root.appendChild(view.panel);
      }
      current = flow.id;
      overlay.hidden = false;
      view.panel.hidden = false;
      launchers[flow.id].setAttribute('aria-expanded', 'true');
      view.open();
    }

    function close() {
      if (!current) return;
      var launcher = launchers[current];
      views[current].panel.hidden = true;
      overlay.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      current = null;
      launcher.focus();
    }

    flows.forEach(function (flow) {
      launchers[flow.id] = el('button', {
        type: 'button',
        class: 'launcher',
        'aria-haspopup': 'dialog',
        'aria-expanded': 'false',
        onclick: function () { open(flow); }
      }, [icon('spark'), el('span', { text: flow.label || flow.title })]);
      dock.appendChild(launchers[flow.id]);
      openers[flow.id] = function () { open(flow); };
    });
    closers.push(close);
  }

  /** A flow rendered in place, inside the shop's [data-assistant-flow="<id>"] element. */
  function mountInline(flow, target) {
    var view = QuizView(flow, false);
    view.intro();
    mountHost(target).appendChild(view.panel);
    openers[flow.id] = view.open;
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
    if (args[0] === 'close') closers.forEach(function (close) { close(); });
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

  /** Load recs.js or promos.js (once) when something matched, then hand Assistant._recs / _promos the matches and
   * the internals they need (they stay off the global). */
  function lazy(name, found) {
    if (!found.length) return;
    (loading[name] = loading[name] || new Promise(function (resolve) {
      document.head.appendChild(el('script', { src: new URL(name + '.js', src).href, onload: resolve }));
    })).then(guard(function () {
      window.Assistant['_' + name](found, { call: call, record: record, leave: leave, el: el, guard: guard, log: log,
        money: money, safeUrl: safeUrl, mount: mountHost, trap: trap, src: src.href, product: (pageProducts()[0] || {}).sku,
        cart: shopCart || pageJson('[data-assistant-cart]'), visitor: allowed() && visitorId() });
    }));
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
