/**
 * Per-layer statistics from a run's taps, computed lazily and per listener. Nothing is
 * computed, and the runtime builds no tap message, unless something subscribes; each
 * subscriber chooses its own rate (every N steps, or at most every T ms) and pays only for
 * the steps it samples: one pass over the layer's output, and one over its gradients,
 * updates and parameters; on the samples with distributions (at most one a second by
 * default), a copy of each and a selection of their quantiles (`distributions.ts`). Between samples the runtime builds no tap message
 * either, but the step boundary's.
 */
import { Observable, type Subscription } from 'rxjs';
import type { GraphNode } from '../graph/graph.ts';
import type { ForwardTap, Taps, UpdateTap } from '../graph/taps.ts';
import type { EventBody, LayerStatsEvent } from './events.ts';
import { activationStatistics, addParameterUpdate, parameterSums, saturationOf, updateRatio, type ActivationStatistics, type ParameterSums } from './statistics.ts';
import { assertRun } from './attach.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import { LayerDistributions } from './distributions.ts';

/** How often a listener wants statistics. */
export interface LayerStatsOptions {
  /** Sample steps whose number is a multiple of this. */
  readonly everySteps?: number | undefined;
  /** Sample the first step after at least this many ms since the last sampled one. Default 250 when `everySteps` is absent. */
  readonly everyMs?: number | undefined;
  /** Only these nodes (by name). Default every layer node. */
  readonly layers?: readonly string[] | undefined;
  /**
   * Add each layer's distributions (`quantiles`: nine quantiles of its outputs, parameters
   * and gradients) to its statistics: on every sample (`true`), on none (`false`), or on the
   * first sample at least `everyMs` after the last one that had them (`{ everyMs }`; the
   * run's first sample has them). The values are copied as they pass and selected at the
   * boundary (about 1 ms for dense(784, 128)'s 100,352 weights, five times what the other
   * statistics of a sample cost), and the copies are kept between samples: twice the layer's
   * parameters and once its output, in float64. Default `{ everyMs: 1000 }`: a band chart or
   * a histogram needs no more than one a second.
   */
  readonly distributions?: boolean | {
    /** The least time between two samples with distributions, in milliseconds. */
    readonly everyMs: number;
  };
}

/** What layer statistics are computed from: a run handle's taps and graph. */
export interface TappedRun {
  /** The run's taps: forward activations, updates and step boundaries are read. */
  readonly taps: Taps;
  /** The graph being trained (a `Graph` fits). */
  readonly graph: {
    /** Its nodes; layer nodes get statistics. */
    readonly nodes: readonly GraphNode[];
  };
}

/** A layer-stats event before its header (run id, seq, time) is stamped on. */
export type LayerStatsBody = EventBody<LayerStatsEvent>;

/**
 * What is gathered for one layer during a sampled step. Each parameter's arrays are read once,
 * in one pass, as its update arrives, and not kept: its delta is garbage right after.
 */
interface Gathered {
  activation: ActivationStatistics | null;
  sums: ParameterSums;
  /** Parameters added to the sums. */
  parameters: number;
  /** Copies of the layer's values for its quantiles, or null without distributions. */
  distributions: LayerDistributions | null;
}

/**
 * Per-layer statistics of sampled steps, one body per layer node, emitted at the step's
 * boundary (after the optimizer update), in graph order. Activations are those of the
 * step's first microbatch; gradients are the step's (summed over microbatches); the
 * parameter norm and the update ratio refer to the parameters before the update.
 */
export function layerStats$(run: TappedRun, options: LayerStatsOptions = {}): Observable<LayerStatsBody> {
  assertRun(run, 'layerStats$');
  assertOptions(options, 'layerStats$');
  const everySteps = positiveOrUndefined(options.everySteps, 'everySteps');
  const everyMs = positiveOrUndefined(options.everyMs, 'everyMs') ?? (everySteps === undefined ? 250 : undefined);
  const wanted = (node: GraphNode): boolean => node.kind === 'layer' && (!options.layers || options.layers.includes(node.name));
  const nodes = run.graph.nodes.filter(wanted);
  const distributionsEveryMs = distributionRate(options.distributions ?? { everyMs: defaultDistributionsEveryMs });
  if (options.layers) {
    const unknown = options.layers.filter((name) => !nodes.some((node) => node.name === name));
    if (unknown.length > 0) throw new RangeError(`layerStats$: no layer node named ${unknown.join(', ')}; the graph's layer nodes are ${run.graph.nodes.filter((n) => n.kind === 'layer').map((n) => n.name).join(', ')}`);
  }

  return new Observable<LayerStatsBody>((subscriber) => {
    let sampledStep = -1;
    let lastSampleTime = Number.NEGATIVE_INFINITY;
    let gathered = new Map<GraphNode, Gathered>();
    // Kept from sample to sample, so that copying the values allocates nothing once grown;
    // taken from the layer's spare copies and given back when this listener leaves.
    const kept = new Map<GraphNode, LayerDistributions>();
    let lastDistributionTime = Number.NEGATIVE_INFINITY;
    let distributionsNow = false;
    const distributionsOf = (node: GraphNode): LayerDistributions | null => {
      if (!distributionsNow) return null;
      let found = kept.get(node);
      if (!found) kept.set(node, (found = takeDistributions(node)));
      found.begin();
      return found;
    };
    const mayBeDue = (step: number): boolean =>
      everySteps !== undefined ? step % everySteps === 0 : performance.now() - lastSampleTime >= everyMs!;
    const isSampled = (step: number): boolean => {
      if (step === sampledStep) return true;
      if (!mayBeDue(step) || step <= sampledStep) return false;
      sampledStep = step;
      lastSampleTime = performance.now();
      distributionsNow = distributionsEveryMs !== null && lastSampleTime - lastDistributionTime >= distributionsEveryMs;
      if (distributionsNow) lastDistributionTime = lastSampleTime;
      gathered = new Map();
      return true;
    };
    const entry = (node: GraphNode): Gathered => {
      let found = gathered.get(node);
      if (!found) gathered.set(node, (found = { activation: null, sums: parameterSums(), parameters: 0, distributions: distributionsOf(node) }));
      return found;
    };

    const onUpdate = ({ step, parameter, gradient, delta, value }: UpdateTap): void => {
      if (step !== sampledStep) return;
      for (const { node } of parameter.nodes) {
        if (!wanted(node)) continue;
        const layer = entry(node);
        addParameterUpdate(layer.sums, gradient.data, value.data, delta.data);
        layer.distributions?.addParameter(gradient.data, value.data, delta.data);
        layer.parameters++;
      }
    };
    // The taps cost the runtime a message per node and sweep while observed, and the update
    // tap makes it compute every parameter's delta: both are observed only around sampled
    // steps. The forward tap is armed at the boundary before a step that may be due (and for
    // the run's first step); the update tap from a sampled step's first forward to its boundary.
    // Both are the borrowed taps: the values are read (or copied) during the call and none is
    // kept, so a sampled step still hands its tensors back as spares for the next one.
    const taps = run.taps.borrowed;
    let forward: Subscription | null = null;
    let update: Subscription | null = null;
    const onForward = ({ tag, node, y }: ForwardTap): void => {
      if (!tag.backward || tag.microbatch !== 0 || !wanted(node) || !isSampled(tag.step)) return;
      update ??= taps.update$.subscribe(onUpdate);
      const layer = entry(node);
      layer.activation = activationStatistics(y.data, saturationOf(node.op));
      layer.distributions?.setActivations(y.data);
    };
    const arm = (): void => {
      forward ??= taps.forward$.subscribe(onForward);
    };
    arm();
    // The taps complete when the run ends; so do the statistics.
    const boundary = run.taps.step$.subscribe({
      next: ({ step }) => {
        if (step === sampledStep) {
          for (const node of nodes) {
            const layer = gathered.get(node);
            if (layer?.activation) subscriber.next(bodyOf(step, node.name, layer));
          }
          gathered = new Map();
          update?.unsubscribe();
          update = null;
        }
        // The next step is step + 1.
        if (mayBeDue(step + 1)) {
          arm();
        } else {
          forward?.unsubscribe();
          forward = null;
        }
      },
      complete: () => subscriber.complete(),
    });
    return () => {
      forward?.unsubscribe();
      update?.unsubscribe();
      boundary.unsubscribe();
      for (const [node, distributions] of kept) giveBackDistributions(node, distributions);
      kept.clear();
    };
  });
}

/**
 * Copies for the distributions, by layer node, between listeners: a listener takes one when it
 * first samples a layer's distributions and gives it back when it leaves, so a graph trained
 * again (a resumed run, the runs of a sweep) copies into the same arrays instead of allocating
 * twice its parameters afresh each time (2.5 MB a run of the benchmark MLP with the update
 * tap's deltas, which brought on major collections). Held weakly: they go with the graph.
 */
const spareDistributions = new WeakMap<GraphNode, LayerDistributions[]>();

function takeDistributions(node: GraphNode): LayerDistributions {
  return spareDistributions.get(node)?.pop() ?? new LayerDistributions(node.parameterCount);
}

function giveBackDistributions(node: GraphNode, distributions: LayerDistributions): void {
  const spares = spareDistributions.get(node);
  if (spares) spares.push(distributions);
  else spareDistributions.set(node, [distributions]);
}

function bodyOf(step: number, layer: string, gathered: Gathered): LayerStatsBody {
  const { sums } = gathered;
  const hasParameters = gathered.parameters > 0;
  const parameterNorm = hasParameters ? Math.sqrt(sums.parameterSquares) : null;
  return {
    type: 'layer-stats',
    step,
    layer,
    activation: gathered.activation!,
    gradient: hasParameters ? { norm: Math.sqrt(sums.gradientSquares), max: sums.gradientMax } : null,
    parameterNorm,
    updateRatio: parameterNorm === null ? null : updateRatio(Math.sqrt(sums.updateSquares), parameterNorm),
    ...(gathered.distributions ? { quantiles: gathered.distributions.quantiles() } : {}),
  };
}

/** Distributions at most once a second by default. */
const defaultDistributionsEveryMs = 1000;

/** The least time between two samples with distributions, ms: 0 for every sample, null for none. */
function distributionRate(distributions: boolean | { readonly everyMs: number }): number | null {
  if (distributions === true) return 0;
  if (distributions === false) return null;
  const everyMs = (distributions as { everyMs?: unknown } | null)?.everyMs;
  if (typeof everyMs !== 'number' || !(everyMs >= 0) || !Number.isFinite(everyMs)) {
    throw new TypeError(`layerStats$: distributions must be true, false or { everyMs } with a number of ms ≥ 0, got ${JSON.stringify(distributions)}`);
  }
  return everyMs;
}

function positiveOrUndefined(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`layerStats$: ${name} must be a positive number, got ${String(value)}`);
  return value;
}
