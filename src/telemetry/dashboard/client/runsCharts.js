// The overlay charts and their legend: each chart draws every selected run (one colour per
// run) with its own x values (uPlot's mode 2), smoothed as TensorBoard does and downsampled for
// drawing; the legend hides and shows a run's lines on every chart.
/* global uPlot */
import { downsample, smooth } from './runsMath.js';
import { $, onDraw, scheduleDraw, state } from './runsState.js';

function renderLegend() {
  const drawn = [...state.runs.values()].filter((run) => state.selected.has(run.key));
  $('legend').replaceChildren(...drawn.map((run) => {
    const item = document.createElement('button');
    item.type = 'button';
    item.className = `legend-item${state.hidden.has(run.key) ? ' hidden' : ''}`;
    item.dataset.key = run.key;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = run.colour;
    item.append(swatch, run.name ?? run.file);
    item.title = state.hidden.has(run.key) ? 'show its lines' : 'hide its lines';
    return item;
  }));
}

$('legend').addEventListener('click', (event) => {
  const key = event.target.closest('.legend-item')?.dataset.key;
  if (!key) return;
  if (state.hidden.has(key)) state.hidden.delete(key);
  else state.hidden.add(key);
  scheduleDraw({ charts: true });
});

/**
 * One chart of the selected runs, each with its own x values (uPlot's mode 2), rebuilt when
 * its lines change and given new data otherwise.
 */
class OverlayChart {
  constructor(elementId, title, { yLabel, logScale = false, unitRange = false, smoothed = true, series }) {
    Object.assign(this, { element: $(elementId), title, yLabel, logScale, unitRange, smoothed, series });
    this.plot = null;
    this.signature = '';
  }

  /** The lines to draw now: [{ key, label, colour, dash, xs, ys, points }]. */
  lines() {
    const lines = [];
    for (const run of state.runs.values()) {
      if (!state.selected.has(run.key) || state.hidden.has(run.key)) continue;
      for (const line of this.series(run)) {
        const base = run.start ?? 0;
        const xs = state.xAxis === 'step' ? line.step : line.time.map((time) => (time - base) / 1000);
        const values = this.smoothed && state.smoothing > 0 ? smooth(line.values, state.smoothing) : line.values;
        const log = this.logScale && state.log;
        const ys = values.map((value) => (typeof value === 'number' && Number.isFinite(value) && (!log || value > 0) ? value : null));
        const width = Math.max(300, this.element.clientWidth);
        const shown = downsample(xs, ys, 2 * width);
        lines.push({ key: run.key, label: line.label ?? (run.name ?? run.file), colour: run.colour, dash: line.dash, points: xs.length <= 60, ...shown });
      }
    }
    return lines;
  }

  draw() {
    const lines = this.lines();
    state.drawn[this.element.id] = lines.map(({ key, label, xs, ys }) => ({ key, label, xs, ys }));
    const log = this.logScale && state.log;
    const signature = JSON.stringify([lines.map((line) => [line.key, line.label, line.points]), state.xAxis, log, this.element.clientWidth]);
    if (lines.length === 0) {
      this.plot?.destroy();
      this.plot = null;
      this.signature = '';
      const empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = `${this.title}: nothing to draw yet`;
      this.element.replaceChildren(empty);
      return;
    }
    const data = [null, ...lines.map((line) => [line.xs, line.ys])];
    if (this.plot && signature === this.signature) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.element.replaceChildren();
    this.signature = signature;
    this.plot = new uPlot({
      mode: 2,
      title: this.title,
      width: Math.max(300, this.element.clientWidth - 16),
      height: 240,
      legend: { show: false },
      scales: { x: { time: false, auto: true }, y: log ? { distr: 3, auto: true } : this.unitRange ? { auto: false, range: [0, 1] } : { auto: true } },
      axes: [
        { label: state.xAxis === 'step' ? 'step' : 'seconds since the run started' },
        { label: this.yLabel, size: 60, ...(log ? { values: (_, ticks) => ticks.map((v) => (v == null ? '' : v.toExponential(0))) } : {}) },
      ],
      // uPlot's own points are not drawn in mode 2: the sparse lines (evaluations) get theirs here.
      hooks: { draw: [(plot) => drawPoints(plot, lines)] },
      series: [
        {},
        ...lines.map((line) => ({
          label: line.label,
          stroke: line.colour,
          width: 1.5,
          ...(line.dash ? { dash: line.dash } : {}),
          paths: uPlot.paths.linear(),
          points: { show: false },
          facets: [{ scale: 'x', auto: true }, { scale: 'y', auto: true }],
        })),
      ],
    }, data, this.element);
  }
}

/** Dots at the values of the lines that have few (at most 60 points), over their lines. */
function drawPoints(plot, lines) {
  const { ctx, bbox } = plot;
  const radius = 3 * devicePixelRatio;
  ctx.save();
  lines.forEach((line, index) => {
    if (!line.points) return;
    const [xs, ys] = plot.data[index + 1];
    ctx.fillStyle = line.colour;
    for (let i = 0; i < xs.length; i++) {
      if (ys[i] === null) continue;
      const x = plot.valToPos(xs[i], 'x', true);
      const y = plot.valToPos(ys[i], 'y', true);
      if (x < bbox.left - radius || x > bbox.left + bbox.width + radius || y < bbox.top - radius || y > bbox.top + bbox.height + radius) continue;
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
  ctx.restore();
}

/** The evaluation series of a run, one line per split (dashed after the first). */
const evaluationLines = (field) => (run) => [...run.evaluations.entries()].map(([split, series], index) => ({
  label: `${run.name ?? run.file} · ${split}`, dash: index === 0 ? null : [6, 4], step: series.step, time: series.time, values: series[field],
}));

const charts = [
  new OverlayChart('chart-loss', 'Training loss', { yLabel: 'loss', logScale: true, series: (run) => [{ step: run.steps.step, time: run.steps.time, values: run.steps.loss }] }),
  // Evaluations are few, each already a mean over its split: smoothing would only make them lag.
  new OverlayChart('chart-eval-loss', 'Evaluation loss', { yLabel: 'loss', logScale: true, smoothed: false, series: evaluationLines('loss') }),
  new OverlayChart('chart-eval-accuracy', 'Evaluation accuracy', { yLabel: 'accuracy', unitRange: true, smoothed: false, series: evaluationLines('accuracy') }),
  new OverlayChart('chart-learning-rate', 'Learning rate', { yLabel: 'learning rate', smoothed: false, series: (run) => [{ step: run.steps.step, time: run.steps.time, values: run.steps.learningRate }] }),
];

$('x-axis').addEventListener('change', (event) => {
  state.xAxis = event.target.value;
  scheduleDraw({ charts: true });
});
$('smoothing').addEventListener('input', (event) => {
  state.smoothing = Number(event.target.value);
  $('smoothing-value').textContent = state.smoothing.toFixed(2);
  scheduleDraw({ charts: true });
});
$('log-scale').addEventListener('change', (event) => {
  state.log = event.target.checked;
  scheduleDraw({ charts: true });
});
window.addEventListener('resize', () => scheduleDraw({ charts: true }));

onDraw('charts', renderLegend);
onDraw('charts', () => {
  for (const chart of charts) chart.draw();
});
