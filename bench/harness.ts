/**
 * Timing for the benchmark: medians of repetitions after warm-up, and candidates run in
 * interleaved rounds so that a burst of load on a shared machine hits all of them alike.
 * Ratios are only ever taken between figures of the same run.
 */

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: no values');
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The first and third quartiles of a non-empty list, as text (`1.012–1.064`): how far ratios taken round by round spread. */
export function quartiles(values: readonly number[], decimals = 3): string {
  const sorted = values.slice().sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
  return `${at(0.25).toFixed(decimals)}–${at(0.75).toFixed(decimals)}`;
}

/**
 * A distribution-free confidence interval for the median of a list: the k-th smallest and
 * the k-th largest value, k the largest rank such that a fair coin gives at most k − 1 heads
 * in n tosses with probability at most (1 − confidence) / 2. Null when the list is too short
 * for that confidence (fewer than 6 values at 95%).
 */
export function medianInterval(values: readonly number[], confidence = 0.95): readonly [number, number] | null {
  const n = values.length;
  const tail = (1 - confidence) / 2;
  // P(heads ≤ j) for j = 0, 1, …, accumulated until it passes the tail.
  let probability = 0.5 ** n;
  let cumulative = probability;
  let k = 0;
  for (let j = 0; cumulative <= tail && j < n; j++) {
    k = j + 1;
    probability *= (n - j) / (j + 1);
    cumulative += probability;
  }
  if (k === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  return [sorted[k - 1]!, sorted[n - k]!];
}

/** {@link medianInterval} as text (`0.981–1.042`), or `—` when there are too few values. */
export function medianIntervalText(values: readonly number[], decimals = 3): string {
  const interval = medianInterval(values);
  return interval ? `${interval[0].toFixed(decimals)}–${interval[1].toFixed(decimals)}` : '—';
}

/** Ratios taken round by round as text: their median, and its 95% interval when there are enough (`1.011× (95% interval of the median 0.967–1.099)`). */
export function describeRatios(ratios: readonly number[]): string {
  const interval = medianInterval(ratios);
  return `${median(ratios).toFixed(3)}×${interval ? ` (95% interval of the median ${interval[0].toFixed(3)}–${interval[1].toFixed(3)})` : ''}`;
}

/**
 * Whether ratios taken round by round meet a goal of at most `goal` (or, with
 * `direction` 'at least', of at least `goal`): by their median, and by the whole of the
 * median's 95% interval. Says which, with the figures. Default direction 'at most'.
 */
export function verdict(ratios: readonly number[], goal: number, direction: 'at most' | 'at least' = 'at most'): { met: boolean; text: string } {
  const middle = median(ratios);
  const interval = medianInterval(ratios);
  const figures = describeRatios(ratios);
  const misses = (value: number) => (direction === 'at most' ? value > goal : value < goal);
  if (misses(middle)) return { met: false, text: `${figures} — not met` };
  if (interval && misses(direction === 'at most' ? interval[1] : interval[0])) return { met: true, text: `${figures} — met by the median, though the interval reaches past the goal` };
  return { met: true, text: `${figures} — met` };
}

/**
 * Round by round, the rate of A over the rate of B, a rate being repetitions per second:
 * (repetitionsA / secondsA[r]) / (repetitionsB / secondsB[r]). Both lists hold one sample
 * per round of the same {@link interleave}.
 */
export function rateRatios(secondsA: readonly number[], repetitionsA: number, secondsB: readonly number[], repetitionsB: number): number[] {
  if (secondsA.length !== secondsB.length) throw new RangeError(`rateRatios: expected one sample per round in both lists, got ${secondsA.length} and ${secondsB.length}`);
  return secondsA.map((seconds, round) => (repetitionsA / seconds) / (repetitionsB / secondsB[round]!));
}

/** Something to time: one repetition runs `work` once (it may loop inside) and returns nothing or a promise. */
export interface Candidate {
  readonly name: string;
  /** Runs once before a round's timed repetition (switching backends, for example); not timed. */
  readonly prepare?: () => void | Promise<void>;
  readonly work: () => void | Promise<void>;
}

/** Options of {@link interleave}. */
export interface InterleaveOptions {
  /** Untimed rounds first (the JIT compiles, WebAssembly tiers up). Default 2. */
  readonly warmup?: number;
  /** Timed rounds. Default 7. */
  readonly rounds?: number;
}

/**
 * Times each candidate once per round, round after round, and returns every candidate's
 * seconds per repetition, one sample per round.
 */
export async function interleave(candidates: readonly Candidate[], options: InterleaveOptions = {}): Promise<Map<string, number[]>> {
  const warmup = options.warmup ?? 2;
  const rounds = options.rounds ?? 7;
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (const candidate of candidates) {
      await candidate.prepare?.();
      const start = performance.now();
      await candidate.work();
      const seconds = (performance.now() - start) / 1000;
      if (round >= warmup) samples.get(candidate.name)!.push(seconds);
    }
  }
  return samples;
}

/**
 * How many repetitions of `work` fill about `seconds` (at least 1): a first call (which
 * also warms up) and, unless that one alone took long enough, a second, timed call.
 */
export async function repetitionsFor(work: () => void | Promise<void>, seconds: number): Promise<number> {
  const timeOnce = async () => {
    const start = performance.now();
    await work();
    return Math.max(1e-6, (performance.now() - start) / 1000);
  };
  const first = await timeOnce();
  if (first >= seconds) return 1;
  return Math.max(1, Math.round(seconds / (await timeOnce())));
}

/** `work` repeated `times` times, as one candidate's work. */
export function repeated(work: () => void, times: number): () => void {
  return () => {
    for (let i = 0; i < times; i++) work();
  };
}

/** Least-squares slope of y against x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    covariance += (xs[i]! - meanX) * (ys[i]! - meanY);
    variance += (xs[i]! - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}
