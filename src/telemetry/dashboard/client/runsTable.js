// The runs table: one row per run (name, status, start, duration, steps, the configuration
// columns, final and best loss and accuracy), sorted by a click on a column, filtered by the
// words typed, and choosing which runs the charts draw.
import { cellText, compareCells, differingColumns, lastAndBest, matchesFilter } from './runsMath.js';
import { $, onDraw, scheduleDraw, state } from './runsState.js';

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
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
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

/** Draws the table again. */
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

onDraw('table', renderTable);
