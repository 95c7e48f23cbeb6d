/* The Customers pages' charts: each <canvas data-chart="NAME"> is drawn with Chart.js from the JSON in
 * <script type="application/json" id="data-NAME"> (no inline script: the admin's CSP stays 'self').
 * Every chart has a table beside or below it with the same numbers, so nothing is lost without it. */
(function (window, document) {
  'use strict';

  var Chart = window.Chart;
  if (!Chart) return;
  var COLORS = ['#1d5e47', '#e2a03f', '#4f7cac', '#b5485d'];
  var styles = window.getComputedStyle(document.documentElement);
  Chart.defaults.font.family = styles.fontFamily || 'system-ui, sans-serif';
  Chart.defaults.color = '#5f6b66';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = window.matchMedia('(prefers-reduced-motion: reduce)').matches ? false : { duration: 300 };

  function read(name) {
    var node = document.getElementById('data-' + name);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  function money(currency) {
    var format = new Intl.NumberFormat(document.documentElement.lang || 'en', {
      style: 'currency', currency: currency, maximumFractionDigits: 0, notation: 'compact' });
    return function (value) { return format.format(value); };
  }

  function labels(data) {
    if (data.risk) return data.labels.map(function (low) { return Math.round(low * 100) + '–' + Math.round(low * 100 + 10) + ' %'; });
    if (data.currency) {
      var f = money(data.currency);
      return data.labels.map(function (low, i) { return i === data.labels.length - 1 ? f(low) + '+' : f(low); });
    }
    return data.labels;
  }

  function config(data) {
    var percent = !!data.percent;
    var tick = function (value) { return percent ? Math.round(value * 100) + ' %' : value.toLocaleString(); };
    var valueAxis = { beginAtZero: true, grid: { color: '#eef1ef' }, ticks: { callback: tick, precision: percent ? undefined : 0 } };
    var categoryAxis = { grid: { display: false }, ticks: { autoSkip: !data.horizontal } };
    return {
      type: 'bar',
      data: {
        labels: labels(data),
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: COLORS[i % COLORS.length], borderRadius: 3,
                   maxBarThickness: data.horizontal ? 14 : 48, categoryPercentage: data.horizontal ? 0.8 : 0.9, barPercentage: 0.95 };
        })
      },
      options: {
        indexAxis: data.horizontal ? 'y' : 'x',
        responsive: true,
        plugins: {
          legend: { display: data.series.length > 1, position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: function (ctx) {
            var v = data.horizontal ? ctx.parsed.x : ctx.parsed.y;
            return ctx.dataset.label + ': ' + tick(v);
          } } }
        },
        scales: data.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
      }
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll('canvas[data-chart]'), function (canvas) {
    var data = read(canvas.getAttribute('data-chart'));
    if (!data || !data.series) return;
    try { new Chart(canvas, config(data)); } catch (e) { /* the table beside it has the numbers */ }
  });
})(window, document);
