/**
 * One step's gradients through the streaming runtime, without an update: what the trainer
 * would apply, for checks and audits.
 */
import { describe } from '../tensor/tensor.ts';
import { scale } from '../tensor/elementwise.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Loss } from '../layers/contract.ts';
import type { Batch } from '../data/dataset.ts';
import type { Graph } from './graph.ts';
import { wire, type EdgeOperator } from './wiring.ts';
import { StepRunner } from './stepRunner.ts';
import { stepGradients, stepLoss } from './accumulate.ts';
import { assertBatch } from './data.ts';

/** Options of {@link computeGradients}. */
export interface GradientOptions {
  /** Required. */
  readonly loss: Loss;
  /** The step layers see in their context. Default 1. */
  readonly step?: number | undefined;
  /** An operator on every edge (see `EdgeOperator`). Default none. */
  readonly edge?: EdgeOperator | undefined;
}

/** The gradients of one step's loss. */
export interface StepGradients {
  /** The step's loss (microbatch losses weighted by their share of the samples). */
  readonly loss: number;
  /** ∂L/∂θ for every parameter, by key (`dense_1.W`), in `graph.parameters` order. */
  readonly gradients: Readonly<Record<string, Tensor>>;
  /** ∂L/∂x for each microbatch's input, in order. */
  readonly inputGradients: readonly Tensor[];
  /** The graph's output for each microbatch. */
  readonly predictions: readonly Tensor[];
}

/**
 * The gradients of the loss of one step made of `batches` (one batch, or several microbatches),
 * computed by streaming through the graph's nodes exactly as `train` does, without updating.
 *
 * @example const { gradients } = await computeGradients(net, { x, target }, { loss: mse() }); gradients['dense_1.W']
 */
export async function computeGradients(graph: Graph, batches: Batch | readonly Batch[], options: GradientOptions): Promise<StepGradients> {
  const list: readonly Batch[] = Array.isArray(batches) ? batches : [batches as Batch];
  if (list.length === 0) throw new RangeError('computeGradients: expected a batch or a non-empty array of microbatches, got an empty array');
  if (typeof options?.loss?.forward !== 'function') throw new TypeError(`computeGradients: options.loss must be a Loss, got ${describe(options?.loss)}`);
  list.forEach((batch, i) => assertBatch(graph, batch, `computeGradients: microbatch ${i + 1}`));
  const wiring = wire(graph, options.edge ? { edge: options.edge } : {});
  const runner = new StepRunner(wiring, options.loss);
  try {
    const step = options.step ?? 1;
    const open = runner.begin(step);
    list.forEach((batch, i) => open.launch(batch, `microbatch ${i + 1}`, { training: true, step }));
    const { microbatches } = await open.close();
    const total = microbatches.reduce((sum, m) => sum + m.samples, 0);
    const gradients = stepGradients(graph, microbatches);
    return {
      loss: stepLoss(microbatches),
      gradients: Object.fromEntries(graph.parameters.map((p, i) => [p.key, gradients[i]!])),
      inputGradients: microbatches.map((m) => (microbatches.length === 1 ? m.sweep.dx! : scale(m.sweep.dx!, m.samples / total))), // the wiring computes dx by default
      predictions: microbatches.map((m) => m.prediction),
    };
  } finally {
    runner.dispose();
    wiring.dispose();
  }
}
