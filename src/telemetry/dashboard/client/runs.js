// The runs page: reads the overview of every run from /events (Server-Sent Events), draws the
// selected runs overlaid with uPlot (one colour per run; a legend that hides and shows them;
// x as step or wall time; TensorBoard's smoothing; log scale), and lists them in a table that
// sorts, filters and chooses what is drawn. A run's name opens its detail view, the one-run
// dashboard at /run/<key>/. Plain browser JavaScript, an ES module served as is.
// The page's parts: runsState.js (what it holds, the redraw), runsTable.js, runsCharts.js,
// runsMath.js (the arithmetic).
import { configColumns } from './runsMath.js';
import { scheduleDraw, state, $ } from './runsState.js';
import './runsTable.js';
import './runsCharts.js';

const numericKeys = new Set(['loss', 'learningRate', 'accuracy', 'samplesPerSecond', 'wallTime', 'durationSeconds', 'worstRelativeError']);
const nonFinite = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const revive = (key, value) => (typeof value === 'string' && numericKeys.has(key) && value in nonFinite ? nonFinite[value] : value);
/** An event from its line: the reviver, which costs a call per value, only for a line that may hold a NaN or an infinity. */
const parse = (data) => (data.includes('"NaN"') || data.includes('Infinity"') || data.includes('\\u') ? JSON.parse(data, revive) : JSON.parse(data));

// Twenty colours that stay apart (after Tableau's 20), one per run in the order runs are found.
const palette = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
];

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
    const event = parse(message.data);
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
