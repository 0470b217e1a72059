/**
 * Collects the comparisons of one check: counts everything, keeps a bounded list of
 * mismatches and kinks, and remembers the most telling comparison.
 */
import { relativeError, type GradientComparison, type Kink } from '../report/report.ts';
import type { Judgement } from './judge.ts';

/** Where a comparison was made. */
export interface Site {
  readonly tensor: string;
  readonly index: readonly number[];
  readonly probe?: number | undefined;
  readonly input: number;
}

/** The collected comparisons. */
export interface TallyResult {
  readonly compared: number;
  readonly mismatches: readonly GradientComparison[];
  readonly mismatchCount: number;
  readonly kinks: readonly Kink[];
  readonly kinkCount: number;
  readonly worst?: GradientComparison | undefined;
  readonly nonFinite: number;
}

/** Relative errors count as resolved only for gradients this many times above their tolerance. */
const resolvedRatio = 1e3;

/**
 * A collector for at most `maxListed` mismatches and kinks each. With `allowNonFinite` (a layer
 * that states why it may produce NaN or ±∞), a non-finite analytic or numeric value is counted
 * in `nonFinite` instead of being compared.
 */
export function createTally(maxListed: number, allowNonFinite = false) {
  const mismatches: GradientComparison[] = [];
  const kinks: Kink[] = [];
  let compared = 0, mismatchCount = 0, kinkCount = 0, nonFinite = 0;
  let worstMismatch: GradientComparison | undefined;
  let worstResolved: GradientComparison | undefined;

  return {
    /** Records one judged comparison; returns it. */
    record(site: Site, analytic: number, judgement: Judgement): GradientComparison | undefined {
      if (allowNonFinite && !(Number.isFinite(analytic) && Number.isFinite(judgement.numeric))) {
        nonFinite++;
        return undefined;
      }
      compared++;
      const comparison = toComparison(site, analytic, judgement);
      if (judgement.kink) {
        kinkCount++;
        if (kinks.length < maxListed) kinks.push({ ...site, analytic, ...judgement.kink, ok: judgement.ok, ...(judgement.explained ? { explained: judgement.explained } : {}) });
      }
      if (!judgement.ok) {
        mismatchCount++;
        if (mismatches.length < maxListed) mismatches.push(comparison);
        if (!worstMismatch || !(comparison.relativeError <= worstMismatch.relativeError)) worstMismatch = comparison;
      } else if (!judgement.kink && Math.max(Math.abs(analytic), Math.abs(judgement.numeric)) >= resolvedRatio * judgement.tolerance) {
        if (!worstResolved || comparison.relativeError > worstResolved.relativeError) worstResolved = comparison;
      }
      return comparison;
    },
    result(): TallyResult {
      const worst = worstMismatch ?? worstResolved;
      return { compared, mismatches, mismatchCount, kinks, kinkCount, nonFinite, ...(worst ? { worst } : {}) };
    },
  };
}

/** The collector {@link createTally} returns. */
export type Tally = ReturnType<typeof createTally>;

function toComparison(site: Site, analytic: number, judgement: Judgement): GradientComparison {
  const absoluteError = Math.abs(analytic - judgement.numeric);
  return {
    ...site,
    analytic,
    numeric: judgement.numeric,
    absoluteError,
    relativeError: relativeError(analytic, judgement.numeric),
    tolerance: judgement.tolerance,
    ...(judgement.kink ? { kink: judgement.kink } : {}),
  };
}
