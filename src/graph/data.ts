/**
 * The forms training data may take, read one epoch at a time as an async iterator: an array
 * of batches, any iterable or async iterable (a generator, a live feed), or an Observable.
 */
import { isObservable, type Observable } from 'rxjs';
import { Tensor, describe, formatShape, unflatIndex } from '../tensor/tensor.ts';
import { allFinite, firstNonFinite } from '../tensor/elementwise.ts';
import type { Random } from '../tensor/random.ts';
import type { Batch } from '../data/dataset.ts';
import type { Graph } from './graph.ts';
import { DataError } from './errors.ts';
import { defaultMaxQueuedBatches } from './trainOptions.ts';

/**
 * Batches of `{ x, target }`. Arrays, iterables whose iterator is fresh on each call, and
 * cold Observables can be read once per epoch; a generator object or a hot stream only once.
 * An Observable's batches are buffered while a step runs, so a source that pushes faster than
 * training grows the buffer.
 */
export type BatchSource = readonly Batch[] | Iterable<Batch> | AsyncIterable<Batch> | Observable<Batch>;

/** Throws unless `data` is one of the forms of {@link BatchSource}. */
export function assertBatchSource(data: unknown, where: string): asserts data is BatchSource {
  const candidate = data as Record<symbol, unknown> | null;
  const ok = Array.isArray(data) || isObservable(data) ||
    (typeof candidate === 'object' && candidate !== null && (typeof candidate[Symbol.iterator] === 'function' || typeof candidate[Symbol.asyncIterator] === 'function'));
  if (!ok) throw new TypeError(`${where}: expected data as an array, iterable, async iterable or Observable of { x, target } batches, got ${describe(data)}`);
}

/** One epoch's batches; arrays are read in a shuffled order when `shuffle` is given. */
export function openEpoch(data: BatchSource, shuffle?: Random, maxQueued = defaultMaxQueuedBatches): AsyncIterator<Batch> {
  if (Array.isArray(data)) {
    const order = shuffle ? shuffle.shuffled(data.map((_, i) => i)) : undefined;
    return fromIterator((order ? order.map((i) => data[i]!) : data)[Symbol.iterator]());
  }
  if (isObservable(data)) return fromObservable(data as Observable<Batch>, maxQueued);
  const candidate = data as AsyncIterable<Batch> & Iterable<Batch>;
  if (typeof candidate[Symbol.asyncIterator] === 'function') return candidate[Symbol.asyncIterator]();
  return fromIterator(candidate[Symbol.iterator]());
}

/** Closes an iterator without waiting for it: a generator stuck awaiting its source must not hold the run. */
export function closeIterator(iterator: AsyncIterator<Batch>): void {
  try {
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  } catch {
    // A failing return() has nothing left to release.
  }
}

/**
 * Throws a DataError unless a batch fits the graph: x of shape [batch ≥ 1, ...inputFeatures],
 * a target with the same batch, and (unless `checkFinite` is false) only finite numbers in both.
 */
export function assertBatch(graph: Graph, batch: unknown, where: string, checkFinite = true): asserts batch is Batch {
  const b = batch as Batch | null;
  if (typeof b !== 'object' || b === null) throw new DataError(`${where}: expected a { x, target } batch, got ${describe(batch)}`);
  assertInput(graph, b.x, where, checkFinite);
  if (!(b.target instanceof Tensor)) throw new DataError(`${where}: target is ${describe(b.target)}; expected a Tensor whose axis 0 is the batch`);
  if (b.target.shape[0] !== b.x.shape[0]) {
    throw new DataError(`${where}: target has shape ${formatShape(b.target.shape)} for x of shape ${formatShape(b.x.shape)}; expected the same batch size ${b.x.shape[0]} on axis 0`);
  }
  if (checkFinite) assertFinite(b.target, `${where}: target`);
}

/** Where a batch first holds NaN or ±Infinity (x first, then the target), or undefined. */
export function nonFiniteData(batch: Batch, where: string): string | undefined {
  for (const [name, t] of [['x', batch.x], ['target', batch.target]] as const) {
    if (allFinite(t.data)) continue;
    const at = firstNonFinite(t.data);
    return `${where}: ${name} holds ${t.data[at]} at ${formatShape(unflatIndex(t.shape, at))}; expected finite numbers`;
  }
  return undefined;
}

/** Throws a DataError unless x is a tensor of shape [batch ≥ 1, ...inputFeatures] (and finite, unless told not to check). */
export function assertInput(graph: Graph, x: unknown, where: string, checkFinite = true): asserts x is Tensor {
  const features = graph.inputFeatures;
  // Every step checks its batch: the expected shape is written out only for a message.
  if (!(x instanceof Tensor)) throw new DataError(`${where}: x is ${describe(x)}; expected a Tensor of shape ${expectedInput(features)}`);
  let fits = x.rank === features.length + 1;
  for (let axis = 0; fits && axis < features.length; axis++) fits = x.shape[axis + 1] === features[axis];
  if (!fits) throw new DataError(`${where}: x has shape ${formatShape(x.shape)}; the graph expects ${expectedInput(features)}`);
  if (x.shape[0] === 0) throw new DataError(`${where}: x has shape ${formatShape(x.shape)}, a batch of size zero; expected at least one sample`);
  if (checkFinite) assertFinite(x, `${where}: x`);
}

function expectedInput(features: readonly number[]): string {
  return `[batch, ${features.join(', ')}]`;
}

function assertFinite(t: Tensor, where: string): void {
  if (allFinite(t.data)) return;
  const at = firstNonFinite(t.data);
  throw new DataError(`${where} holds ${t.data[at]} at ${formatShape(unflatIndex(t.shape, at))}; expected finite numbers`);
}

function fromIterator(iterator: Iterator<Batch>): AsyncIterator<Batch> {
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}

/**
 * Reads an Observable as an async iterator, queueing what arrives between reads, up to
 * `maxQueued` batches: beyond that the next read fails with a DataError (and the source is
 * dropped), since a stream that outruns training for good would otherwise fill the memory.
 * return() unsubscribes.
 */
function fromObservable(source: Observable<Batch>, maxQueued: number): AsyncIterator<Batch> {
  const buffer: Batch[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let waiting: { resolve: (r: IteratorResult<Batch>) => void; reject: (e: unknown) => void } | undefined;
  let subscription: { unsubscribe(): void } | undefined;
  const settle = () => {
    if (!waiting) return;
    const { resolve, reject } = waiting;
    if (buffer.length > 0) resolve({ value: buffer.shift()!, done: false });
    else if (failure) reject(failure.error);
    else if (ended) resolve({ value: undefined, done: true });
    else return;
    waiting = undefined;
  };
  return {
    next() {
      subscription ??= source.subscribe({
        next: (batch) => {
          if (failure) return;
          if (buffer.length >= maxQueued) {
            failure = { error: new DataError(`train: the data stream ran ${maxQueued + 1} batches ahead of training (maxQueuedBatches is ${maxQueued}); an Observable cannot be slowed down, so throttle or sample it (e.g. with RxJS's sampleTime), pass batches that already exist as an array or an iterable (read one at a time), or raise maxQueuedBatches`) };
            buffer.length = 0;
            subscription?.unsubscribe();
          } else buffer.push(batch);
          settle();
        },
        error: (error: unknown) => { failure = { error }; settle(); },
        complete: () => { ended = true; settle(); },
      });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        settle();
      });
    },
    async return() {
      ended = true;
      buffer.length = 0;
      subscription?.unsubscribe();
      subscription ??= { unsubscribe() {} };
      settle();
      return { value: undefined, done: true };
    },
  };
}
