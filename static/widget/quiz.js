/*! Assistant quiz: widget.js loads this when a launcher is pointed at, focused or pressed, when an inline flow's
 * element comes near the viewport, or on Assistant('open', flowId), then calls Assistant._quiz(jobs, kit) with jobs
 * ['open', flow, launcher or element], ['inline', flow, element] or ['close'] and the widget internals it uses (kit:
 * call, record, read, write, visitorId, el, icon, guard, log, safeUrl, mount, trap, focusables, src).
 * No global of its own; styles: quiz.css. */
(function (window, document) {
  'use strict';

  var Assistant = window.Assistant;
  if (!Assistant || !Assistant.version) return;
  var BACK = 'M15 18l-6-6 6-6';
  var CLOSE = 'M6 6l12 12M18 6L6 18';
  var kit, el, guard; // from the first Assistant._quiz call
  var stage = null; // the dialogs' shadow root, made at the first open
  var inline = new Map(); // the shop's element -> its quiz
  var words = {}; // the widget's strings in the page's locale (GET /strings; docs/i18n.md)
  var plurals = {}; // counted ones: English singular -> {CLDR plural category: text}
  var rules; // Intl.PluralRules of their locale
  var dir = 'ltr';
  var lang; // the page's tag (kit.lang: data-locale, else <html lang>), for Intl
  var ready; // settles once they came (or failed: English)

  /** `text` in the page's locale, with {0}, {1} filled from `args`. */
  function t(text, args) {
    text = words[text] || text;
    (args || []).forEach(function (value, i) { text = text.replace('{' + i + '}', value); });
    return text;
  }

  /** A counted text for `n` ({0}): the form of n's CLDR category, else English's. */
  function tn(one, other, n, args) {
    var forms = plurals[one];
    return t(forms ? forms[rules.select(n)] || forms.other : n === 1 ? one : other, [n].concat(args || []));
  }

  /** A price as the page's language writes it (Intl and CLDR, as the server's format_money). */
  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(lang || undefined, { style: 'currency', currency: currency }).format(amount);
    } catch (err) {
      return amount + ' ' + currency;
    }
  }

  /** A shadow root for quiz.css under `parent`, and a promise that settles once it shows. */
  function mount(parent) {
    var root = kit.mount(parent, new URL('quiz.css', kit.src).href);
    var shown = new Promise(function (resolve) { root.firstChild.addEventListener('load', resolve); });
    return { root: root, shown: shown };
  }

  /** A value in a question's unit: currency codes as money (€20), others after the number (25 litres). */
  function measure(value, unit) {
    if (/^[A-Z]{3}$/.test(unit || '')) {
      try {
        return new Intl.NumberFormat(lang || undefined,
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

  /** One flow's quiz: a dialog (launcher) or an inline panel; nothing is focused or rendered before `shown`. */
  function QuizView(flow, dialog, onClose, shown) {
    var quiz = null;
    var finishing = false;
    var busy = false;
    var retry = null;
    var given = {};
    var kept = 0; // answers carried over from the shopper's last visit (a flow with `remember:`), noted once
    var storeKey = 'assistant:quiz:' + flow.id;
    var titleId = 'at-' + flow.id;
    var back = el('button', { type: 'button', class: 'icon-btn', 'aria-label': t('Back'), hidden: true, onclick: goBack }, [kit.icon(BACK)]);
    var close = dialog && el('button', { type: 'button', class: 'icon-btn', 'aria-label': t('Close'), onclick: onClose }, [kit.icon(CLOSE)]);
    var step = el('span', { class: 'step' });
    var fill = el('span', { class: 'fill' });
    var bar = el('div', { class: 'bar', role: 'progressbar', 'aria-label': t('Progress'), 'aria-valuemin': '0', 'aria-valuemax': '100' }, [fill]);
    var body = el('div', { class: 'body' });
    var live = el('p', { class: 'sr', 'aria-live': 'polite' });
    var panel = el('section', {
      class: 'panel ' + (dialog ? 'dialog' : 'inline'),
      dir: dir,
      lang: kit.lang || null,
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
      Promise.all([send(), shown]).then(function (done) { return show(done[0]); }).catch(guard(failed)).then(function () {
        busy = false;
        panel.removeAttribute('aria-busy');
      });
    }

    function note(type, data) {
      data.flow = flow.id;
      data.quiz = quiz;
      kit.record(type, data);
    }

    function begin(fresh) {
      var saved = !fresh && kit.read('sessionStorage', storeKey);
      var start = function () {
        return kit.call('POST', '/quiz', { flow: flow.id, visitor: kit.visitorId(), page: location.pathname, fresh: !!fresh }).then(function (state) {
          quiz = state.quiz;
          kept = (state.carried || []).length;
          if (kept) state.answers.forEach(function (a) { given[a.question] = a.value; });
          note('quiz_start', {});
          return state;
        });
      };
      if (fresh) given = {};
      request(function () {
        return saved ? kit.call('GET', '/quiz/' + encodeURIComponent(saved)).catch(start) : start();
      });
    }

    function submit(question, value) {
      given[question.id] = value;
      request(function () {
        return kit.call('POST', '/quiz/' + quiz + '/answers', { question: question.id, value: value }).then(function (state) {
          note('quiz_answer', { question: question.id, value: value });
          finishing = state.done;
          return state;
        });
      });
    }

    function goBack() {
      request(function () { return kit.call('POST', '/quiz/' + quiz + '/back'); });
    }

    function show(state) {
      quiz = state.quiz;
      kit.write('sessionStorage', storeKey, quiz);
      if (!state.done) return renderQuestion(state);
      return kit.call('GET', '/quiz/' + quiz + '/results').then(renderResults);
    }

    function noteKept(out) {
      if (kept) out.appendChild(el('p', { class: 'help kept', text: kept + (kept > 1 ? ' answers' : ' answer') + ' from your last visit kept. Use Back to change them.' }));
      kept = 0;
    }

    function failed(err) {
      kit.log(err);
      var out = clear();
      var again = el('button', { type: 'button', class: 'btn', text: t('Try again'), onclick: function () { request(retry); } });
      out.appendChild(el('div', { class: 'empty' }, [
        el('p', { class: 'q', text: t('Sorry, that did not work.') }),
        el('p', { class: 'help', text: t('The product finder is not available right now. Please try again in a moment.') }),
        again
      ]));
      live.textContent = t('The product finder is not available right now.');
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
      progress(t('Question {0} of {1}', [done + 1, total]), done / total);
      out.appendChild(el('h3', { class: 'q', id: labelId, text: question.text }));
      var hint = question.help || (question.type === 'multi' ? t('Choose all that apply.') : null);
      if (hint) out.appendChild(el('p', { class: 'help', text: hint }));
      noteKept(out);
      var ui = (INPUTS[question.type] || INPUTS.single)(question, labelId, given[question.id], function (value) {
        submit(question, value);
      });
      out.appendChild(ui.node);
      var actions = el('div', { class: 'actions' });
      if (question.optional) {
        actions.appendChild(el('button', { type: 'button', class: 'btn ghost', text: t('Skip'), onclick: function () { submit(question, null); } }));
      }
      if (ui.value) {
        var next = el('button', { type: 'button', class: 'btn', text: last ? t('Show my matches') : t('Continue'), onclick: function () { submit(question, ui.value()); } });
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
      focus(kit.focusables(ui.node)[0] || panel);
    }

    function renderResults(data) {
      var items = data.items || [];
      var relaxed = data.relaxed || [];
      var out = clear();
      back.hidden = false;
      progress(t('Your matches'), 1);
      var heading = el('h3', { class: 'q', tabindex: '-1', text: data.fallback ? t('Popular picks for you') : t('Your top matches') });
      var matching = data.matching || 0;
      out.appendChild(heading);
      noteKept(out);
      if (!data.fallback && !relaxed.length && matching) {
        out.appendChild(el('p', { class: 'help', text: matching > items.length
          ? tn('{0} product matches your answers; here are the best {1}.', '{0} products match your answers; here are the best {1}.', matching, [items.length])
          : tn('{0} product matches your answers.', '{0} products match your answers.', matching) }));
      }
      var labels = {};
      relaxed.forEach(function (r) { labels[r.text] = r.label || r.text.replace(/\s*\?$/, ''); });
      if (relaxed.length) {
        out.appendChild(el('p', { class: 'note' }, [
          el('strong', { text: t('We widened:') + ' ' }),
          document.createTextNode(relaxed.map(function (r) { return labels[r.text]; }).join(', ') +
            '. ' + t('Nothing matched every answer, so these come closest.'))
        ]));
      }
      if (data.fallback) {
        out.appendChild(el('p', { class: 'note', text: t('Nothing matched every answer, so here are shop favourites.') }));
      }
      var list = el('ul', { class: 'cards' });
      items.forEach(function (item, rank) {
        list.appendChild(card(item, rank === 0 && !data.fallback, labels, function () {
          note('quiz_result_click', { sku: item.product.sku });
        }));
      });
      if (finishing) note('quiz_finish', { value: items.map(function (item) { return item.product.sku; }) });
      finishing = false;
      out.appendChild(items.length ? list : el('p', { class: 'help', text: t('No products to show right now.') }));
      out.appendChild(el('div', { class: 'actions' }, [
        el('button', { type: 'button', class: 'btn ghost', text: t('Start over'), onclick: function () { begin(true); } })
      ]));
      live.textContent = tn('{0} product matches your answers.', '{0} products match your answers.', items.length);
      focus(heading);
    }

    function intro() {
      var out = clear();
      panel.classList.add('intro');
      if (flow.description) out.appendChild(el('p', { class: 'help', text: flow.description }));
      out.appendChild(el('div', { class: 'actions start' }, [
        el('button', { type: 'button', class: 'btn', text: flow.label || t('Start'), onclick: function () { begin(false); } })
      ]));
    }

    return {
      panel: panel,
      intro: intro,
      open: function () {
        shown.then(guard(function () { panel.focus(); }));
        if (!quiz && !busy) begin(false);
      }
    };
  }

  function card(item, best, labels, onpick) {
    var product = item.product;
    var reasons = item.reasons || [];
    var misses = item.misses || [];
    var image = product.image && kit.safeUrl(product.image);
    var chips = el('ul', { class: 'chips', 'aria-label': t('Why it matches') });
    reasons.forEach(function (reason) {
      chips.appendChild(el('li', { class: 'chip', text: reason.text }));
    });
    var rating = typeof product.rating === 'number' && el('span', { class: 'rating' }, [
      el('span', { 'aria-hidden': 'true', text: '\u2605 ' + product.rating.toFixed(1) }),
      el('span', { class: 'sr', text: t('Rated {0} out of 5', [product.rating.toLocaleString(kit.lang || undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 })]) })
    ]);
    return el('li', { class: 'card' }, [
      el('div', { class: 'media' }, [image && el('img', { src: image, alt: '', loading: 'lazy', width: '320', height: '240' })]),
      el('div', { class: 'info' }, [
        best && el('span', { class: 'badge', text: t('Best match') }),
        el('h4', { class: 'name' }, [el('a', { href: kit.safeUrl(product.url), text: product.title, onclick: onpick })]),
        el('p', { class: 'meta' }, [el('span', { class: 'price', text: money(product.price, product.currency) }), rating]),
        reasons.length && chips,
        misses.length && el('p', { class: 'miss', text: t('Not quite:') + ' ' + misses.map(function (m) { return labels[m] || m; }).join(', ') })
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
      var low = number(t('From') + unit, before ? before[0] : question.min);
      var high = number(t('To') + unit, before ? before[1] : question.max);
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

  /** The dialogs' shadow root under the body: a backdrop, then one panel per flow opened. */
  function dialogs() {
    if (stage) return stage;
    var overlay = el('div', { class: 'overlay', hidden: true, onclick: closeDialog });
    // The page behind a modal dialog does not scroll: wheel and touch moves on the backdrop stop here.
    ['wheel', 'touchmove'].forEach(function (type) {
      overlay.addEventListener(type, guard(function (event) { event.preventDefault(); }), { passive: false });
    });
    stage = mount(document.body);
    stage.root.firstChild.addEventListener('error', guard(function () { stage = null; })); // the next press tries again
    stage.root.appendChild(overlay);
    stage.overlay = overlay;
    stage.views = {};
    stage.launchers = {};
    return stage;
  }

  function openDialog(flow, launcher) {
    var at = dialogs();
    if (at.current && at.current !== flow.id) closeDialog();
    var view = at.views[flow.id];
    if (!view) {
      view = at.views[flow.id] = QuizView(flow, true, closeDialog, at.shown);
      view.panel.addEventListener('keydown', guard(function (event) { kit.trap(event, view.panel, closeDialog); }));
      at.root.appendChild(view.panel);
    }
    at.launchers[flow.id] = launcher;
    at.current = flow.id;
    at.overlay.hidden = false;
    view.panel.hidden = false;
    at.shown.then(guard(function () {
      if (at.current === flow.id) launcher.setAttribute('aria-expanded', 'true');
    }));
    view.open();
  }

  function closeDialog() {
    var at = stage || {};
    if (!at.current) return;
    var launcher = at.launchers[at.current];
    at.views[at.current].panel.hidden = true;
    at.overlay.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    at.current = null;
    launcher.focus();
  }

  /** The quiz in place, inside the shop's [data-assistant-flow="<id>"] element (once per element). */
  function mountInline(flow, target) {
    var view = inline.get(target);
    if (!view) {
      var at = mount(target);
      view = QuizView(flow, false, null, at.shown);
      view.intro();
      at.root.appendChild(view.panel);
      inline.set(target, view);
    }
    return view;
  }

  var jobs = {
    inline: mountInline,
    open: function (flow, node) {
      if (flow.trigger === 'inline') mountInline(flow, node).open();
      else openDialog(flow, node);
    },
    close: closeDialog
  };

  Assistant._quiz = function (todo, given) {
    kit = kit || given;
    lang = kit.lang;
    el = kit.el;
    guard = kit.guard;
    ready = ready || kit.call('GET', '/strings').then(function (got) {
      words = got.strings || {};
      dir = got.dir;
      rules = Intl.PluralRules && new Intl.PluralRules(got.locale);
      plurals = rules && got.plurals || {}; // an old browser: English's forms
    }, function () { /* English */ });
    ready.then(guard(function () {
      todo.forEach(function (job) {
        guard(jobs[job[0]]).apply(null, job.slice(1));
      });
    }));
  };
})(window, document);
