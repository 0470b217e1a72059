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
