// The runs page's state, shared by its modules (runs.js reads the stream, runsTable.js and
// runsCharts.js draw), and the one timer that redraws: at most four times a second, whatever
// arrives. `window.gradstreamRuns` exposes it, for people and for tests.

/** The element of an id. */
export const $ = (id) => document.getElementById(id);

/** Everything the page holds. */
export const state = {
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
  /** Milliseconds the latest draw took (the table, the charts or both). */
  lastDrawMs: 0,
};
window.gradstreamRuns = state;

const renderers = { table: [], charts: [] };

/** Registers what draws the table or the charts. */
export function onDraw(what, render) {
  renderers[what].push(render);
}

const due = { table: false, charts: false };
let drawTimer = null;
/**
 * Asks for the table, the charts or both to be drawn again at the next redraw: 250 ms after
 * the last one, or four times as long as it took when that is longer (a page catching up on
 * tens of runs spends its time reading them rather than drawing each step of the way).
 */
export function scheduleDraw(what) {
  due.table ||= what.table === true;
  due.charts ||= what.charts === true;
  drawTimer ??= setTimeout(() => {
    drawTimer = null;
    const started = performance.now();
    if (due.table) for (const render of renderers.table) render();
    if (due.charts) for (const render of renderers.charts) render();
    due.table = due.charts = false;
    state.lastDrawMs = performance.now() - started;
    state.draws++;
  }, Math.max(250, 4 * state.lastDrawMs));
}

