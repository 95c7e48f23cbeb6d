/* The survey page's trend: each <canvas data-survey-chart="NAME"> is drawn with Chart.js from the JSON in
 * <script type="application/json" id="survey-data-NAME">: the weekly figure as a line and its 95 % interval
 * as a shaded band between the low and high bounds. The table beside it has the same numbers. */
(function (window, document) {
  'use strict';

  var Chart = window.Chart;
  if (!Chart) return;
  var LINE = '#1d5e47';
  var BAND = 'rgba(29, 94, 71, 0.16)';
  Chart.defaults.font.family = window.getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
  Chart.defaults.color = '#5f6b66';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = window.matchMedia('(prefers-reduced-motion: reduce)').matches ? false : { duration: 300 };

  function read(name) {
    var node = document.getElementById('survey-data-' + name);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  function format(data, value) {
    if (value === null || value === undefined) return '–';
    if (data.kind === 'nps') return (value > 0 ? '+' : '') + Math.round(value);
    if (data.kind === 'csat') return Math.round(value) + ' %';
    if (data.kind === 'ces') return value.toFixed(1);
    return String(value);
  }

  function config(data) {
    var band = { pointRadius: 0, borderWidth: 0, backgroundColor: BAND, spanGaps: true };
    var range = data.range || [];
    return {
      type: 'line',
      data: {
        labels: data.labels,
        datasets: [
          Object.assign({ label: '95 % interval (low)', data: data.low, fill: false }, band),
          Object.assign({ label: '95 % interval', data: data.high, fill: '-1' }, band),
          { label: data.label, data: data.value, borderColor: LINE, backgroundColor: LINE, borderWidth: 2,
            pointRadius: 3, tension: 0, fill: false }
        ]
      },
      options: {
        responsive: true,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 12,
            filter: function (item) { return item.datasetIndex !== 0; } } },
          tooltip: { filter: function (item) { return item.datasetIndex === 2; }, callbacks: {
            label: function (ctx) {
              var i = ctx.dataIndex;
              return data.label + ': ' + format(data, data.value[i]) + '  (' + format(data, data.low[i]) + ' to ' +
                format(data, data.high[i]) + '), n = ' + data.n[i];
            } } }
        },
        scales: {
          x: { grid: { display: false } },
          y: { suggestedMin: range[0], suggestedMax: range[1], min: range[0], max: range[1], grid: { color: '#eef1ef' },
               ticks: { stepSize: { nps: 50, csat: 20, ces: 1 }[data.kind], callback: function (v) { return format(data, v); } } }
        }
      }
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll('canvas[data-survey-chart]'), function (canvas) {
    var data = read(canvas.getAttribute('data-survey-chart'));
    if (!data || !data.labels) return;
    try { new Chart(canvas, config(data)); } catch (e) { /* the table beside it has the numbers */ }
  });
})(window, document);
