/**
 * The end of a step: the guard looks for a non-finite loss or gradient, and when there is none
 * the optimizer updates every parameter once from the step's gradient. The update runs only
 * when no forward pass awaits its backward; that is checked here, not assumed.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { AlarmEvent } from '../telemetry/events.ts';
import type { Graph } from './graph.ts';
import type { Wiring } from './wiring.ts';
import type { TapSubjects } from './taps.ts';
import type { Optimizer } from './optimizers/optimizer.ts';
import type { SettledStep } from './stepRunner.ts';
import { stepGradients, stepLoss } from './accumulate.ts';

/** What a step did. */
export interface AppliedStep {
  readonly loss: number;
  readonly samples: number;
  /** Set when the loss or a gradient was non-finite; the update was then not applied. */
  readonly alarm?: { readonly kind: AlarmEvent['kind']; readonly message: string; readonly node?: string };
}

/** What {@link applyStep} works with. */
export interface StepContext {
  readonly graph: Graph;
  readonly wiring: Wiring;
  readonly optimizer: Optimizer;
  readonly taps: TapSubjects;
  readonly settled: SettledStep;
}

/** Applies a settled step's update, unless its loss or a gradient is non-finite. */
export function applyStep({ graph, wiring, optimizer, taps, settled }: StepContext): AppliedStep {
  const { microbatches, step } = settled;
  const loss = stepLoss(microbatches);
  const samples = microbatches.reduce((sum, m) => sum + m.samples, 0);
  const lossFault = microbatches.find((m) => m.lossFault);
  if (lossFault) {
    const kind = Number.isFinite(lossFault.loss) ? 'non-finite-gradient' : 'non-finite-loss';
    return { loss, samples, alarm: { kind, message: lossFault.lossFault! } };
  }
  const gradientFault = microbatches.find((m) => m.sweep.nonFinite)?.sweep.nonFinite;
  if (gradientFault) return { loss, samples, alarm: { kind: 'non-finite-gradient', message: gradientFault.message, node: gradientFault.node } };

  const waiting = wiring.inFlight();
  if (waiting !== 0) throw new Error(`train: ${waiting} forward passes still await their backward at the update of step ${step}; an update must wait for every pass`);
  const gradients = stepGradients(graph, microbatches);
  graph.parameters.forEach((parameter, i) => {
    const gradient = gradients[i]!;
    const tap = taps.update$;
    if (!tap.observed) return optimizer.update(parameter.key, parameter.tensor.data, gradient.data);
    const delta = new Float64Array(parameter.tensor.size);
    optimizer.update(parameter.key, parameter.tensor.data, gradient.data, delta);
    tap.next({ step, parameter, gradient, delta: new Tensor(delta, parameter.tensor.shape), value: parameter.tensor });
  });
  return { loss, samples };
}
