// The runs page: reads the overview of every run from /events (Server-Sent Events), draws the
// selected runs overlaid with uPlot (one colour per run; a legend that hides and shows them;
// x as step or wall time; TensorBoard's smoothing; log scale), and lists them in a table that
// sorts, filters and chooses what is drawn. A run's name opens its detail view, the one-run
// dashboard at /run/<key>/. Plain browser JavaScript, an ES module served as is.
// `window.gradstreamRuns` exposes what the page holds and draws, for people and for tests.
/* global uPlot */
import { cellText, compareCells, configColumns, differingColumns, downsample, lastAndBest, matchesFilter, smooth } from './runsMath.js';

const numericKeys = new Set(['loss', 'learningRate', 'accuracy', 'samplesPerSecond', 'wallTime', 'durationSeconds', 'worstRelativeError']);
const nonFinite = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const revive = (key, value) => (typeof value === 'string' && numericKeys.has(key) && value in nonFinite ? nonFinite[value] : value);

// Twenty colours that stay apart (after Tableau's 20), one per run in the order runs are found.
const palette = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
];

const $ = (id) => document.getElementById(id);

/** Everything the page holds. */
const state = {
  /** Runs by key, in the order found. */
  runs: new Map(),
  /** Keys of the runs drawn (chosen in the table). */
  selected: new Set(),
  /** Keys whose lines the legend hid. */
  hidden: new Set(),
  /** Runs the user has chosen or unchosen: new runs are drawn unless the user chose otherwise. */
  touched: new Set(),
  ignored: [],
  xAxis: 'step',
  smoothing: 0,
  log: false,
  filter: '',
  allColumns: false,
  sort: { column: null, descending: false },
  lastSeq: -1,
  received: 0,
  dropped: 0,
  status: 'connecting',
  /** What each chart drew last: one entry per line, with the points given to uPlot. */
  drawn: {},
  /** Keys of the table's rows, in their order. */
  tableOrder: [],
  /** Draws done so far. */
  draws: 0,
};
window.gradstreamRuns = state;

// ---- runs ---------------------------------------------------------------------------------

function runOf(key) {
  let run = state.runs.get(key);
  if (!run) {
    run = {
      key, colour: palette[state.runs.size % palette.length], file: '', sourceRunId: '', status: 'running', problems: 0, lastProblem: null, fileMissing: null,
      name: null, columns: {}, seed: null, start: null, lastTime: null, alarms: 0,
      steps: { step: [], time: [], loss: [], learningRate: [] },
      evaluations: new Map(),
    };
    state.runs.set(key, run);
    if (!state.touched.has(key)) state.selected.add(key);
  }
  return run;
}

function handle(event) {
  if (event.type === 'notice:ignored') {
    state.ignored.push(`${event.file}: ${event.reason}`);
    return;
  }
  const run = runOf(event.runId);
  // The run's own events say how long it ran; the server's notices say when they were sent.
  if (!event.type.startsWith('notice:')) run.lastTime = Math.max(run.lastTime ?? 0, event.time);
  switch (event.type) {
    case 'notice:run':
      Object.assign(run, { file: event.file, sourceRunId: event.sourceRunId, status: event.status, problems: event.problems, lastProblem: event.lastProblem, fileMissing: event.fileMissing });
      break;
    case 'run-start':
      run.start ??= event.time; // a resumed run keeps its first start
      run.name = event.name ?? run.name;
      run.seed = event.seed;
      run.columns = { ...configColumns(event.config, event.training), seed: event.seed };
      if (event.environment) Object.assign(run.columns, { gradstream: event.environment.gradstream, host: event.environment.host });
      break;
    case 'step':
      run.steps.step.push(event.step);
      run.steps.time.push(event.time);
      run.steps.loss.push(event.loss);
      run.steps.learningRate.push(event.learningRate);
      break;
    case 'evaluation': {
      let series = run.evaluations.get(event.split);
      if (!series) run.evaluations.set(event.split, (series = { step: [], time: [], loss: [], accuracy: [] }));
      series.step.push(event.step);
      series.time.push(event.time);
      series.loss.push(event.loss);
      series.accuracy.push(event.accuracy);
      break;
    }
    case 'alarm':
      run.alarms++;
      break;
  }
}

/** The run's evaluations the table summarises: the validation split, else test, else the first. */
function mainEvaluations(run) {
  return run.evaluations.get('validation') ?? run.evaluations.get('test') ?? run.evaluations.values().next().value;
}

/** A run's table row: its cells by column. */
function rowOf(run) {
  const loss = lastAndBest(run.steps.loss, true);
  const evaluations = mainEvaluations(run);
  const accuracy = lastAndBest(evaluations ? evaluations.accuracy : [], false);
  const evaluationLoss = lastAndBest(evaluations ? evaluations.loss : [], true);
  const steps = run.steps.step;
  return {
    name: run.name ?? run.file,
    status: run.status,
    start: run.start,
    duration: run.start === null ? null : (run.lastTime - run.start) / 1000,
    steps: steps.length > 0 ? steps[steps.length - 1] : 0,
    ...run.columns,
    'final loss': loss.last,
    'best loss': loss.best,
    'final eval loss': evaluationLoss.last,
    'final accuracy': accuracy.last,
    'best accuracy': accuracy.best,
  };
}

const leadingColumns = ['name', 'status', 'start', 'duration', 'steps'];
const trailingColumns = ['final loss', 'best loss', 'final eval loss', 'final accuracy', 'best accuracy'];

// ---- the table ------------------------------------------------------------------------------

function clock(time) {
  if (time === null || time === undefined) return '';
  const date = new Date(time);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

function duration(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function shownCell(column, value) {
  if (column === 'start') return clock(value);
  if (column === 'duration') return duration(value);
  if (typeof value === 'number' && Number.isNaN(value)) return '';
  return cellText(value);
}

function renderTable() {
  const runs = [...state.runs.values()];
  const rows = new Map(runs.map((run) => [run.key, rowOf(run)]));
  const configKeys = [...new Set(runs.flatMap((run) => Object.keys(run.columns)))];
  const shownConfig = state.allColumns ? configKeys : differingColumns([...rows.values()], configKeys);
  const columns = [...leadingColumns, ...shownConfig, ...trailingColumns];

  const head = $('runs').tHead.rows[0];
  head.replaceChildren(document.createElement('th'), ...columns.map((column) => {
    const th = document.createElement('th');
    th.textContent = column;
    th.dataset.column = column;
    if (column === 'name') th.className = 'name';
    if (state.sort.column === column) th.classList.add(state.sort.descending ? 'sorted-descending' : 'sorted-ascending');
    return th;
  }));

  let keys = runs.filter((run) => matchesFilter(rows.get(run.key), state.filter)).map((run) => run.key);
  if (state.sort.column !== null) {
    const column = state.sort.column;
    keys = keys.sort((a, b) => compareCells(rows.get(a)[column], rows.get(b)[column], state.sort.descending));
  }
  state.tableOrder = keys;
  $('runs').tBodies[0].replaceChildren(...keys.map((key) => {
    const run = state.runs.get(key);
    const row = rows.get(key);
    const tr = document.createElement('tr');
    tr.dataset.key = key;
    if (!state.selected.has(key)) tr.className = 'off';
    const choose = document.createElement('td');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = state.selected.has(key);
    box.title = 'draw this run';
    box.dataset.key = key;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = run.colour;
    choose.append(box, ' ', swatch);
    tr.append(choose, ...columns.map((column) => {
      const td = document.createElement('td');
      if (column === 'name') {
        td.className = 'name';
        const link = document.createElement('a');
        link.href = `/run/${encodeURIComponent(key)}/`;
        link.textContent = shownCell(column, row[column]);
        link.title = `${run.file} · ${run.sourceRunId}: the run's own dashboard`;
        td.append(link);
      } else if (column === 'status') {
        const pill = document.createElement('span');
        pill.className = `pill ${run.status}`;
        pill.textContent = run.status + (run.fileMissing ? ' (file unreadable)' : '') + (run.problems > 0 ? ` · ${run.problems} bad lines` : '');
        if (run.lastProblem || run.fileMissing) pill.title = run.fileMissing ?? run.lastProblem;
        td.append(pill);
      } else {
        td.textContent = shownCell(column, row[column]);
      }
      return td;
    }));
    return tr;
  }));
  $('ignored').textContent = state.ignored.length > 0 ? `Not read: ${state.ignored.join('; ')}` : '';
  const running = runs.filter((run) => run.status === 'running').length;
  $('summary').textContent = `${runs.length} run${runs.length === 1 ? '' : 's'} (${running} running), ${state.selected.size} drawn`;
}

$('runs').tHead.addEventListener('click', (event) => {
  const column = event.target.closest('th')?.dataset.column;
  if (!column) return;
  state.sort = state.sort.column === column ? { column, descending: !state.sort.descending } : { column, descending: false };
  scheduleDraw({ table: true });
});
$('runs').tBodies[0].addEventListener('change', (event) => {
  const key = event.target.dataset?.key;
  if (!key) return;
  state.touched.add(key);
  if (event.target.checked) state.selected.add(key);
  else state.selected.delete(key);
  scheduleDraw({ table: true, charts: true });
});
$('filter').addEventListener('input', (event) => {
  state.filter = event.target.value;
  scheduleDraw({ table: true });
});
$('select-shown').addEventListener('click', () => {
  for (const key of state.tableOrder) {
    state.selected.add(key);
    state.touched.add(key);
  }
  scheduleDraw({ table: true, charts: true });
});
$('select-none').addEventListener('click', () => {
  for (const key of state.runs.keys()) state.touched.add(key);
  state.selected.clear();
  scheduleDraw({ table: true, charts: true });
});
$('all-columns').addEventListener('change', (event) => {
  state.allColumns = event.target.checked;
  scheduleDraw({ table: true });
});

// ---- the legend -----------------------------------------------------------------------------

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

// ---- the charts -----------------------------------------------------------------------------

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
      series: [
        {},
        ...lines.map((line) => ({
          label: line.label,
          stroke: line.colour,
          width: 1.5,
          ...(line.dash ? { dash: line.dash } : {}),
          paths: uPlot.paths.linear(),
          points: { show: line.points, size: 5, fill: line.colour },
          facets: [{ scale: 'x', auto: true }, { scale: 'y', auto: true }],
        })),
      ],
    }, data, this.element);
  }
}

/** The evaluation series of a run, one line per split (dashed after the first). */
const evaluationLines = (field) => (run) => [...run.evaluations.entries()].map(([split, series], index) => ({
  label: `${run.name ?? run.file} · ${split}`, dash: index === 0 ? null : [6, 4], step: series.step, time: series.time, values: series[field],
}));

const charts = [
  new OverlayChart('chart-loss', 'Training loss', { yLabel: 'loss', logScale: true, series: (run) => [{ step: run.steps.step, time: run.steps.time, values: run.steps.loss }] }),
  new OverlayChart('chart-eval-loss', 'Evaluation loss', { yLabel: 'loss', logScale: true, series: evaluationLines('loss') }),
  new OverlayChart('chart-eval-accuracy', 'Evaluation accuracy', { yLabel: 'accuracy', unitRange: true, series: evaluationLines('accuracy') }),
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

// ---- drawing, at most four times a second ------------------------------------------------------

const due = { table: false, charts: false };
let drawTimer = null;
function scheduleDraw(what) {
  due.table ||= what.table === true;
  due.charts ||= what.charts === true;
  drawTimer ??= setTimeout(() => {
    drawTimer = null;
    if (due.table) renderTable();
    if (due.charts) {
      renderLegend();
      for (const chart of charts) chart.draw();
    }
    due.table = due.charts = false;
    state.draws++;
  }, 250);
}

// ---- the stream -------------------------------------------------------------------------------

const refusedRetrySeconds = 10;

function setStatus(status) {
  state.status = status;
  const pill = $('status');
  pill.textContent = status;
  pill.className = `pill ${status === 'live' ? 'running' : status}`;
}

function connect() {
  const source = new EventSource(state.lastSeq >= 0 ? `/events?lastEventId=${state.lastSeq}` : '/events');
  source.onopen = () => setStatus('live');
  source.onmessage = (message) => {
    const event = JSON.parse(message.data, revive);
    if (event.seq <= state.lastSeq) return;
    state.lastSeq = event.seq;
    state.received++;
    handle(event);
    scheduleDraw({ table: true, charts: true });
  };
  source.addEventListener('dropped', (message) => {
    state.dropped += JSON.parse(message.data).count;
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CONNECTING) setStatus('reconnecting');
    if (source.readyState === EventSource.CLOSED) {
      setStatus('refused');
      setTimeout(connect, refusedRetrySeconds * 1000);
    }
  };
}

connect();
scheduleDraw({ table: true, charts: true });
