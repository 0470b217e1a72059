/**
 * Runs the finite-difference comparison in the chosen mode and turns its tally into the
 * `gradient` check of a report.
 */
import type { Random } from '../../tensor/random.ts';
import type { CheckResult, GradientMode } from '../report/report.ts';
import { conditionNoise, type Objective } from './objective.ts';
import { createTally, type TallyResult } from './tally.ts';
import { compareCoordinates, type CoordinatesJudge } from './fullMode.ts';
import { compareProbes } from './fastMode.ts';
import { formatComparison } from '../report/formatReport.ts';

/** How to compare. */
export interface CompareOptions {
  readonly mode: GradientMode;
  readonly random: Random;
  readonly probes: number;
  readonly maxListed: number;
  /** The layer or loss name, for the check's detail. */
  readonly owner: string;
  /** Count non-finite values instead of comparing them (the layer states why it may produce them). */
  readonly allowNonFinite?: boolean | undefined;
  /** Full mode: how the coordinates are judged alone. Default: in this thread, in order. */
  readonly judgeCoordinates?: CoordinatesJudge | undefined;
}

/** The tally of every comparison and the `gradient` check it amounts to. */
export function compareGradients(objective: Objective, options: CompareOptions): TallyResult & { check: CheckResult } {
  if (!Number.isInteger(options.probes) || options.probes < 1) throw new RangeError(`probes: expected an integer ≥ 1, got ${options.probes}`);
  const tally = createTally(options.maxListed, options.allowNonFinite ?? false);
  const conditioned = { ...objective, conditionNoise: conditionNoise(objective.variables) };
  if (options.mode === 'full') compareCoordinates(conditioned, tally, options.random, options.judgeCoordinates);
  else compareProbes(conditioned, options.random, options.probes, tally);
  const result = tally.result();
  const check: CheckResult =
    result.mismatchCount === 0
      ? { name: 'gradient', ok: true, ...(result.nonFinite > 0 ? { detail: `${result.nonFinite} non-finite values not compared` } : {}) }
      : {
          name: 'gradient',
          ok: false,
          detail: `${result.mismatchCount} of ${result.compared} ${options.mode === 'full' ? 'coordinates' : 'probes'} disagree with finite differences; worst ${formatComparison(options.owner, result.worst!)}`,
        };
  return { ...result, check };
}
