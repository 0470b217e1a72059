/**
 * How the cases of a property were judged, when more threads were asked: how many had their
 * coordinates split, and why the others stayed in one thread (each reason once, with its count).
 */
import type { ThreadsOutcome } from './splitCoordinates.ts';

/** Cases split across threads, and the reasons the others stayed in one. */
export interface ThreadsSummary {
  /** Cases whose coordinates were split. */
  readonly split: number;
  /** The most threads one case used (1 when none was split). */
  readonly threads: number;
  /** Cases judged in one thread, by reason. */
  readonly alone: readonly {
    /** Why (see {@link ThreadsOutcome}). */
    readonly reason: string;
    /** How many cases. */
    readonly cases: number;
  }[];
}

/** A summary that `record` feeds, one outcome per case in full mode. */
export function createThreadsSummary() {
  let split = 0, threads = 1;
  const alone = new Map<string, number>();
  return {
    record: (outcome: ThreadsOutcome): void => {
      if (outcome.reason === undefined) {
        split++;
        threads = Math.max(threads, outcome.threads);
      } else alone.set(outcome.reason, (alone.get(outcome.reason) ?? 0) + 1);
    },
    summary: (): ThreadsSummary => ({ split, threads, alone: [...alone].map(([reason, cases]) => ({ reason, cases })) }),
  };
}
