// The dashboard's distributions: for one layer at a time, its outputs, parameters and
// gradients over the sampled steps as nested bands (min–max, 1–99%, 10–90%, 25–75%) around
// the median, as TensorBoard draws its distributions. Plain browser JavaScript, served as
// is; dashboard.js hands it each layer-stats event that carries `quantiles` and asks it to
// draw. `window.gradstreamDistributions` exposes what it holds, for people and for tests.
/* global uPlot */
'use strict';

(() => {
  const kinds = [
    ['activations', 'outputs'],
    ['weights', 'parameters'],
    ['gradients', 'gradients'],
  ];
  // The quantiles' probabilities (the schema's): 0, 1%, 10%, 25%, 50%, 75%, 90%, 99%, 100%.
  const labels = ['min', '1%', '10%', '25%', 'median', '75%', '90%', '99%', 'max'];
  // Bands from the outermost in: [upper, lower] series (1-based, after the step column) and their shade.
  const bands = [[9, 1, 0.12], [8, 2, 0.2], [7, 3, 0.3], [6, 4, 0.45]];
  const colour = '37, 99, 235';

  /** Per layer, per kind: columns of steps and of each quantile. */
  const layers = new Map();
  const charts = new Map();
  let shown = null;
  let dirty = false;

  const picker = document.getElementById('distribution-layer');
  const finite = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

  function columnsFor(layer) {
    let columns = layers.get(layer);
    if (!columns) {
      columns = Object.fromEntries(kinds.map(([kind]) => [kind, Array.from({ length: labels.length + 1 }, () => [])]));
      layers.set(layer, columns);
      const option = document.createElement('option');
      option.value = layer;
      option.textContent = layer;
      picker.append(option);
      if (shown === null) show(layer);
    }
    return columns;
  }

  function chartOptions(title, width) {
    return {
      title,
      width,
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { size: 70 }],
      series: [
        { label: 'step' },
        ...labels.map((label) => ({
          label,
          stroke: label === 'median' ? `rgb(${colour})` : 'transparent',
          width: label === 'median' ? 1.5 : 0,
          points: { show: false },
        })),
      ],
      bands: bands.map(([upper, lower, alpha]) => ({ series: [upper, lower], fill: `rgba(${colour}, ${alpha})` })),
      legend: { show: false },
    };
  }

  function show(layer) {
    shown = layer;
    picker.value = layer;
    for (const [kind, title] of kinds) {
      const element = document.getElementById(`chart-distribution-${kind}`);
      charts.get(kind)?.destroy();
      const columns = layers.get(layer)[kind];
      const hasData = columns[0].length > 0;
      element.hidden = !hasData;
      if (!hasData) {
        charts.delete(kind);
        continue;
      }
      const width = Math.max(300, element.clientWidth - 16);
      charts.set(kind, new uPlot(chartOptions(`${layer} ${title}`, width), columns, element));
    }
    dirty = false;
  }

  picker.addEventListener('change', () => show(picker.value));

  /** Adds a layer-stats event's quantiles (events without them are passed over). */
  function add(event) {
    if (!event.quantiles) return;
    const columns = columnsFor(event.layer);
    for (const [kind] of kinds) {
      const values = event.quantiles[kind];
      if (!values) continue;
      const kindColumns = columns[kind];
      kindColumns[0].push(event.step);
      values.forEach((value, i) => kindColumns[i + 1].push(finite(value)));
    }
    if (event.layer === shown) dirty = true;
  }

  /** Redraws the layer shown, if it gained points. */
  function draw() {
    if (!dirty || shown === null) return;
    dirty = false;
    const columns = layers.get(shown);
    for (const [kind] of kinds) {
      const chart = charts.get(kind);
      if (chart) chart.setData(columns[kind]);
      else if (columns[kind][0].length > 0) show(shown);
    }
  }

  function resize() {
    for (const [kind, chart] of charts) {
      const element = document.getElementById(`chart-distribution-${kind}`);
      chart.setSize({ width: Math.max(300, element.clientWidth - 16), height: 220 });
    }
  }
  window.addEventListener('resize', resize);

  window.gradstreamDistributions = {
    add,
    draw,
    /** Layers with distributions so far. */
    get layers() { return [...layers.keys()]; },
    /** The layer shown. */
    get shown() { return shown; },
    /** Steps drawn for the layer shown, per kind. */
    get drawnSteps() { return Object.fromEntries([...charts].map(([kind, chart]) => [kind, chart.data[0].length])); },
    show,
  };
})();
