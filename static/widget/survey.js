/*! Assistant surveys: widget.js asks GET /surveys at the moments that matter and, only when the answer has a survey,
 * loads this and calls Assistant._survey([survey], kit). One small card: the score is saved the moment it is chosen,
 * follow-ups appear, the comment completes the response. docs/surveys.md */
(function (window, document) {
  'use strict';

  var Assistant = window.Assistant;
  if (!Assistant || !Assistant.version) return;
  var KEPT = 'assistant:surveys'; // survey id -> when it was dismissed or answered here
  var DAYS_90 = 7776e6;
  var WORDS = { ja: ['送信', 'アンケートを閉じる'] }; // a per-locale survey file; others: its i18n (docs/i18n.md)
  var FACE = 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9 9.5v.5M15 9.5v.5';
  var MOUTHS = ['M8 16.5q4-4 8 0', 'M8.5 16q3.5-2 7 0', 'M8.5 15h7', 'M8.5 14q3.5 2 7 0', 'M8 13.5q4 4.5 8 0'];
  var X = 'M6 6l12 12M18 6L6 18';
  var showing = false;

  function icon(d) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.appendChild(document.createElementNS(ns, 'path')).setAttribute('d', d);
    return svg;
  }

  /** The surveys dismissed or answered on this device (id -> time); with `id`, that one is added. */
  function kept(kit, id) {
    var all = {};
    try {
      all = JSON.parse(kit.read('localStorage', KEPT)) || {};
    } catch (err) {
      /* unreadable: start again */
    }
    if (id) {
      all[id] = Date.now();
      kit.write('localStorage', KEPT, JSON.stringify(all));
    }
    return all;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.random() * 256;
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function device() {
    return !matchMedia('(pointer: coarse)').matches ? 'desktop' : screen.width < 600 ? 'mobile' : 'tablet';
  }

  /** The quiz's dialog is open (the survey waits for it to close); a promotion's dialog has had the visit's one
   * interruption (the survey gives way: the server had not yet heard of it). */
  function busy() {
    return [].some.call(document.querySelectorAll('[data-assistant]'), function (host) {
      return host.shadowRoot && host.shadowRoot.querySelector('[aria-modal="true"]:not([hidden])');
    });
  }

  /** A labelled radio group (scores or one choice) with a roving tabindex: arrows and Home/End move and select,
   * Enter, Space and a tap select at once (`pick(value, now)`). */
  function radios(kit, q, labelId, pick) {
    var scored = !!q.points;
    var options = scored ? q.points : q.choices || [];
    var faces = q.style === 'faces';
    var group = kit.el('div', { role: 'radiogroup', 'aria-labelledby': labelId,
      class: scored ? 'scale ' + q.type + (faces ? ' faces' : q.type === 'csat' ? ' words' : '') : 'choices',
      onkeydown: function (event) {
        var n = items.length;
        var at = items.indexOf(event.target);
        var to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: n - 1 }[event.key];
        if (at < 0 || to === undefined) return;
        event.preventDefault();
        choose((to + n) % n, false);
      } });
    var items = options.map(function (option, i) {
      var value = scored ? option.value : option.id;
      var label = scored ? option.label || '' : option.text;
      var numeric = scored && !(q.type === 'csat');
      return group.appendChild(kit.el('button', {
        type: 'button', role: 'radio', 'aria-checked': 'false', tabindex: i ? '-1' : '0', class: 'opt',
        'aria-label': numeric && label && label !== String(value) ? value + ', ' + label : null,
        onclick: function () { choose(i, true); }
      }, [faces && icon(FACE + MOUTHS[i * 4 / Math.max(options.length - 1, 1) | 0]),
        kit.el('span', { text: numeric ? String(value) : label })]));
    });
    function choose(i, now) {
      items.forEach(function (item, j) {
        item.setAttribute('aria-checked', String(i === j));
        item.tabIndex = i === j ? 0 : -1;
      });
      items[i].focus();
      pick(scored ? options[i].value : options[i].id, now);
    }
    var ends = scored && q.type !== 'csat' && options.length > 1 && kit.el('div', { class: 'ends', 'aria-hidden': 'true' }, [
      end(options[0]), end(options[options.length - 1])]);
    function end(point) {
      return kit.el('span', { text: point.value + ' \u2013 ' + point.label });
    }
    return kit.el('div', {}, [group, ends]);
  }

  function checks(kit, q, labelId, pick) {
    var boxes = [];
    return kit.el('div', { role: 'group', 'aria-labelledby': labelId, class: 'choices' }, (q.choices || []).map(function (c) {
      var box = boxes[boxes.length] = kit.el('input', { type: 'checkbox', value: c.id, onchange: function () {
        pick(boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }), false);
      } });
      return kit.el('label', { class: 'check' }, [box, kit.el('span', { text: c.text })]);
    }));
  }

  function comment(kit, q, labelId, pick) {
    return kit.el('textarea', { 'aria-labelledby': labelId, rows: '3', maxlength: String(q.max_length || 500),
      placeholder: q.placeholder || null, oninput: function (event) { pick(event.target.value || undefined, null); } });
  }

  function question(kit, q, pick) {
    var labelId = 'q-' + q.id;
    var control = q.points ? radios : q.type === 'multi' ? checks : q.type === 'single' ? radios : comment;
    return kit.el('div', { class: 'q' }, [kit.el('p', { class: 'text', id: labelId, text: q.text }),
      control(kit, q, labelId, pick)]);
  }

  function shows(q, answers) {
    var when = q.show_if;
    return !when || (when.scores || []).indexOf(answers[when.question]) >= 0;
  }

  function show(kit, survey) {
    var locale = survey.locale || 'en';
    var i18n = survey.i18n || { strings: {} };
    var t = function (text) { return i18n.strings[text] || text; };
    var words = WORDS[locale.split('-')[0]] || [t('Send'), t('Close survey')];
    var answers = {};
    var nodes = {};
    var responseId = newId();
    var placement = survey.placement;
    var timer, saved = true, answered = false, done = false;
    var before = document.activeElement;
    var props = { survey_id: survey.id, response_id: responseId, placement: placement }; // the events' shape
    var root = kit.mount(document.body, new URL('survey.css', kit.src).href);
    root.host.setAttribute('data-assistant', 'survey');

    function save(complete) {
      clearTimeout(timer);
      saved = answered = true; // the server records survey_answered with the first post
      kit.call('POST', '/surveys/' + encodeURIComponent(survey.id) + '/responses', { response_id: responseId,
        visitor: kit.visitor, answers: answers, complete: complete, page: location.href, placement: placement,
        device: device(), lang: kit.lang || locale }).then(null, kit.log);
    }

    /** Record an answer; a chosen score or choice is saved now (after arrows have rested, 600 ms), text with Send. */
    function pick(q, value, now) {
      if (value === undefined) delete answers[q.id];
      else answers[q.id] = value;
      saved = false;
      update();
      clearTimeout(timer);
      if (now === null) return;
      if (now && visible().length === 1) return finish(); // nothing more to ask: two taps are enough
      timer = setTimeout(kit.guard(function () { save(false); }), now ? 0 : 600);
    }

    function visible() {
      return survey.questions.filter(function (other) { return shows(other, answers); });
    }

    /** Add the follow-ups the answers call for and drop those they no longer do, never moving a node (focus stays). */
    function update() {
      var after = null;
      survey.questions.forEach(function (q) {
        if (!shows(q, answers)) {
          if (nodes[q.id]) nodes[q.id].remove();
          delete nodes[q.id];
          delete answers[q.id];
          return;
        }
        if (!nodes[q.id]) {
          nodes[q.id] = question(kit, q, function (value, now) { pick(q, value, now); });
          list.insertBefore(nodes[q.id], after ? after.nextSibling : list.firstChild);
        }
        after = nodes[q.id];
      });
      send.hidden = !Object.keys(answers).length;
    }

    function finish() {
      save(true);
      done = true;
      kept(kit, survey.id);
      list.remove();
      send.remove();
      thanks.textContent = survey.thanks || t('Thank you!');
      thanks.focus();
      setTimeout(kit.guard(close), 4000);
    }

    function close(quietly) {
      if (!root.host.isConnected) return;
      if (!saved) save(false);
      root.host.remove();
      watcher.disconnect();
      showing = false;
      if (!quietly && before && before.focus && before !== document.body) before.focus();
    }

    function dismiss() {
      if (!done) {
        kit.record('survey_dismissed', props);
        kept(kit, survey.id);
      }
      close();
    }

    var list = kit.el('div', { class: 'qs' });
    var send = kit.el('button', { type: 'button', class: 'send', text: words[0], onclick: finish });
    var thanks = kit.el('p', { class: 'thanks', role: 'status', tabindex: '-1' });
    var card = kit.el('section', { class: 'card', role: 'dialog', 'aria-labelledby': 'q-' + survey.questions[0].id,
      lang: locale, dir: i18n.dir, tabindex: '-1', onkeydown: function (event) {
        if (event.key !== 'Escape') return;
        event.preventDefault();
        dismiss();
      } }, [list, send, thanks, kit.el('button', { type: 'button', class: 'x', 'aria-label': words[1], onclick: dismiss },
      [icon(X)])]);
    // a promotion's dialog that comes anyway (both asked at once, before the server heard of either) has the visit's
    // one interruption: an untouched survey gives way
    var watcher = new MutationObserver(kit.guard(function () {
      if (!answered && document.querySelector('[data-assistant=promo-dialog]')) close(true);
    }));
    watcher.observe(document.body, { childList: true });
    update();
    root.appendChild(card);
    root.firstChild.addEventListener('load', kit.guard(function () {
      kit.record('survey_shown', props);
      card.focus();
    }));
  }

  /** Show `survey` unless it was dismissed or answered here lately, or another survey is showing; wait while a quiz
   * or promotion dialog is open. */
  function offer(kit, survey, tries) {
    if (showing || !survey || !survey.id || !(survey.questions || []).length) return;
    if (document.querySelector('[data-assistant=promo-dialog]')) return;
    if (Date.now() - kept(kit)[survey.id] < DAYS_90) return;
    if (busy()) {
      if (tries < 600) setTimeout(kit.guard(function () { offer(kit, survey, tries + 1); }), 500);
      return;
    }
    showing = true;
    show(kit, survey);
  }

  Assistant._survey = function (surveys, kit) {
    surveys.forEach(kit.guard(function (survey) { offer(kit, survey, 0); }));
  };
})(window, document);
