/**
 * The end of a step: the guard looks for a non-finite loss or gradient, and when there is none
 * the optimizer updates every parameter once from the step's gradient. The update runs only
 * when no forward pass awaits its backward; that is checked here, not assumed.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { AlarmEvent } from '../telemetry/events.ts';
import type { Graph, GraphParameter } from './graph.ts';
import type { Wiring } from './wiring.ts';
import type { TapSubjects } from './taps.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import type { MicrobatchRecord, SettledStep } from './stepRunner.ts';
import { nonFiniteData } from './data.ts';
import { stepGradients, stepLoss } from './accumulate.ts';
import type { ForwardContext } from '../layers/contract.ts';
import { drawnCotangent } from '../check/repro/bundle.ts';

/** What a step did. */
export interface AppliedStep {
  readonly loss: number;
  readonly samples: number;
  /**
   * Set when the loss or a gradient was non-finite; the update was then not applied. `fault`
   * is the case of the layer it began at, when it began at one (for a repro bundle).
   */
  readonly alarm?: { readonly kind: AlarmEvent['kind']; readonly message: string; readonly node?: string; readonly fault?: LayerFault } | undefined;
}

/**
 * A layer where a non-finite value began: its backward turned a finite dy non-finite
 * (`non-finite-gradient`), or its forward a finite x (`non-finite-loss`, where no dy reached the
 * layer and `dy` is drawn from the step).
 */
export interface LayerFault {
  readonly kind: 'non-finite-gradient' | 'non-finite-loss';
  readonly node: string;
  readonly message: string;
  readonly x: Tensor;
  readonly dy: Tensor;
  readonly context: ForwardContext;
}

/** What {@link applyStep} works with. */
export interface StepContext {
  readonly graph: Graph;
  readonly wiring: Wiring;
  readonly optimizer: Optimizer;
  readonly taps: TapSubjects;
  readonly settled: SettledStep;
}

/**
 * Arrays the update tap's deltas are written into, one per parameter, kept from one sampled
 * step to the next (a fresh array of every parameter's size on every sampled step cost more
 * than the update itself) and from run to run: they belong to the parameter, so a graph trained
 * again allocates none (a run of the benchmark MLP allocated 0.8 MB of them otherwise). The
 * update tap's listeners read a delta only during the call, and an update runs synchronously,
 * so runs of one graph never write into one while another reads it. An array of the wrong size
 * is replaced; held weakly, they go with the graph.
 */
const deltaBuffers = new WeakMap<GraphParameter, Float64Array>();

/** Applies a settled step's update, unless its loss or a gradient is non-finite. */
export function applyStep({ graph, wiring, optimizer, taps, settled }: StepContext): AppliedStep {
  const { microbatches, step } = settled;
  const loss = stepLoss(microbatches);
  const samples = microbatches.reduce((sum, m) => sum + m.samples, 0);
  const alarm = findAlarm(microbatches);
  if (alarm) return { loss, samples, alarm };

  const waiting = wiring.inFlight();
  if (waiting !== 0) throw new Error(`train: ${waiting} forward passes still await their backward at the update of step ${step}; an update must wait for every pass`);
  const gradients = stepGradients(graph, microbatches);
  const tap = taps.update$;
  for (let i = 0; i < gradients.length; i++) {
    const parameter = graph.parameters[i]!;
    const gradient = gradients[i]!;
    if (!tap.observed) {
      optimizer.update(parameter.key, parameter.tensor.data, gradient.data);
      continue;
    }
    const delta = deltaBufferOf(parameter);
    optimizer.update(parameter.key, parameter.tensor.data, gradient.data, delta);
    tap.next({ step, parameter, gradient, delta: new Tensor(delta, parameter.tensor.shape), value: parameter.tensor });
  }
  return { loss, samples };
}

/** A zeroed array for a parameter's delta: the one it keeps, or a fresh one it keeps from now on. */
function deltaBufferOf(parameter: GraphParameter): Float64Array {
  const kept = deltaBuffers.get(parameter);
  if (kept && kept.length === parameter.tensor.size) return kept.fill(0);
  const fresh = new Float64Array(parameter.tensor.size);
  deltaBuffers.set(parameter, fresh);
  return fresh;
}

/**
 * What went non-finite in a step, blaming the data first: a NaN in x shows up as a NaN in the
 * first layer's gradient, and the data, not that layer, is at fault. (The data is searched
 * only here, when a fault has shown, so that clean steps never pay for it.)
 */
function findAlarm(microbatches: readonly MicrobatchRecord[]): AppliedStep['alarm'] {
  const lossFault = microbatches.find((m) => m.lossFault);
  const gradientFault = microbatches.find((m) => m.sweep.nonFinite);
  const faulty = lossFault ?? gradientFault;
  if (!faulty) return undefined;
  const kind = lossFault && !Number.isFinite(lossFault.loss) ? 'non-finite-loss' : 'non-finite-gradient';
  for (const m of microbatches) {
    const data = nonFiniteData(m.batch, `the data, ${m.where}`);
    if (data) return { kind, message: data };
  }
  if (lossFault) {
    const origin = lossFault.forwardFault;
    const message = lossFault.lossFault!;
    if (kind !== 'non-finite-loss' || !origin) return { kind, message };
    const dy = drawnCotangent(origin.y.shape, origin.context.step);
    return { kind, message, fault: { kind, node: origin.node, message, x: origin.x, dy, context: origin.context } };
  }
  const { node, message, x, dy, context } = gradientFault!.sweep.nonFinite!;
  return { kind, message, node, fault: { kind: 'non-finite-gradient', node, message, x, dy, context } };
}
