// The dashboard page: reads the run from /events (Server-Sent Events) and draws it with
// uPlot. Plain browser JavaScript, served as is. `window.gradstream` exposes what the page
// has seen (last seq, gaps, duplicates, dropped counts) for people and for tests.
/* global uPlot */
'use strict';

const numericKeys = new Set([
  'v', 'seq', 'time', 'seed', 'startStep', 'totalSteps', 'parameters', 'step', 'epoch', 'loss', 'learningRate',
  'samplesPerSecond', 'wallTime', 'mean', 'std', 'min', 'max', 'zeroFraction', 'saturatedFraction', 'norm',
  'parameterNorm', 'updateRatio', 'accuracy', 'worstRelativeError', 'durationSeconds', 'durationMs',
]);
// Lists of numbers: a layer-stats event's quantiles.
const numericListKeys = new Set(['activations', 'weights', 'gradients']);
const nonFinite = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const asNumber = (value) => (typeof value === 'string' && value in nonFinite ? nonFinite[value] : value);
const revive = (key, value) => {
  if (typeof value === 'string') return numericKeys.has(key) ? asNumber(value) : value;
  return Array.isArray(value) && numericListKeys.has(key) ? value.map(asNumber) : value;
};
const distributions = window.gradstreamDistributions;

const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

const state = {
  lastSeq: -1,
  received: 0,
  duplicates: 0,
  gaps: 0,
  dropped: 0,
  announcedDrops: 0,
  status: 'connecting',
  totalSteps: null,
  alarms: 0,
  /** Steps that carry a training loss, in order (what the loss chart holds). */
  lossSteps: [],
  /** Points the loss chart has drawn. */
  lossPointsDrawn: 0,
};
window.gradstream = state;

const $ = (id) => document.getElementById(id);

function format(value) {
  if (value === null || value === undefined) return '–';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  if (magnitude >= 1e-3 && magnitude < 1e5) return String(Number(value.toPrecision(4)));
  return value.toExponential(2);
}

function duration(seconds) {
  const total = Math.round(seconds);
  const m = Math.floor(total / 60);
  return `${m}:${String(total % 60).padStart(2, '0')}`;
}

/** A value a chart can draw: null for gaps (non-finite, or not positive on a log scale). */
function plottable(value, log) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return log && value <= 0 ? null : value;
}

// ---- charts -------------------------------------------------------------------------

/** A chart whose rows are steps and whose series are added as they appear (layers, splits). */
class StepChart {
  constructor(elementId, title, { log = false, points = false, yLabel = '', unitRange = false, pointsFor = () => false } = {}) {
    this.element = $(elementId);
    this.title = title;
    this.log = log;
    this.points = points;
    this.yLabel = yLabel;
    this.unitRange = unitRange;
    this.pointsFor = pointsFor;
    this.names = [];
    this.columns = [[]];
    this.plot = null;
    this.dirty = false;
  }

  /** Sets series `name` at `step` (steps arrive in increasing order). */
  set(step, name, value) {
    let series = this.names.indexOf(name);
    if (series < 0) {
      this.names.push(name);
      this.columns.push(this.columns[0].map(() => null));
      series = this.names.length - 1;
      this.rebuild();
    }
    const xs = this.columns[0];
    let row = xs.length - 1;
    if (row < 0 || xs[row] !== step) {
      if (row >= 0 && xs[row] > step) row = xs.lastIndexOf(step);
      if (row < 0 || xs[row] !== step) {
        xs.push(step);
        for (let i = 1; i < this.columns.length; i++) this.columns[i].push(null);
        row = xs.length - 1;
      }
    }
    this.columns[series + 1][row] = plottable(value, this.log);
    this.dirty = true;
  }

  rebuild() {
    if (this.plot) this.plot.destroy();
    const width = Math.max(300, this.element.clientWidth - 16);
    const options = {
      title: this.title,
      width,
      height: 220,
      scales: { x: { time: false }, y: this.log ? { distr: 3 } : this.unitRange ? { range: [0, 1] } : {} },
      axes: [
        { label: 'step' },
        { label: this.yLabel, size: 60, ...(this.log ? { values: (_, ticks) => ticks.map((v) => (v == null ? '' : v.toExponential(0))) } : {}) },
      ],
      series: [
        { label: 'step' },
        ...this.names.map((name, i) => {
          const points = this.points || this.pointsFor(name);
          return { label: name, stroke: palette[i % palette.length], width: 1.5, spanGaps: !points, points: { show: points, size: 6 } };
        }),
      ],
    };
    this.plot = new uPlot(options, this.columns, this.element);
    this.dirty = false;
  }

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    if (!this.plot) this.rebuild();
    else this.plot.setData(this.columns);
  }

  /** Points on the chart now (rows of its drawn data). */
  get drawnPoints() {
    return this.plot ? this.plot.data[0].length : 0;
  }

  resize() {
    if (this.plot) this.plot.setSize({ width: Math.max(300, this.element.clientWidth - 16), height: 220 });
  }
}

const charts = {
  loss: new StepChart('chart-loss', 'Loss (training steps; evaluations as points)', { yLabel: 'loss', pointsFor: (name) => name !== 'train' }),
  accuracy: new StepChart('chart-accuracy', 'Evaluation accuracy', { points: true, yLabel: 'accuracy', unitRange: true }),
  gradient: new StepChart('chart-gradient', 'Gradient L2 norm per layer', { log: true, yLabel: '‖∇θ‖' }),
  update: new StepChart('chart-update', 'Update ratio ‖Δθ‖/‖θ‖ per layer', { log: true, yLabel: 'ratio' }),
  activationStd: new StepChart('chart-activation-std', 'Activation standard deviation per layer', { yLabel: 'std' }),
  dead: new StepChart('chart-dead', 'Dead units (outputs exactly 0) and saturation per layer', { yLabel: 'fraction', unitRange: true }),
  audit: new StepChart('chart-audit', 'Gradient audits: worst relative error per layer', { log: true, points: true, yLabel: 'rel. error' }),
};
for (const chart of Object.values(charts)) chart.rebuild();

let drawScheduled = false;
function scheduleDraw() {
  if (drawScheduled) return;
  drawScheduled = true;
  setTimeout(() => {
    drawScheduled = false;
    for (const chart of Object.values(charts)) chart.draw();
    distributions.draw();
    state.lossPointsDrawn = charts.loss.drawnPoints;
    renderFigures();
  }, 100);
}
window.addEventListener('resize', () => { for (const chart of Object.values(charts)) chart.resize(); });

// ---- tables and figures --------------------------------------------------------------

const latest = { step: null, layers: new Map() };

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderFigures() {
  const step = latest.step;
  if (step) {
    $('step').textContent = state.totalSteps ? `${step.step} / ${state.totalSteps}` : String(step.step);
    $('loss').textContent = format(step.loss);
    $('speed').textContent = format(step.samplesPerSecond);
    $('elapsed').textContent = duration(step.wallTime);
  }
  $('received').textContent = String(state.received);
  $('dropped').textContent = String(state.dropped);
  const body = $('layers').tBodies[0];
  body.replaceChildren(...[...latest.layers.values()].map((event) => {
    const row = document.createElement('tr');
    const a = event.activation;
    row.append(
      cell(event.layer), cell(format(a.mean)), cell(format(a.std)), cell(format(a.min)), cell(format(a.max)),
      cell(`${(100 * a.zeroFraction).toFixed(1)}%`), cell(`${(100 * a.saturatedFraction).toFixed(1)}%`),
      cell(format(event.gradient && event.gradient.norm)), cell(format(event.parameterNorm)), cell(format(event.updateRatio)),
    );
    return row;
  }));
}

function setStatus(status) {
  state.status = status;
  const pill = $('status');
  pill.textContent = status;
  pill.className = `pill ${status}`;
}

function showAlarm(text) {
  const div = document.createElement('div');
  div.className = 'alarm';
  div.textContent = text;
  $('alarms').append(div);
}

function addAudit(event) {
  const row = document.createElement('tr');
  row.append(
    cell(String(event.step)), cell(event.layer), cell(event.ok ? 'ok' : 'FAILED', event.ok ? 'ok' : 'failed'),
    cell(format(event.worstRelativeError)), cell(event.summary),
  );
  const body = $('audits').tBodies[0];
  body.prepend(row);
  while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
}

// ---- events ----------------------------------------------------------------------------

function handle(event) {
  switch (event.type) {
    case 'run-start':
      state.totalSteps = event.totalSteps || null;
      $('run').textContent = `${event.name ? `${event.name} · ` : ''}run ${event.runId} · seed ${event.seed} · ${event.graph.length} nodes`;
      setStatus('running');
      break;
    case 'step':
      latest.step = event;
      charts.loss.set(event.step, 'train', event.loss);
      state.lossSteps.push(event.step);
      break;
    case 'layer-stats':
      latest.layers.set(event.layer, event);
      if (event.gradient) charts.gradient.set(event.step, event.layer, event.gradient.norm);
      if (event.updateRatio !== null) charts.update.set(event.step, event.layer, event.updateRatio);
      charts.activationStd.set(event.step, event.layer, event.activation.std);
      charts.dead.set(event.step, `${event.layer} zero`, event.activation.zeroFraction);
      if (event.activation.saturatedFraction > 0) charts.dead.set(event.step, `${event.layer} saturated`, event.activation.saturatedFraction);
      distributions.add(event);
      break;
    case 'evaluation':
      charts.loss.set(event.step, event.split, event.loss);
      if (event.accuracy !== null) charts.accuracy.set(event.step, event.split, event.accuracy);
      break;
    case 'audit':
      charts.audit.set(event.step, event.layer, event.worstRelativeError);
      addAudit(event);
      if (!event.ok) showAlarm(`Gradient audit failed at step ${event.step}: layer ${event.layer}, worst relative error ${format(event.worstRelativeError)} — ${event.summary}`);
      break;
    case 'alarm':
      state.alarms++;
      showAlarm(`Alarm at step ${event.step} (${event.kind})${event.layer ? ` in layer ${event.layer}` : ''}: ${event.message}; policy: ${event.policy}`);
      if (event.policy === 'stop') setStatus('alarm');
      break;
    case 'run-end':
      setStatus(event.reason === 'completed' ? 'completed' : event.reason === 'error' ? 'failed' : event.reason);
      if (event.error) showAlarm(`The run failed at step ${event.step}: ${event.error}`);
      break;
  }
}

/** Checks the seq against what came before: a duplicate is ignored, an unannounced jump is a gap. */
function accept(seq) {
  if (seq <= state.lastSeq) {
    state.duplicates++;
    return false;
  }
  const jump = seq - state.lastSeq - 1;
  if (jump > 0 && state.received > 0) {
    const announced = Math.min(jump, state.announcedDrops);
    state.announcedDrops -= announced;
    state.gaps += jump - announced;
  }
  state.lastSeq = seq;
  state.received++;
  return true;
}

/** Seconds before asking again after the server refused the stream (it serves a limited number of clients at once). */
const refusedRetrySeconds = 10;

function connect() {
  // After a refusal the browser does not reconnect by itself: the page asks again where it stopped.
  // Relative: `/events` for a run's own dashboard, `/run/<key>/events` as a run's detail view on the runs dashboard.
  const source = new EventSource(state.lastSeq >= 0 ? `events?lastEventId=${state.lastSeq}` : 'events');
  source.onmessage = (message) => {
    const event = JSON.parse(message.data, revive);
    if (!accept(event.seq)) return;
    handle(event);
    scheduleDraw();
    if (event.type === 'run-end') source.close();
  };
  source.addEventListener('dropped', (message) => {
    const { count } = JSON.parse(message.data);
    state.dropped += count;
    state.announcedDrops += count;
    scheduleDraw();
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CONNECTING && state.status !== 'completed') setStatus('reconnecting');
    // CLOSED: the server answered with an error (503 when it has as many clients as it serves).
    if (source.readyState === EventSource.CLOSED && state.status !== 'completed') {
      setStatus('refused');
      setTimeout(connect, refusedRetrySeconds * 1000);
    }
  };
  source.onopen = () => {
    if (state.status === 'reconnecting' || state.status === 'connecting') setStatus(state.received > 0 ? 'running' : 'connected');
  };
}

// As a run's detail view on the runs dashboard, a way back to every run.
if (location.pathname.startsWith('/run/')) {
  const back = document.createElement('a');
  back.href = '/';
  back.textContent = '← all runs';
  document.querySelector('header h1').after(back);
}

connect();
