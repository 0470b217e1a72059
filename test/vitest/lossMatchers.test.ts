import { describe, expect, it } from 'vitest';
import '../../src/vitest/index.ts';
import { tensor, type Tensor } from '../../src/tensor/tensor.ts';
import { mse } from '../../src/layers/mse.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { findLoss } from '../../src/layers/registry.ts';
import type { LossSpec } from '../../src/layers/contract.ts';
import { relu } from '../../src/layers/relu.ts';
import { meanHalfSquaredError } from './fixtures/halfSquaredErrorWithMistake.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(20);

function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the assertion to fail, and it passed');
}

/** Class indices as the target of a [batch, classes] prediction: one integer per row. */
const classIndices = (shape: readonly number[], uniform: () => number): Tensor =>
  tensor(Array.from({ length: shape[0]! }, () => Math.floor(uniform() * shape[1]!)));

describe('toHaveCorrectLossGradients', () => {
  it('passes a LossSpec, and a factory with features and a named or custom target', () => {
    expect(findLoss('softmaxCrossEntropy')!).toHaveCorrectLossGradients({ numRuns: runs });
    expect(() => mse()).toHaveCorrectLossGradients({ features: [3], target: 'real', numRuns: runs });
    expect(() => softmaxCrossEntropy()).toHaveCorrectLossGradients({ features: [4], target: 'probabilities', numRuns: runs });
    expect(() => softmaxCrossEntropy()).toHaveCorrectLossGradients({ features: [4], target: classIndices, numRuns: runs });
  });

  it('fails a gradient missing the batch mean, with the entry once and a test to paste', () => {
    const message = failureOf(() => expect(meanHalfSquaredError).toHaveCorrectLossGradients({ features: [2], target: 'real', seed: 8 }));
    expect(message).toMatch(/^meanHalfSquaredError: FAILED after \d+ runs?, shrunk \d+ times? \(seed 8, path "[\d:]+"\)\n/);
    expect(message).toMatch(/\n {2}✗ gradient: \d+ of \d+ coordinates disagree with finite differences\n {6}meanHalfSquaredError\.prediction\[\d+, \d+\]: analytic \S+, numeric \S+ \(rel\. error \S+, tolerance \S+\)/);
    expect(message).toContain("import { tensor, checkLossGradients, formatReport } from 'gradstream';\n");
    expect(message).toContain("import { meanHalfSquaredError } from './your-layer'; // ← replace './your-layer' with the module that exports meanHalfSquaredError\n");
    expect(message).toContain('  const loss = meanHalfSquaredError();\n');
    expect(message).toContain('  const report = checkLossGradients(loss, prediction, target);\n');
    // Right only for a batch of one: the case shrinks to two rows.
    expect(message).toMatch(/const prediction = tensor\(\[\[[^\]]*\], \[[^\]]*\]\]\);/);
  });

  it('under .not, fails in one line for a correct loss', () => {
    expect(() => meanHalfSquaredError()).not.toHaveCorrectLossGradients({ features: [2], target: 'real', seed: 1 });
    expect(failureOf(() => expect(findLoss('mse')!).not.toHaveCorrectLossGradients({ numRuns: 4, seed: 2 }))).toBe(
      'expected mse not to have correct gradients, but all 4 drawn cases passed (seed 2)',
    );
  });

  it('rejects wrong arguments, saying what it got and what it expects', () => {
    const spec: LossSpec = findLoss('mse')!;
    expect(() => expect(spec).toHaveCorrectLossGradients({ features: [3] })).toThrow(
      'toHaveCorrectLossGradients: the LossSpec mse already has features; give it once, in the spec or with a factory in the options',
    );
    expect(() => expect(() => mse()).toHaveCorrectLossGradients({ target: 'real' })).toThrow(
      "toHaveCorrectLossGradients: options.features must be the prediction's shape without the batch axis, an array of positive integers such as [3]; got undefined",
    );
    expect(() => expect(() => mse()).toHaveCorrectLossGradients({ features: [3] })).toThrow(
      "toHaveCorrectLossGradients: options.target must be 'real', 'probabilities' or a function (shape, uniform) => Tensor that draws a valid target; got undefined",
    );
    expect(() => expect(mse()).toHaveCorrectLossGradients({ features: [3], target: 'real' })).toThrow(
      'toHaveCorrectLossGradients: expected a LossSpec { name, make, features, target } or a function that makes the loss, e.g. expect(() => mse()), got an object (Object)',
    );
    expect(() => expect(relu).toHaveCorrectLossGradients({ features: [3], target: 'real' })).toThrow(
      'toHaveCorrectLossGradients: the factory returned an object (Object); expected a Loss (name, forward); for a layer, use toHaveCorrectGradients',
    );
  });
});

describe('toHaveCorrectLossGradientsAt', () => {
  const prediction = tensor([[0.5, -1], [2, 0]]);
  const target = tensor([[0, 1], [1, -1]]);

  it('passes a correct loss at one prediction and target', () => {
    expect(mse()).toHaveCorrectLossGradientsAt(prediction, target);
    expect(mse()).toHaveCorrectLossGradientsAt(prediction, target, { mode: 'fast', seed: 3 });
  });

  it('fails a wrong loss, naming every disagreeing entry once', () => {
    const message = failureOf(() => expect(meanHalfSquaredError()).toHaveCorrectLossGradientsAt(prediction, target));
    const lines = message.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'meanHalfSquaredError: FAILED at the given input',
      '  full mode, input [2, 2]: 4 coordinates compared, 0 kinks',
      '  ✗ gradient: 4 of 4 coordinates disagree with finite differences',
    ]);
    expect(lines.slice(3).map((line) => /^ {6}meanHalfSquaredError\.prediction\[(\d, \d)\]: analytic/.exec(line)?.[1])).toEqual(['0, 0', '0, 1', '1, 0', '1, 1']);
    expect(message).not.toContain('\n\n');
  });

  it('under .not, fails in one line for a correct loss', () => {
    expect(meanHalfSquaredError()).not.toHaveCorrectLossGradientsAt(prediction, target);
    expect(failureOf(() => expect(mse()).not.toHaveCorrectLossGradientsAt(prediction, target))).toBe(
      'expected mse not to have correct gradients at an input of shape [2, 2], but every check passed',
    );
  });

  it('rejects a factory, a layer and a non-tensor target', () => {
    expect(() => expect(mse).toHaveCorrectLossGradientsAt(prediction, target)).toThrow(
      'toHaveCorrectLossGradientsAt: expected a Loss (name, forward), got a function (mse); call the factory first, expect(mse())',
    );
    expect(() => expect(relu()).toHaveCorrectLossGradientsAt(prediction, target)).toThrow('for a layer, use toHaveCorrectGradientsAt');
    // @ts-expect-error target must be a Tensor
    expect(() => expect(mse()).toHaveCorrectLossGradientsAt(prediction, [[0, 1]])).toThrow('toHaveCorrectLossGradientsAt: target must be a Tensor');
  });
});
