/*! Assistant recommendation strips. widget.js loads this file only when a data-recs selector of its script
 * tag matches an element of the page, then calls Assistant._recs(matches, kit) with the matches
 * ([placement, element] pairs) and the widget internals the strips use (kit: call, record, leave, el,
 * guard, log, safeUrl, mount, src, product, cart, visitor). No global of its own; styles: recs.css. */
(function (window) {
  'use strict';

  var Assistant = window.Assistant;
  if (!Assistant || !Assistant.version) return;
  var COUNT = 8;
  var lang; // the page's tag (kit.lang: data-locale, else <html lang>), for Intl
  var words = {}; // the strips' words in the page's locale (GET /strings), once known
  var waiting = []; // renders waiting for them (null: known)
  var NEAR = '200px'; // fetch when the element is this close to the viewport
  var ARROWS = { prev: 'M15 18l-6-6 6-6', next: 'M9 18l6-6-6-6' };

  /** Run fn once at least `share` of node is inside the viewport grown by `margin` (without IntersectionObserver: now). */
  function when(kit, node, margin, share, fn) {
    if (!window.IntersectionObserver) return fn();
    var watcher = new IntersectionObserver(kit.guard(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting && e.intersectionRatio >= share * 0.99; })) {
        watcher.disconnect();
        fn();
      }
    }), { rootMargin: margin, threshold: share });
    watcher.observe(node);
  }

  function t(text) {
    return words[text] || text;
  }

  /** Run fn once the words are known (asked once; English needs none). */
  function worded(kit, fn) {
    if (!waiting) return fn();
    if (waiting.push(fn) === 1) {
      var known = function (got) {
        words = (got && got.strings) || {};
        waiting.splice(0).forEach(function (f) { kit.guard(f)(); });
        waiting = null;
      };
      if (/^en(-|$)/i.test(lang)) known();
      else kit.call('GET', '/strings').then(known, known);
    }
  }

  /** A price as the page's language writes it (Intl and CLDR, as the server's format_money). */
  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(lang || undefined, { style: 'currency', currency: currency }).format(amount);
    } catch (err) {
      return amount + ' ' + currency;
    }
  }

  /** A placement's query: the page's product and cart, and the visitor (only when tracking is allowed). */
  function query(kit, placement) {
    var enc = encodeURIComponent;
    var parts = ['placement=' + enc(placement), 'n=' + COUNT];
    var cart = kit.cart && typeof kit.cart === 'object' && [].concat(kit.cart.items || []);
    if (kit.visitor) parts.push('visitor=' + enc(kit.visitor));
    if (kit.product) parts.push('product=' + enc(kit.product));
    if (cart) {
      parts.push('cart=' + cart.filter(function (l) { return l && l.sku; }).slice(0, 100).map(function (l) {
        return enc(String(l.sku).slice(0, 128));
      }).join(','));
    }
    return parts.join('&');
  }

  function icon(name) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    var path = document.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    path.setAttribute('d', ARROWS[name]);
    svg.appendChild(path);
    return svg;
  }

  /** One product, the whole card one link; the image's alt gives the title, so the visible one is not read twice. */
  function card(kit, item, onclick) {
    var el = kit.el;
    var product = item.product;
    var reason = item.reason || {};
    var image = product.image && kit.safeUrl(product.image);
    var rating = typeof product.rating === 'number' && product.rating > 0 && product.rating.toFixed(1);
    return el('li', { class: 'item' }, [
      el('a', { class: 'card', href: kit.safeUrl(product.url), onclick: onclick }, [
        el('span', { class: 'media' }, [image && el('img', {
          src: image, alt: product.title, loading: 'lazy', decoding: 'async', width: '320', height: '240'
        })]),
        el('span', { class: 'name', 'aria-hidden': image ? 'true' : null, text: product.title }),
        el('span', { class: 'meta' }, [
          el('span', { class: 'price', text: money(product.price, product.currency) }),
          rating && el('span', { class: 'rating' }, [
            el('span', { class: 'star', 'aria-hidden': 'true', text: '\u2605' }),
            el('span', { 'aria-hidden': 'true', text: ' ' + rating }),
            el('span', { class: 'sr', text: t(', rated {0} out of 5').replace('{0}', rating) })
          ])
        ]),
        reason.text && el('span', { class: 'why', 'data-kind': reason.kind, text: reason.text })
      ])
    ]);
  }

  /** The strip: a heading, arrow buttons (mouse devices) and a scroll-snapping row of cards; nothing when empty. */
  function render(kit, placement, target, data) {
    var el = kit.el;
    var ref = data && typeof data.rec === 'string' && data.rec;
    var items = [].concat((data && data.items) || []).filter(function (item) {
      return item && item.product && item.product.sku && kit.safeUrl(item.product.url);
    }).slice(0, 50);
    if (!items.length || target.querySelector('[data-assistant=recs]')) return;
    var skus = items.map(function (item) { return String(item.product.sku).slice(0, 128); });
    // the strategy of each item (its reason's kind): the earnings dashboard splits strips by it
    var kinds = items.map(function (item) { return String((item.reason || {}).kind || '').slice(0, 64); });
    var title = String(data.title || t('Recommended for you'));
    var row = el('ul', { class: 'row', role: 'list' });
    var arrows = el('div', { class: 'arrows', hidden: true });
    items.forEach(function (item, i) {
      row.appendChild(card(kit, item, function () {
        if (!ref) return;
        kit.record('rec_click', { ref: ref, placement: placement, sku: skus[i], variant: kinds[i] });
        kit.leave(); // the page is about to go: send it now, with the beacon
      }));
    });
    var buttons = ['prev', 'next'].map(function (name, i) {
      var button = el('button', {
        type: 'button', class: 'arrow', 'aria-label': i ? t('Next products') : t('Previous products'),
        onclick: function () {
          if (button.getAttribute('aria-disabled') !== 'true') {
            row.scrollBy({ left: (i ? 1 : -1) * row.clientWidth * 0.85, behavior: 'smooth' });
          }
        }
      }, [icon(name)]);
      arrows.appendChild(button);
      return button;
    });
    var update = kit.guard(function () {
      var end = row.scrollWidth - row.clientWidth - 2;
      arrows.hidden = end <= 0;
      buttons[0].setAttribute('aria-disabled', String(row.scrollLeft <= 2));
      buttons[1].setAttribute('aria-disabled', String(row.scrollLeft >= end));
    });
    var root = kit.mount(target, new URL('recs.css', kit.src).href);
    root.host.setAttribute('data-assistant', 'recs');
    root.appendChild(el('section', { class: 'recs', 'aria-label': title }, [
      el('div', { class: 'head' }, [el('h2', { class: 'title', text: title }), arrows]),
      row
    ]));
    row.addEventListener('scroll', update, { passive: true });
    if (window.ResizeObserver) new ResizeObserver(update).observe(row);
    else window.addEventListener('resize', update);
    update();
    when(kit, root.host, '0px', 0.5, function () {
      if (ref) kit.record('rec_impression', { ref: ref, placement: placement, skus: skus, variant: kinds[0] });
    });
  }

  /** Fetch a placement's strip once its element nears the viewport; errors and timeouts render nothing. */
  function strip(kit, placement, target) {
    when(kit, target, NEAR, 0, function () {
      worded(kit, function () {}); // ask beside the strip
      kit.call('GET', '/recommendations?' + query(kit, placement)).then(kit.guard(function (data) {
        worded(kit, function () {
          render(kit, placement, target, data);
        });
      }), kit.log);
    });
  }

  Assistant._recs = function (matches, kit) {
    lang = kit.lang;
    matches.forEach(kit.guard(function (match) {
      strip(kit, match[0], match[1]);
    }));
  };
})(window);
