/**
 * How the runner words a worker's stop: a verdict for the table, and what happened, said of a
 * module while it loaded, of a spec while it was checked, or of a worker between two jobs.
 */
import type { Stop } from './specThread.ts';

/** What the worker was doing when it stopped. */
export type Phase = 'loading' | 'checking' | 'idle';

const during: Readonly<Record<Phase, string>> = { loading: 'while loading', checking: 'while being checked', idle: 'between checks' };

/** A stop in words. */
export interface StopWords {
  /** The table's verdict: `TIMED OUT`, `OUT OF MEMORY`, `EXITED`, `NEVER SETTLED`, `CRASHED`. */
  readonly verdict: string;
  /** What happened, starting with a verb: `did not finish within 60 s (--timeout): …`. */
  readonly happened: string;
}

/** The words for `stop` during `phase`. */
export function describeStop(stop: Stop, phase: Phase): StopWords {
  const loading = phase === 'loading';
  switch (stop.reason) {
    case 'timeout':
      return {
        verdict: 'TIMED OUT',
        happened: loading
          ? `did not finish loading within ${stop.seconds} s (--timeout): its top-level code loops, or waits for something that does not come`
          : `did not finish within ${stop.seconds} s (--timeout): a forward or backward that never returns, or a check too slow for the runs asked (--runs)`,
      };
    case 'out-of-memory':
      return {
        verdict: 'OUT OF MEMORY',
        happened: `ran out of memory ${during[phase]}: the worker's heap passed its limit of ${stop.memoryMb} MB (--memory)`,
      };
    case 'exit':
      return {
        verdict: 'EXITED',
        happened: `called process.exit(${stop.code}) ${during[phase]}; a spec module must not end the process, and nothing it would have checked counts as passed`,
      };
    case 'unsettled':
      return {
        verdict: 'NEVER SETTLED',
        happened: loading
          ? 'never finished loading: its top-level await waits on a promise that nothing settles (nothing was left to run)'
          : 'never finished: it waits on a promise that nothing settles (nothing was left to run)',
      };
    case 'crash':
      return { verdict: 'CRASHED', happened: `crashed ${during[phase]}: ${stop.message}` };
  }
}
