/*! Assistant promotions: widget.js loads this where a data-promos selector matches, or on exit intent, and calls
 * Assistant._promos([[placement, element]...], kit). README: Promotions in the widget. */
(function (window, document) {
  'use strict';

  var Assistant = window.Assistant;
  if (!Assistant || !Assistant.version) return;
  var ICONS = {
    x: 'M6 6l12 12M18 6L6 18',
    go: 'M5 12h14M13 6l6 6-6 6',
    tag: 'M20.6 13.4l-7.2 7.2a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8zM7.5 7.5h0'
  };
  var latest = {}; // placement -> its latest request
  var seen = {};
  var kept = {}; // dismissed refs -> when
  var lang; // the page's tag (kit.lang), for Intl
  var i18n = { strings: {} }; // the widget's words in the page's locale, with /promotions (docs/i18n.md)

  function t(text) {
    return i18n.strings[text] || text;
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(lang || undefined, { style: 'currency', currency: currency }).format(amount);
    } catch (err) {
      return amount + ' ' + currency;
    }
  }

  function query(kit, placement) {
    var cart = kit.cart;
    var q = new URLSearchParams({ placement: placement, visitor: kit.visitor || 'anonymous-' + Date.now(), page: location.href,
      device: !matchMedia('(pointer: coarse)').matches ? 'desktop' : screen.width < 600 ? 'mobile' : 'tablet' });
    if (cart && Array.isArray(cart.items)) {
      var value = parseFloat(cart.value);
      var sum = 0;
      q.set('cart', cart.items.filter(function (l) { return l && l.sku; }).slice(0, 100).map(function (l) {
        var n = parseInt(l.quantity, 10) || 1;
        sum += (parseFloat(l.price) || 0) * n;
        return l.sku + ':' + n;
      }).join(','));
      q.set('cart_value', +(value >= 0 ? value : sum).toFixed(3));
    }
    return q;
  }

  function dismissed(kit, ref) {
    var key = 'assistant:dismissed:' + kit.visitor;
    try {
      kept = JSON.parse(localStorage.getItem(key)) || kept;
    } catch (err) {
      /* blocked storage: memory does */
    }
    if (ref) kept[ref] = Date.now();
    try {
      localStorage.setItem(key, JSON.stringify(kept));
    } catch (err) {
      /* ditto */
    }
    return kept;
  }

  function note(kit, type, msg, sku) {
    kit.record(type, { ref: msg.ref, variant: msg.variant, placement: msg.placement, sku: sku });
  }

  /** Once a page, when half of `node` is in view (no node: now). */
  function impression(kit, msg, node) {
    var watcher;
    var once = kit.guard(function (entries) {
      if (entries && !entries.some(function (e) { return e.intersectionRatio >= 0.49; })) return;
      if (watcher) watcher.disconnect();
      if (!seen[msg.placement + msg.ref]) note(kit, 'promo_impression', msg);
      seen[msg.placement + msg.ref] = 1;
    });
    watcher = node && window.IntersectionObserver && new IntersectionObserver(once, { threshold: 0.5 });
    if (watcher) watcher.observe(node);
    else once();
  }

  function clicked(kit, msg, sku) {
    return function () {
      note(kit, 'promo_click', msg, sku);
      kit.leave(); // beacon it before the page goes
    };
  }

  function coupon(kit, msg, el) {
    var code = el('code', { text: msg.cta.coupon });
    var status = el('span', { class: 'sr', 'aria-live': 'polite' });
    var button = el('button', { type: 'button', class: 'copy', 'aria-label': t('Copy code') + ' ' + code.textContent, text: t('Copy'),
      onclick: function () {
        note(kit, 'promo_click', msg);
        if (!navigator.clipboard) return select();
        navigator.clipboard.writeText(code.textContent).then(function () { done(true); }, kit.guard(select));
      } });
    var done = function (copied) {
      status.textContent = copied ? t('Copied') : t('Selected: press Ctrl+C to copy');
      if (copied) button.textContent = status.textContent;
    };
    var select = function () {
      getSelection().selectAllChildren(code);
      done(document.execCommand('copy'));
    };
    return el('div', { class: 'coupon' }, [el('span', { class: 'label', text: msg.cta.text || t('Use code') }), code, button, status]);
  }

  function products(kit, msg, el) {
    var items = [].concat(msg.items || []).filter(function (item) { return item && item.sku && kit.safeUrl(item.url); });
    return items.length > 0 && el('ul', { class: 'items' }, items.slice(0, 3).map(function (item) {
      var image = kit.safeUrl(item.image);
      return el('li', {}, [el('a', { class: 'item', href: kit.safeUrl(item.url), onclick: clicked(kit, msg, item.sku) }, [
        el('span', { class: 'media' }, [image && el('img', { src: image, alt: '', width: '160', height: '120' })]),
        el('span', { class: 'name', text: item.title }),
        el('span', { class: 'price', text: money(item.price, item.currency || 'EUR') }),
        el('span', { class: 'go' }, [el('span', { text: msg.cta.text || t('View') }), kit.icon(ICONS.go)])
      ])]);
    }));
  }

  function message(kit, msg, onDismiss) {
    var el = kit.el;
    var cta = msg.cta;
    var url = cta.kind === 'link' && kit.safeUrl(cta.url);
    return [
      el('span', { class: 'badge' }, [kit.icon(ICONS.tag)]),
      el('p', { class: 'text', text: msg.text }),
      url ? el('a', { class: 'btn', href: url, onclick: clicked(kit, msg) }, [el('span', { text: cta.text || t('Shop now') }), kit.icon(ICONS.go)])
        : cta.kind === 'coupon' && cta.coupon ? coupon(kit, msg, el)
          : cta.kind === 'products' && products(kit, msg, el),
      el('button', { type: 'button', class: 'x', 'aria-label': t('Dismiss'), onclick: function () {
        note(kit, 'promo_dismiss', msg);
        dismissed(kit, msg.ref);
        onDismiss();
      } }, [kit.icon(ICONS.x)])
    ];
  }

  /** Cards in one shadow host in the shop's element. */
  function fill(kit, target, messages) {
    var host = target.querySelector('[data-assistant=promo]');
    var shown = messages.filter(function (msg) {
      if (msg.control) impression(kit, msg, target); // control: the exposure counts
      return !msg.control;
    });
    if (!shown.length) return host && host.remove();
    var root = host ? host.shadowRoot : kit.mount(target, new URL('promos.css', kit.src).href);
    root.host.setAttribute('data-assistant', 'promo');
    var list = root.querySelector('.promos') || root.appendChild(kit.el('div', { class: 'promos', dir: i18n.dir }));
    list.textContent = '';
    shown.forEach(function (msg) {
      var card = kit.el('section', { class: 'promo', role: 'region', 'aria-label': t('Offer') }, message(kit, msg, function () {
        card.remove();
        if (!list.firstChild) root.host.remove();
      }));
      list.appendChild(card);
      impression(kit, msg, card);
    });
  }

  function dialog(kit, msg) {
    var before = document.activeElement;
    var root = kit.mount(document.body, new URL('promos.css', kit.src).href);
    var panel = kit.el('section', { class: 'dialog', dir: i18n.dir, role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 't',
      tabindex: '-1', onkeydown: function (event) { kit.trap(event, panel, dismiss); } }, message(kit, msg, function () {
      root.host.remove();
      if (before) before.focus();
    }));
    var dismiss = function () { panel.querySelector('.x').click(); };
    panel.querySelector('.text').id = 't';
    root.host.setAttribute('data-assistant', 'promo-dialog');
    root.appendChild(kit.el('div', { class: 'overlay', onclick: dismiss }));
    root.appendChild(panel);
    root.firstChild.addEventListener('load', kit.guard(function () {
      panel.focus();
      impression(kit, msg);
    }));
  }

  function ask(kit, placement, target) {
    var number = latest[placement] = (latest[placement] || 0) + 1;
    var show = kit.guard(function (data) {
      if (number !== latest[placement]) return;
      i18n = (data && data.i18n) || i18n;
      var gone = dismissed(kit);
      var messages = [].concat((data && data.messages) || []).filter(function (msg) {
        msg.cta = msg.cta || {};
        msg.placement = placement;
        return msg.ref && (msg.control || msg.text) && !(Date.now() - gone[msg.ref] < 864e5); // a day
      });
      if (target) return fill(kit, target, messages);
      var shown = messages.filter(function (msg) {
        if (msg.control) impression(kit, msg);
        return !msg.control;
      })[0];
      if (shown) dialog(kit, shown); // core asks once a page
    });
    // no page cart: the server uses the last tracked one, so send the queue first
    Promise.resolve(!kit.cart && Assistant.flush()).then(function () {
      return kit.call('GET', '/promotions?' + query(kit, placement));
    }).then(show, function (err) {
      kit.log(err);
      show();
    });
  }

  Assistant._promos = function (matches, kit) {
    lang = kit.lang;
    matches.forEach(kit.guard(function (match) {
      ask(kit, match[0], match[1]);
    }));
  };
})(window, document);
