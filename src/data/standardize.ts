/** Feature standardisation with the statistics of a reference split. */
import { ShapeError, Tensor, formatShape } from '../tensor/tensor.ts';
import { assertDataset, type ClassificationDataset } from './dataset.ts';

/**
 * Standardises each feature to mean 0 and standard deviation 1 using statistics of `reference`
 * (the training part), applied to `dataset`.
 */
export function standardize(dataset: ClassificationDataset, reference: ClassificationDataset = dataset): ClassificationDataset {
  assertDataset(dataset, 'standardize');
  assertDataset(reference, 'standardize: reference');
  if (dataset.x.rank !== 2 || reference.x.shape[1] !== dataset.x.shape[1]) {
    throw new ShapeError(`standardize: expected samples [count, features] and a reference with the same features, got ${formatShape(dataset.x.shape)} and ${formatShape(reference.x.shape)}`);
  }
  const width = dataset.x.shape[1]!;
  const rows = reference.x.shape[0]!;
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  const r = reference.x.data;
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) mean[j]! += r[i * width + j]! / rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) std[j]! += (r[i * width + j]! - mean[j]!) ** 2 / rows;
  for (let j = 0; j < width; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const out = new Float64Array(dataset.x.size);
  const d = dataset.x.data;
  for (let i = 0; i < out.length; i++) out[i] = (d[i]! - mean[i % width]!) / std[i % width]!;
  return { ...dataset, x: new Tensor(out, dataset.x.shape) };
}
