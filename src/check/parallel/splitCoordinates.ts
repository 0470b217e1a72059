/**
 * Full mode on several threads: the coordinates of the variables laid end to end (x, then each
 * parameter) are cut into contiguous ranges of equal length, one per thread; the thread that
 * runs the check judges the first range itself while workers judge the others, each with the
 * code it would run alone (`coordinateJob.ts`), and the judgements are put back in order.
 *
 * Only the judgements of coordinates alone are split. Tie groups are judged after the merge, on
 * the whole, where the check runs: a group's members may lie in different ranges (equal entries
 * of x and of W), its footprints come from samples of all of them, and its random mixtures are
 * drawn from the check's one stream in the order a single thread draws them. Ties are rare and
 * cost a few evaluations each, against four or more per coordinate, so the split loses little.
 * The report is then the one a single thread gives: the same judgements, recorded in the same
 * order, the same draws, and the same count of forward passes (each worker's are added).
 *
 * A worker that cannot build the layer, or whose layer does not give the check's output bit
 * for bit, answers so, and its range is judged where the check runs.
 */
import type { ForwardContext, Layer } from '../../layers/contract.ts';
import { judgeCoordinateRange, type CoordinatesJudge, type VariableJudgements } from '../numeric/fullMode.ts';
import type { LayerPoint } from '../numeric/layerObjective.ts';
import type { Objective, Span } from '../numeric/objective.ts';
import type { CoordinateAnswer, CoordinateJob } from './coordinateJob.ts';
import { installedCoordinateWorkers } from './threadSlot.ts';
import { layerSourceOf, type LayerSource } from './layerSource.ts';
import { messageOf } from '../../util/errorText.ts';

/**
 * Below this much work, coordinates × the numbers one forward pass reads and writes (x, the
 * parameters, y), a check stays in one thread: 2²⁶ is about 0.2 s of forward passes on a quiet
 * core, where a round trip to a worker (a few ms) and its first start (a second or more from
 * TypeScript source) are small beside the half saved. dense(128, 128) at batch 1 is above it,
 * dense(64, 64) below.
 */
export const defaultWorkerThreshold = 2 ** 26;

/** How one check's coordinates were judged. */
export type ThreadsOutcome =
  | {
      /** Threads that judged the coordinates, the checking thread included. */
      readonly threads: number;
      /** Absent: the coordinates were split. */
      readonly reason?: undefined;
    }
  | {
      /** In one thread although more were asked. */
      readonly threads: 1;
      /** Why. */
      readonly reason: string;
    };

/** What a split needs from the check. */
export interface SplitSetting {
  readonly layer: Layer;
  readonly context: ForwardContext;
  readonly point: LayerPoint;
  /** Threads in all, the check's own included. */
  readonly workers: number;
  readonly threshold: number;
  readonly source?: LayerSource | undefined;
  /** Adds the forward passes workers ran to the check's count. */
  readonly chargeForward: (count: number) => void;
  /** Told how the coordinates were judged. */
  readonly onOutcome?: ((outcome: ThreadsOutcome) => void) | undefined;
}

/** The {@link CoordinatesJudge} that splits as the module's comment says. */
export function splitCoordinates(setting: SplitSetting): CoordinatesJudge {
  return (objective, whole) => {
    const alone = (reason: string) => {
      setting.onOutcome?.({ threads: 1, reason });
      return judgeCoordinateRange(objective, whole);
    };
    const { layer, point } = setting;
    const perPass = point.input.size + point.y.size + Object.values(layer.params).reduce((sum, t) => sum + t.size, 0);
    const count = whole.end - whole.start;
    if (count * perPass < setting.threshold) return alone(`less work than the threshold of ${setting.threshold} (coordinates × numbers per forward pass)`);
    const found = layerSourceOf(layer, setting.source);
    if ('reason' in found) return alone(found.reason);
    const modules = found.source.kind === 'builtin' || found.source.module === null ? [] : [found.source.module];
    const workers = installedCoordinateWorkers();
    if (!workers) return alone("no coordinate workers are installed here (they are Node's worker threads: gradstream's Node entry installs them)");
    let threads;
    try {
      threads = workers(modules, Math.min(setting.workers, count) - 1);
    } catch (error) {
      return alone(`no worker could be started: ${messageOf(error)}`);
    }
    if (threads.length === 0) return alone('no worker could be started');
    const ranges = contiguousRanges(whole, threads.length + 1);
    const shared = jobFields(objective, setting, found.source);
    threads.forEach((thread, i) => thread.post({ ...shared, range: ranges[i + 1]! }));
    const parts: VariableJudgements[][] = [judgeCoordinateRange(objective, ranges[0]!)];
    const answers: CoordinateAnswer[] = threads.map((thread) => thread.take());
    const refused: string[] = [];
    answers.forEach((answer, i) => {
      if (answer.ok) {
        setting.chargeForward(answer.forward);
        parts.push(answer.judgements);
      } else {
        refused.push(answer.reason);
        parts.push(judgeCoordinateRange(objective, ranges[i + 1]!));
      }
    });
    setting.onOutcome?.(refused.length === 0 ? { threads: ranges.length } : { threads: 1, reason: `a worker refused its share: ${refused[0]}` });
    return mergeJudgements(parts);
  };
}

/** [start, end) cut into `parts` contiguous ranges whose lengths differ by at most one. */
export function contiguousRanges({ start, end }: Span, parts: number): Span[] {
  const length = end - start;
  return Array.from({ length: parts }, (_, i) => ({ start: start + Math.floor((i * length) / parts), end: start + Math.floor(((i + 1) * length) / parts) }));
}

/** Judgements of consecutive ranges put together, variable by variable, in range order. */
export function mergeJudgements(parts: readonly VariableJudgements[][]): VariableJudgements[] {
  return parts[0]!.map((_, v) => ({
    judged: parts.flatMap((part) => part[v]!.judged),
    samples: new Map(parts.flatMap((part) => [...part[v]!.samples])),
  }));
}

/** The job's fields every range shares: the point as data. */
function jobFields(objective: Objective, { layer, context, point }: SplitSetting, source: LayerSource): Omit<CoordinateJob, 'range'> {
  const data = (tensors: Readonly<Record<string, { data: Float64Array }>>) => Object.fromEntries(Object.entries(tensors).map(([key, t]) => [key, t.data.slice()]));
  return {
    source,
    context: { training: context.training, step: context.step },
    params: data(layer.params),
    buffers: data(layer.buffers ?? {}),
    input: { data: point.input.data.slice(), shape: point.input.shape },
    y: { data: point.y.data.slice(), shape: point.y.shape },
    dy: point.dy.data.slice(),
    yMagnitude: point.yMagnitude.slice(),
    variables: objective.variables.map((v) => ({ name: v.name, analytic: v.analytic.data.slice(), ...(v.analyticMagnitude ? { analyticMagnitude: v.analyticMagnitude.slice() } : {}) })),
    conditionNoise: objective.conditionNoise ?? 0,
  };
}
