/**
 * Labelled datasets held as one float64 tensor of samples and an array of class labels,
 * with seeded, reproducible splits and batches.
 */
import { Tensor, ShapeError, describe, formatShape, sizeOf } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { integerAtLeast, requireOptions } from '../util/argumentChecks.ts';

/** Samples `x` of shape [count, ...features] and one integer class label per sample. */
export interface ClassificationDataset {
  /** The samples, shape [count, ...features]. */
  readonly x: Tensor;
  /** The class of each sample, an integer in [0, classes); `labels[i]` belongs to sample i. */
  readonly labels: Int32Array;
  /** Number of classes (10 for MNIST's digits). */
  readonly classes: number;
  /** Class names, by label. */
  readonly classNames: readonly string[];
}

/** One batch of `train`, `evaluate` or `computeGradients`: inputs and the targets the loss takes. */
export interface Batch {
  /** The inputs, shape [batch, ...features]. */
  readonly x: Tensor;
  /**
   * What the loss compares the output with, batch axis first, in the shape that loss takes:
   * class indices [batch] or probability rows [batch, classes] (one-hot) for `softmaxCrossEntropy`, the
   * output's shape for `mse`. `epochBatches` and `trainingBatches` give one-hot rows.
   */
  readonly target: Tensor;
}

/** The samples at `indices`, in that order. */
export function subset(dataset: ClassificationDataset, indices: ArrayLike<number>): ClassificationDataset {
  assertDataset(dataset, 'subset');
  if (!Array.isArray(indices) && !ArrayBuffer.isView(indices)) throw new TypeError(`subset: expected an array of sample indices, got ${describe(indices)}`);
  const features = dataset.x.shape.slice(1);
  const width = features.reduce((a, d) => a * d, 1);
  const count = dataset.x.shape[0]!;
  const data = new Float64Array(indices.length * width);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(`subset: index ${index} at position ${i} is outside [0, ${count})`);
    }
    data.set(dataset.x.data.subarray(index * width, (index + 1) * width), i * width);
    labels[i] = dataset.labels[index]!;
  }
  return { ...dataset, x: new Tensor(data, [indices.length, ...features]), labels };
}

/**
 * Splits a dataset into train and test parts with the same class proportions (stratified),
 * reproducibly for a seed: each class's samples are shuffled with the seed and the first
 * round(testFraction · n_class) go to the test part.
 */
export function stratifiedSplit(
  dataset: ClassificationDataset,
  options: { readonly testFraction: number; readonly seed: number },
): {
  /** The samples not drawn for the test part, with every class in the same proportion. */
  train: ClassificationDataset;
  /** round(testFraction · n) samples of each class of n samples. */
  test: ClassificationDataset;
} {
  assertDataset(dataset, 'stratifiedSplit');
  requireOptions(options, 'stratifiedSplit');
  const { testFraction, seed } = options;
  assertSeed(seed, 'stratifiedSplit');
  if (!(typeof testFraction === 'number' && testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`stratifiedSplit: testFraction must be in (0, 1), got ${describe(testFraction)}`);
  }
  const random = createRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let label = 0; label < dataset.classes; label++) {
    const members: number[] = [];
    dataset.labels.forEach((l, i) => l === label && members.push(i));
    const shuffled = random.shuffled(members);
    const testCount = Math.round(testFraction * shuffled.length);
    test.push(...shuffled.slice(0, testCount));
    train.push(...shuffled.slice(testCount));
  }
  return { train: subset(dataset, random.shuffled(train)), test: subset(dataset, random.shuffled(test)) };
}

/** One-hot targets [labels.length, classes]. */
export function oneHot(labels: ArrayLike<number>, classes: number): Tensor {
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) throw new TypeError(`oneHot: expected an array of labels, got ${describe(labels)}`);
  integerAtLeast(classes, 1, 'oneHot', 'classes');
  sizeOf([labels.length, classes], 'oneHot');
  const out = new Float64Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`oneHot: label ${label} at position ${i} is not an integer in [0, ${classes})`);
    }
    out[i * classes + label] = 1;
  }
  return new Tensor(out, [labels.length, classes]);
}

/**
 * The batches of one epoch: the samples shuffled with (seed, epoch), cut into batches of
 * `batchSize` (the last one may be smaller). The same arguments give the same batches.
 */
export function epochBatches(
  dataset: ClassificationDataset,
  options: { readonly batchSize: number; readonly seed: number; readonly epoch: number; readonly shuffle?: boolean },
): Batch[] {
  assertDataset(dataset, 'epochBatches');
  requireOptions(options, 'epochBatches');
  const { batchSize, seed, epoch } = options;
  integerAtLeast(batchSize, 1, 'epochBatches', 'batchSize');
  integerAtLeast(epoch, 0, 'epochBatches', 'epoch');
  assertSeed(seed, 'epochBatches');
  const count = dataset.x.shape[0]!;
  const order = Array.from({ length: count }, (_, i) => i);
  const indices = options.shuffle === false ? order : createRandom(`${seed}/epoch ${epoch}`).shuffled(order);
  const batches: Batch[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const part = subset(dataset, indices.slice(start, start + batchSize));
    batches.push({ x: part.x, target: oneHot(part.labels, dataset.classes) });
  }
  return batches;
}

/** Batches for `epochs` epochs in a row, each epoch reshuffled with (seed, epoch). */
export function* trainingBatches(
  dataset: ClassificationDataset,
  options: { readonly batchSize: number; readonly seed: number; readonly epochs: number; readonly firstEpoch?: number },
): Generator<
  Batch & {
    /** The epoch the batch belongs to, counted from `firstEpoch` (default 0). */
    readonly epoch: number;
  }
> {
  requireOptions(options, 'trainingBatches');
  const first = integerAtLeast(options.firstEpoch ?? 0, 0, 'trainingBatches', 'firstEpoch');
  integerAtLeast(options.epochs, 0, 'trainingBatches', 'epochs');
  for (let epoch = first; epoch < first + options.epochs; epoch++) {
    for (const batch of epochBatches(dataset, { ...options, epoch })) yield { ...batch, epoch };
  }
}

/**
 * Checks that a dataset is one: samples x of shape [count, ...features], one integer label in
 * [0, classes) per sample.
 */
export function assertDataset(dataset: ClassificationDataset, where: string): void {
  const d = dataset as Partial<ClassificationDataset> | null;
  if (typeof d !== 'object' || d === null || !(d.x instanceof Tensor) || !(d.labels instanceof Int32Array)) {
    throw new TypeError(`${where}: expected a dataset { x: Tensor, labels: Int32Array, classes, classNames }, got ${describe(dataset)}`);
  }
  if (!Number.isInteger(d.classes) || d.classes! < 1) throw new RangeError(`${where}: classes must be a positive integer, got ${describe(d.classes)}`);
  if (d.x.rank < 2 || d.x.shape[0] !== d.labels.length) {
    throw new ShapeError(`${where}: ${d.labels.length} labels for samples of shape ${formatShape(d.x.shape)}`);
  }
  const bad = d.labels.findIndex((label) => label < 0 || label >= d.classes!);
  if (bad >= 0) throw new RangeError(`${where}: label ${d.labels[bad]} at position ${bad} is not a class in [0, ${d.classes})`);
}

/** Throws a RangeError unless a seed is a safe integer or a string (what the generator takes). */
function assertSeed(seed: unknown, where: string): void {
  if (!Number.isSafeInteger(seed) && typeof seed !== 'string') throw new RangeError(`${where}: seed must be a safe integer or a string, got ${describe(seed)}`);
}
