/* The Earnings page's charts: each <canvas data-earnings-chart="NAME"> is drawn with Chart.js from the JSON in
 * <script type="application/json" id="earnings-data-NAME"> ({type: 'line'|'bar', labels, series, currency?,
 * horizontal?}); no inline script, so the admin's CSP stays 'self'. Every chart has a table beside it with the
 * same numbers. A [data-print] button prints the page (the monthly report). */
(function (window, document) {
  'use strict';

  Array.prototype.forEach.call(document.querySelectorAll('[data-print]'), function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
  var Chart = window.Chart;
  if (!Chart) return;
  var COLORS = ['#1d5e47', '#e2a03f', '#4f7cac', '#b5485d'];
  Chart.defaults.font.family = window.getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
  Chart.defaults.color = '#5f6b66';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = window.matchMedia('(prefers-reduced-motion: reduce)').matches ? false : { duration: 300 };

  function read(name) {
    var node = document.getElementById('earnings-data-' + name);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  function formatter(currency, compact) {
    if (!currency) return function (value) { return value.toLocaleString(); };
    try {
      var format = new Intl.NumberFormat(document.documentElement.lang || 'en', compact
        ? { style: 'currency', currency: currency, notation: 'compact', maximumFractionDigits: 1 }
        : { style: 'currency', currency: currency });
      return function (value) { return format.format(value); };
    } catch (e) {
      return function (value) { return value.toLocaleString() + ' ' + currency; };
    }
  }

  function config(data) {
    var line = data.type === 'line';
    var format = formatter(data.currency, false);
    var axis = formatter(data.currency, true);
    var valueAxis = { beginAtZero: !line, grid: { color: '#eef1ef' }, ticks: { maxRotation: 0, callback: function (v) { return axis(v); } } };
    var longest = window.innerWidth < 600 ? 18 : 34;
    var categoryAxis = { grid: { display: false }, ticks: { autoSkip: !data.horizontal, maxRotation: 0,
      callback: function (value) {
        var label = String(this.getLabelForValue(value));
        return label.length > longest ? label.slice(0, longest - 1) + '\u2026' : label;
      } } };
    return {
      type: line ? 'line' : 'bar',
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          var color = COLORS[i % COLORS.length];
          return line
            ? { label: s.label, data: s.values, borderColor: color, backgroundColor: color, tension: 0.25, spanGaps: true,
                pointRadius: 2, borderWidth: 2, borderDash: i === 1 ? [6, 4] : [] }
            : { label: s.label, data: s.values, backgroundColor: color, borderRadius: 3, maxBarThickness: 22,
                categoryPercentage: 0.8, barPercentage: 0.9 };
        })
      },
      options: {
        indexAxis: data.horizontal ? 'y' : 'x',
        responsive: true,
        plugins: {
          legend: { display: data.series.length > 1, position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: function (ctx) {
            var v = data.horizontal ? ctx.parsed.x : ctx.parsed.y;
            return ctx.dataset.label + ': ' + format(v);
          } } }
        },
        scales: data.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
      }
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll('canvas[data-earnings-chart]'), function (canvas) {
    var data = read(canvas.getAttribute('data-earnings-chart'));
    if (!data || !data.series || !data.labels || !data.labels.length) return;
    try { new Chart(canvas, config(data)); } catch (e) { /* the table beside it has the numbers */ }
  });
})(window, document);
