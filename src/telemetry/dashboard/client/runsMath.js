// The runs page's arithmetic, apart from the page so that it is tested on its own (see
// runsMath.d.ts for the types): smoothing as TensorBoard does it, downsampling for drawing,
// configurations flattened into columns, the table's order and filter, a run's summary.
// Plain browser JavaScript, an ES module served as is.

/**
 * TensorBoard's scalar smoothing: an exponential moving average started at 0 and debiased.
 * With weight w and the finite values y₁, y₂, … in order:
 *
 *     last₀ = 0,  lastₙ = w·lastₙ₋₁ + (1 − w)·yₙ,  smoothedₙ = lastₙ / (1 − wⁿ)
 *
 * Dividing by 1 − wⁿ undoes the pull towards the starting 0 (for a constant c, lastₙ is
 * c·(1 − wⁿ)), so the first smoothed value is y₁ itself. Values that are not finite (NaN,
 * ±Infinity, null) pass through unsmoothed and do not count in n; a series whose values are
 * all equal is returned as it is (the division would only add rounding); w = 0 returns the
 * values. w must lie in [0, 1).
 */
export function smooth(values, weight) {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smooth: the weight must lie in [0, 1), got ${weight}`);
  const out = new Array(values.length);
  const first = values[0];
  if (weight === 0 || values.every((value) => value === first)) {
    for (let i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      out[i] = value;
      continue;
    }
    last = last * weight + (1 - weight) * value;
    count++;
    out[i] = last / (1 - weight ** count);
  }
  return out;
}

/**
 * At most about `maxPoints` points of a series for drawing, its shape kept: the points are cut
 * into maxPoints / 2 runs of consecutive points, and each run gives its lowest and its highest
 * point, in their order (so a spike stays a spike); the first and last points always stay. A
 * value that is not finite in a run gives a gap (null) at its place. A series of at most
 * `maxPoints` points is returned as it is. Only the drawing is thinned: the values kept are
 * the series' own.
 */
export function downsample(xs, ys, maxPoints) {
  const n = xs.length;
  if (n <= maxPoints) return { xs: Array.from(xs), ys: Array.from(ys) };
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const outX = [xs[0]];
  const outY = [finiteOrNull(ys[0])];
  const size = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(b * size);
    const end = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    let low = -1;
    let high = -1;
    let gap = -1;
    for (let i = start; i < end; i++) {
      const y = ys[i];
      if (typeof y !== 'number' || !Number.isFinite(y)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (low < 0 || y < ys[low]) low = i;
      if (high < 0 || y > ys[high]) high = i;
    }
    const picks = [low, high, gap].filter((i, k, all) => i >= 0 && all.indexOf(i) === k).sort((a, b) => a - b);
    for (const i of picks) {
      outX.push(xs[i]);
      outY.push(i === gap ? null : ys[i]);
    }
  }
  outX.push(xs[n - 1]);
  outY.push(finiteOrNull(ys[n - 1]));
  return { xs: outX, ys: outY };
}

function finiteOrNull(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A configuration as columns: nested objects flattened into dotted keys (`optimizer.lr`),
 * arrays and other values kept as they are (an array is one column).
 */
export function flatten(value, prefix = '', into = {}) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (prefix !== '') into[prefix] = value;
    return into;
  }
  const keys = Object.keys(value);
  if (keys.length === 0 && prefix !== '') into[prefix] = value;
  for (const key of keys) flatten(value[key], prefix === '' ? key : `${prefix}.${key}`, into);
  return into;
}

/**
 * The columns of a run's configuration: its own `config` (what was given to `train`), then what
 * the trainer recorded of itself (`training`) under names of their own unless the config uses
 * them too (then `training.` goes before). A run recorded before `training` existed has it all
 * in `config`, whose names are those of `training`'s: the two line up.
 */
export function configColumns(config, training) {
  const own = flatten(config ?? {});
  const columns = { ...own };
  for (const [key, value] of Object.entries(flatten(training ?? {}))) {
    columns[key in own ? `training.${key}` : key] = value;
  }
  return columns;
}

/** A value as a table cell shows it. */
export function cellText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A number in 4 significant digits, or exponential when very small or large. */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  if (magnitude >= 1e-3 && magnitude < 1e6) return String(Number(value.toPrecision(4)));
  return value.toExponential(3);
}

/**
 * The table's order of two cells: numbers by value, anything else by its text (numerically
 * aware: `run 2` before `run 10`); empty cells last whichever the direction.
 */
export function compareCells(a, b, descending = false) {
  const emptyA = a === undefined || a === null || a === '' || (typeof a === 'number' && Number.isNaN(a));
  const emptyB = b === undefined || b === null || b === '' || (typeof b === 'number' && Number.isNaN(b));
  if (emptyA || emptyB) return emptyA === emptyB ? 0 : emptyA ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : cellText(a).localeCompare(cellText(b), undefined, { numeric: true });
  return descending ? -order : order;
}

/**
 * Whether a row passes the filter: every word of it must. A word `column=value` wants that
 * column's text equal to value, `column>x` and `column<x` its number above or below x; any
 * other word must appear (any case) in the row's text. `cells` maps a column to its value.
 */
export function matchesFilter(cells, filter) {
  const words = filter.trim().split(/\s+/).filter((word) => word !== '');
  const text = Object.values(cells).map(cellText).join(' ').toLowerCase();
  return words.every((word) => {
    const compared = /^([^=<>]+)([=<>])(.*)$/.exec(word);
    if (compared && compared[1] in cells) {
      const [, column, operator, wanted] = compared;
      const value = cells[column];
      if (operator === '=') return cellText(value).toLowerCase() === wanted.toLowerCase();
      const number = Number(wanted);
      if (typeof value !== 'number' || wanted === '' || !Number.isFinite(number)) return false;
      return operator === '>' ? value > number : value < number;
    }
    return text.includes(word.toLowerCase());
  });
}

/** The columns whose values are not the same in every run (all of them for a single run). */
export function differingColumns(rows, columns) {
  if (rows.length <= 1) return columns;
  return columns.filter((column) => {
    const first = cellText(rows[0][column]);
    return rows.some((row) => cellText(row[column]) !== first);
  });
}

/** The last and the best of a series: the lowest when `lowerIsBetter`, else the highest; NaN for none. Values not finite are passed over. */
export function lastAndBest(values, lowerIsBetter) {
  let last = Number.NaN;
  let best = Number.NaN;
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    last = value;
    if (Number.isNaN(best) || (lowerIsBetter ? value < best : value > best)) best = value;
  }
  return { last, best };
}
