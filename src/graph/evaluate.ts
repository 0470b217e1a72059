/**
 * Forward-only runs: `predict` for one input, `evaluate` for the loss (and accuracy) over a
 * dataset. Both run the graph's nodes in evaluation mode (`{ training: false }`) and keep no
 * forward pass, since no backward follows.
 */
import { Subscription } from 'rxjs';
import type { Tensor } from '../tensor/tensor.ts';
import { argmaxRows, rowLength } from '../tensor/rows.ts';
import { describe, sameShape } from '../tensor/tensor.ts';
import type { Loss } from '../layers/contract.ts';
import type { Batch } from '../data/dataset.ts';
import type { Graph } from './graph.ts';
import { wire, type EdgeOperator, type Wiring } from './wiring.ts';
import { assertBatch, assertBatchSource, assertInput, closeIterator, openEpoch, type BatchSource } from './data.ts';
import { DataError } from './errors.ts';
import { messageOf } from '../util/errorText.ts';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The loss to average. Required. */
  readonly loss: Loss;
  /**
   * Also report accuracy: the fraction of rows whose largest output is the target class (class
   * indices, or one-hot rows). Default: when every target is class indices or one-hot.
   */
  readonly accuracy?: boolean | undefined;
  /** The step layers see in their context (the trainer passes its current step). Default 0. */
  readonly step?: number | undefined;
  /** An operator on every edge (see `EdgeOperator`). Default none. */
  readonly edge?: EdgeOperator | undefined;
}

/** What {@link evaluate} returns. */
export interface Evaluation {
  /** The loss over all samples: batch losses weighted by batch size. */
  readonly loss: number;
  /** Fraction of correct rows, when computed. */
  readonly accuracy?: number | undefined;
  /** Samples evaluated: the sum of the batches' sizes (axis 0). */
  readonly samples: number;
  /** Batches the data yielded. */
  readonly batches: number;
}

/**
 * The graph's output for x (shape [batch, ...inputFeatures]), in evaluation mode.
 *
 * @example predict(net, tensor([[0.5, 1.5]])) // shape [1, ...output features]
 */
export function predict(graph: Graph, x: Tensor): Tensor {
  assertInput(graph, x, 'predict');
  const wiring = wire(graph);
  const forward = forwardOnly(wiring);
  try {
    // Without an edge operator every node answers synchronously, inside this call.
    void forward(x, 0).catch(() => undefined);
    const failure = forward.lastError();
    if (failure) throw failure;
    const y = forward.lastValue();
    if (!y) throw new Error('predict: the graph produced no output');
    return y;
  } finally {
    forward.dispose();
    wiring.dispose();
  }
}

/**
 * The mean loss (and accuracy) of the graph over a dataset, in evaluation mode.
 *
 * @example await evaluate(net, testBatches, { loss: softmaxCrossEntropy() }) // { loss, accuracy, samples, batches }
 */
export async function evaluate(graph: Graph, data: BatchSource, options: EvaluateOptions): Promise<Evaluation> {
  assertBatchSource(data, 'evaluate');
  const loss = options?.loss;
  if (typeof loss?.forward !== 'function') throw new TypeError(`evaluate: options.loss must be a Loss, got ${describe(loss)}`);
  const wiring = wire(graph, options.edge ? { edge: options.edge } : {});
  const forward = forwardOnly(wiring);
  const iterator = openEpoch(data);
  let weighted = 0, samples = 0, batches = 0, correct = 0, rows = 0;
  let accuracy = options.accuracy;
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const where = `evaluate: batch ${batches + 1}`;
      assertBatch(graph, next.value, where);
      const batch: Batch = next.value;
      const y = await forward(batch.x, options.step ?? 0);
      let value: number;
      try {
        value = loss.forward(y, batch.target).loss;
      } catch (error) {
        throw new DataError(`${where}: the loss ${loss.name} failed: ${messageOf(error)}`, { cause: error });
      }
      const size = batch.x.shape[0]!;
      weighted += size * value;
      samples += size;
      batches++;
      const labels = accuracy === false ? undefined : classLabels(y, batch.target);
      accuracy ??= labels !== undefined;
      if (accuracy) {
        if (!labels) throw new DataError(`${where}: accuracy needs class-index or one-hot targets, got a target of shape [${batch.target.shape.join(', ')}] that is neither`);
        const predicted = argmaxRows(y);
        for (let r = 0; r < labels.length; r++) if (predicted[r] === labels[r]) correct++;
        rows += labels.length;
      }
    }
  } finally {
    closeIterator(iterator);
    forward.dispose();
    wiring.dispose();
  }
  if (batches === 0) throw new DataError('evaluate: the data yielded no batches');
  return { loss: weighted / samples, ...(accuracy ? { accuracy: correct / rows } : {}), samples, batches };
}

/** Class labels of a target, when it holds class indices or one-hot rows; undefined otherwise. */
function classLabels(y: Tensor, target: Tensor): ArrayLike<number> | undefined {
  const classes = rowLength(y);
  if (classes < 2) return undefined;
  if (sameShape(target.shape, y.shape.slice(0, -1))) {
    return target.data.every((v) => Number.isInteger(v) && v >= 0 && v < classes) ? target.data : undefined;
  }
  if (!sameShape(target.shape, y.shape)) return undefined;
  const t = target.data;
  for (let offset = 0; offset < t.length; offset += classes) {
    let ones = 0;
    for (let c = 0; c < classes; c++) {
      const v = t[offset + c]!;
      if (v === 1) ones++;
      else if (v !== 0) return undefined;
    }
    if (ones !== 1) return undefined;
  }
  return argmaxRows(target);
}

interface ForwardOnly {
  (x: Tensor, step: number): Promise<Tensor>;
  lastValue(): Tensor | undefined;
  lastError(): unknown;
  dispose(): void;
}

/** Sends inputs through a wiring without backward; each call resolves with that input's output. */
function forwardOnly(wiring: Wiring): ForwardOnly {
  let nextId = 1;
  const pending = new Map<number, { resolve: (y: Tensor) => void; reject: (e: unknown) => void }>();
  let last: Tensor | undefined;
  let failure: unknown;
  const subscription = new Subscription();
  subscription.add(
    wiring.output$.subscribe(({ tag, value }) => {
      last = value;
      pending.get(tag.id)?.resolve(value);
      pending.delete(tag.id);
    }),
  );
  subscription.add(
    wiring.completed$.subscribe({
      error: (error: unknown) => {
        failure = error;
        for (const p of pending.values()) p.reject(error);
        pending.clear();
      },
    }),
  );
  const run = ((x: Tensor, step: number) =>
    new Promise<Tensor>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      wiring.forward({ id, step, microbatch: 0, context: { training: false, step }, backward: false }, x);
    })) as ForwardOnly;
  run.lastValue = () => last;
  run.lastError = () => failure;
  run.dispose = () => {
    subscription.unsubscribe();
    for (const p of pending.values()) p.reject(new Error('the run ended before the output arrived'));
    pending.clear();
  };
  return run;
}
