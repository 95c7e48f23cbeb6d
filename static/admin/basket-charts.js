/* The Baskets page's chart: each <canvas data-basket-chart="NAME"> is drawn with Chart.js from the JSON in
 * <script type="application/json" id="basket-data-NAME">: recovered revenue by week, reminded and holdout baskets
 * side by side, on a money axis in the site's currency. The table beside it has the same numbers. */
(function (window, document) {
  'use strict';

  var Chart = window.Chart;
  if (!Chart) return;
  var COLORS = ['#1d5e47', '#e2a03f'];
  Chart.defaults.font.family = window.getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
  Chart.defaults.color = '#5f6b66';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = window.matchMedia('(prefers-reduced-motion: reduce)').matches ? false : { duration: 300 };

  function read(name) {
    var node = document.getElementById('basket-data-' + name);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  function formatter(currency, compact) {
    var format;
    try {
      format = new Intl.NumberFormat(document.documentElement.lang || 'en', compact
        ? { style: 'currency', currency: currency, notation: 'compact', maximumFractionDigits: 1 }
        : { style: 'currency', currency: currency });
    } catch (e) {
      return function (value) { return value.toLocaleString() + ' ' + currency; };
    }
    return function (value) { return format.format(value); };
  }

  function config(data) {
    var axis = formatter(data.currency, true);
    var full = formatter(data.currency, false);
    return {
      type: 'bar',
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: COLORS[i % COLORS.length], borderRadius: 3,
                   maxBarThickness: 36, categoryPercentage: 0.8, barPercentage: 0.9 };
        })
      },
      options: {
        responsive: true,
        plugins: {
          legend: { position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ': ' + full(ctx.parsed.y); } } }
        },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, grid: { color: '#eef1ef' }, ticks: { callback: function (v) { return axis(v); } } }
        }
      }
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll('canvas[data-basket-chart]'), function (canvas) {
    var data = read(canvas.getAttribute('data-basket-chart'));
    if (!data || !data.series) return;
    try { new Chart(canvas, config(data)); } catch (e) { /* the table beside it has the numbers */ }
  });
})(window, document);
